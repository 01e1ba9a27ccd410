import { Registry } from '@pathwise/core';
import type { Env, EnvInfo, EnvOptions, EnvState } from './env.js';
import { ackleyEnv, dejongEnv } from './envs/function-opt.js';
import { cartpoleSwingupEnv } from './envs/cartpole-swingup.js';
import { cartpolePilcoEnv } from './envs/cartpole-pilco.js';
import { pendulumEnv } from './envs/pendulum.js';
import { doublePendulumEnv } from './envs/double-pendulum.js';
import { trafficEnv } from './envs/traffic.js';
import { antEnv, hopperEnv } from './envs/hopper-ant.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyEnv = Env<any>;

const registry = new Registry<AnyEnv>('env', () => 'Register your own with registerEnv(defineEnv({...})).');

/** The docs/architecture.md §6 env names, in the order they are listed there. */
export const BUILTIN_ENV_NAMES = [
  'dejong',
  'dejong64',
  'ackley',
  'ackley64',
  'cartpole-swingup',
  'cartpole-pilco',
  'pendulum',
  'double-pendulum',
  'traffic-a',
  'traffic-b',
  'traffic-c',
  'traffic-d',
  'traffic-e',
  'hopper',
  'ant',
] as const;

export type BuiltinEnvName = (typeof BUILTIN_ENV_NAMES)[number];

/** A fresh instance of a built-in env with options (env-specific ones too, e.g. `{ observationNoise: 1 }`). */
export function builtinEnv(name: BuiltinEnvName, options: EnvOptions & Record<string, unknown> = {}): AnyEnv {
  switch (name) {
    case 'dejong':
      return dejongEnv({ ...options, dim: 1 });
    case 'dejong64':
      return dejongEnv({ ...options, dim: 64 });
    case 'ackley':
      return ackleyEnv({ ...options, dim: 1 });
    case 'ackley64':
      return ackleyEnv({ ...options, dim: 64 });
    case 'cartpole-swingup':
      return cartpoleSwingupEnv(options);
    case 'cartpole-pilco':
      return cartpolePilcoEnv(options);
    case 'pendulum':
      return pendulumEnv(options);
    case 'double-pendulum':
      return doublePendulumEnv(options);
    case 'traffic-a':
    case 'traffic-b':
    case 'traffic-c':
    case 'traffic-d':
    case 'traffic-e':
      return trafficEnv(name.slice('traffic-'.length) as 'a' | 'b' | 'c' | 'd' | 'e', options);
    case 'hopper':
      return hopperEnv(options);
    case 'ant':
      return antEnv(options);
  }
}

// Built-ins are registered on first lookup rather than at import, so importing the package has no
// side effect (and `"sideEffects": false` holds). A user env registered earlier under a built-in name wins.
function ensureBuiltins(): void {
  for (const name of BUILTIN_ENV_NAMES) if (!registry.has(name)) registry.register(builtinEnv(name));
}

/** Registers an env by name (replacing any env of that name) and returns it. */
export function registerEnv<S extends EnvState>(env: Env<S>): Env<S> {
  ensureBuiltins();
  return registry.register(env) as Env<S>;
}

/** The env registered as `name`; an `UnknownNameError` lists the registered names otherwise. */
export function getEnv(name: string): AnyEnv {
  ensureBuiltins();
  return registry.get(name);
}

/** `getEnv(name).with(options)`: e.g. `makeEnv('cartpole-swingup', { detached: true })`. */
export function makeEnv(name: string, options: EnvOptions): AnyEnv {
  return getEnv(name).with(options);
}

/** Every registered env as `{name, obsDim, actDim, episodeLength, description}` (docs/architecture.md §6), sorted by name. */
export function listEnvs(): EnvInfo[] {
  ensureBuiltins();
  return registry.list().map((env) => env.info());
}
