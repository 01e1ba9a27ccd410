import { tf, stopGradient, BackendUnavailableError, ConfigError, NonFiniteError, ShapeError } from '@pathwise/core';
import type { Rng } from '@pathwise/core';
import { fusedStepSupported, isGpuFusedBackend, runFusedStep, type FusedStep } from './fused.js';

/**
 * The state of a batch of environments: named float32 (or int/bool) tensors whose first dimension is
 * the batch. Every key is env-specific except `t`, the per-env step counter that `defineEnv` adds.
 * Keeping the state in tensors is what lets `tf.grad` flow through `step`.
 */
export type EnvState = Record<string, tf.Tensor>;

/** What a step does when an observation or reward is NaN or ±Inf. */
export type NonFiniteMode = 'flag' | 'raise' | 'off';

export interface EnvOptions {
  /**
   * No gradient flows through `step` (for likelihood-ratio algorithms). Outside `tf.grad` tfjs
   * records no tape at all, so a rollout there costs the same either way; inside a gradient scope
   * a detached step contributes exactly zero gradient.
   */
  detached?: boolean;
  /**
   * `'flag'` (default): `StepResult.nonFinite` marks envs whose next observation or reward is not
   * finite, and those envs are also `terminated` so the trainer resets them.
   * `'raise'`: throw a `NonFiniteError` instead (reads one scalar back per step: a sync point).
   * `'off'`: no check (saves a few ops per step).
   */
  nonFinite?: NonFiniteMode;
  /**
   * How a step runs. `'fused'`: one kernel dispatch forward and one backward, where the env has a fused
   * step kernel for the active backend. `'ops'`: the op-by-op definition (the reference). `'auto'`
   * (default): fused on the host backends where the kernel leaves the training goldens unchanged (the
   * env's `fused.defaultOn`) and on webgl and webgpu wherever it has GPU code (`fused.gpu`), ops
   * elsewhere. Fused and ops agree to float32 rounding everywhere (fused-kernels.test.ts,
   * fused-check.ts), but a chaotic training run amplifies a last-bit difference.
   */
  kernel?: StepKernel | 'auto';
}

/** How a step runs: one fused kernel, or the op-by-op definition. */
export type StepKernel = 'fused' | 'ops';

/** Physical meaning of each action coordinate: env action a in [-1, 1] maps to low..high. */
export interface ActionSpec {
  names: readonly string[];
  units: readonly string[];
  low: readonly number[];
  high: readonly number[];
}

/** The `pathwise envs --json` object (docs/architecture.md §6). */
export interface EnvInfo {
  name: string;
  obsDim: number;
  actDim: number;
  episodeLength: number;
  description: string;
}

// A type alias (not an interface) so that a result is a tf.TensorContainer: `tf.dispose(result)` works.
export type StepResult<S extends EnvState = EnvState> = {
  /** The new state (before any reset). */
  state: S;
  /**
   * The observation to continue from. Envs never reset themselves (the trainer resets finished envs,
   * see `resetDone`), so it holds the same values as `nextObs`; it is a separate tensor handle.
   */
  obs: tf.Tensor;
  /** [B] float32. */
  reward: tf.Tensor;
  /** [B] bool: an early end (fall, collision, leaving the road, non-finite values in 'flag' mode). */
  terminated: tf.Tensor;
  /** [B] bool: the time limit (`episodeLength` steps) was reached. */
  truncated: tf.Tensor;
  /** [B, obsDim]: the observation of the new state, before any reset. */
  nextObs: tf.Tensor;
  /** [B] bool, present unless `nonFinite: 'off'`: the next observation or reward is NaN/Inf. */
  nonFinite?: tf.Tensor;
};

export interface Env<S extends EnvState = EnvState> extends EnvInfo {
  readonly action: ActionSpec;
  readonly rewardDescription: string;
  readonly observationNames: readonly string[];
  /** Physical constants and their provenance, for documentation and reports. */
  readonly constants: Readonly<Record<string, number | string | boolean>>;
  readonly options: Readonly<Required<EnvOptions>>;
  /** A fresh batch of `batch` envs; all randomness comes from `rng`. */
  reset(batch: number, rng: Rng): S;
  /**
   * One step of every env in the batch. `action` is [B, actDim] in [-1, 1] (clipped, then scaled to
   * physical units). Runs in its own `tf.tidy`: the caller owns (and disposes) the inputs and the result.
   */
  step(state: S, action: tf.Tensor): StepResult<S>;
  /** [B, obsDim] observation of a state. */
  observe(state: S): tf.Tensor;
  /** The same env with other options (for example `{ detached: true }`). */
  with(options: EnvOptions): Env<S>;
  /** The listing object `{name, obsDim, actDim, episodeLength, description}`. */
  info(): EnvInfo;
  /** The env's fused step kernel; `false` where it declares none; `undefined` where it does not say. */
  readonly fused: FusedStep | false | undefined;
  /** How `step` runs on a backend (default: the active one), given `options.kernel` and the backends the kernel exists for. */
  kernelOn(backend?: string): StepKernel;
}

/** What an env's own transition returns; `defineEnv` adds clipping, the counter, time limits and guards. */
export interface Transition<S extends EnvState> {
  state: S;
  reward: tf.Tensor;
  terminated?: tf.Tensor;
}

export interface EnvDefinition<S extends EnvState> {
  name: string;
  description: string;
  obsDim: number;
  actDim: number;
  episodeLength: number;
  action: ActionSpec;
  rewardDescription: string;
  observationNames: readonly string[];
  constants?: Record<string, number | string | boolean>;
  /** The env-specific part of a fresh state (without `t`). */
  init(batch: number, rng: Rng): S;
  /** [B, obsDim]; may read `state.t` (the step counter, float32). */
  observe(state: S): tf.Tensor;
  /**
   * The physics: `action` is already clipped to [-1, 1] and has shape [B, actDim]; `state` includes
   * `t` (the counter before this step). Returns the env-specific next state (without `t`). Omitted only
   * where the fused kernel is the implementation (`fused.opReference === false`).
   */
  transition?(state: S, action: tf.Tensor): Transition<S>;
  /**
   * The same step (transition, then observe) as one kernel forward and one backward, or `false` to
   * declare that the env has none: the registry-wide equivalence test fails for an env that says neither.
   */
  fused?: FusedStep | false;
}

/** Name of the per-env step counter every state carries. */
export const STEP_COUNTER = 't';

/** Makes an env plugin (docs/architecture.md §3) from its physics; register it with `registerEnv` to find it by name. */
export function defineEnv<S extends EnvState>(definition: EnvDefinition<S>, options: EnvOptions = {}): Env<S> {
  validateDefinition(definition);
  const resolved: Required<EnvOptions> = {
    detached: options.detached ?? false,
    nonFinite: options.nonFinite ?? 'flag',
    kernel: options.kernel ?? 'auto',
  };
  if (!['auto', 'fused', 'ops'].includes(resolved.kernel)) throw new ConfigError('kernel', resolved.kernel, "'auto', 'fused' or 'ops'");
  if (!['flag', 'raise', 'off'].includes(resolved.nonFinite)) {
    throw new ConfigError('nonFinite', resolved.nonFinite, "'flag', 'raise' or 'off'");
  }
  const { name, obsDim, actDim, episodeLength } = definition;

  const reset = (batch: number, rng: Rng): S => {
    if (!Number.isInteger(batch) || batch < 1) throw new ConfigError('batch', batch, 'a positive integer');
    return tf.tidy(() => ({ ...definition.init(batch, rng), [STEP_COUNTER]: tf.zeros([batch], 'float32') }) as S);
  };

  const observe = (state: S): tf.Tensor => tf.tidy(() => definition.observe(state));

  const step = (state: S, action: tf.Tensor): StepResult<S> => {
    const counter = state[STEP_COUNTER];
    if (counter === undefined) throw new ShapeError(`${name}: the state has no step counter '${STEP_COUNTER}'; make states with env.reset().`);
    const batch = counter.shape[0]!;
    if (action.rank !== 2 || action.shape[0] !== batch || action.shape[1] !== actDim) {
      throw new ShapeError(`${name}: action must have shape [${batch}, ${actDim}] (batch, actDim); got [${action.shape.join(', ')}].`);
    }
    return tf.tidy((): tf.TensorContainer => {
      let input = state;
      let act = action;
      if (resolved.detached) {
        input = Object.fromEntries(Object.entries(state).map(([k, v]) => [k, v.dtype === 'float32' ? stopGradient(v) : v])) as S;
        act = stopGradient(action);
      }
      if (fused !== undefined && kernelOn() === 'fused') {
        if (!fusedStepSupported(tf.getBackend(), fused))
          throw new BackendUnavailableError(tf.getBackend(), `${name} steps with a host kernel only (its fused step is the implementation); use --backend cpu or wasm`);
        return fusedStep(fused, input, act, batch) as unknown as tf.TensorContainer;
      }
      const clipped = tf.clipByValue(act, -1, 1);
      const out = definition.transition!(input, clipped);
      const t = tf.add(input[STEP_COUNTER]!, 1);
      // A tensor passed through unchanged is cloned, so that the caller can dispose the old state whole.
      const next = { ...passThroughCloned(out.state, state), [STEP_COUNTER]: t } as S;
      const truncated = tf.greaterEqual(t, episodeLength);
      let terminated = out.terminated ?? tf.zeros([batch], 'bool');
      const nextObs = definition.observe(next);
      const reward = out.reward;
      const result: StepResult<S> = { state: next, obs: tf.clone(nextObs), reward, terminated, truncated, nextObs };
      if (resolved.nonFinite !== 'off') {
        // A NaN or ±Inf anywhere in a row makes the row's sum non-finite (4 ops instead of a per-element
        // test and an all-reduction; tf.all also has no gradient, and under tf.grad this mask can feed a
        // tf.where through resetDone). Only a finite row whose sum overflows float32 (|sum| > 3e38) is a false alarm.
        const nonFinite = tf.logicalNot(tf.isFinite(tf.add(tf.sum(nextObs, 1), reward)));
        if (resolved.nonFinite === 'raise') {
          raiseOnNonFinite(name, nonFinite, batch);
        } else {
          terminated = tf.logicalOr(terminated, nonFinite);
        }
        result.terminated = terminated;
        result.nonFinite = nonFinite;
      }
      return result as unknown as tf.TensorContainer;
    }) as unknown as StepResult<S>;
  };

  const fused = definition.fused === false ? undefined : definition.fused;
  const kernelOn = (backend: string = tf.getBackend()): StepKernel => {
    if (fused !== undefined && fused.opReference === false) return 'fused';
    if (fused === undefined || resolved.kernel === 'ops' || !fusedStepSupported(backend, fused)) return 'ops';
    return resolved.kernel === 'fused' || fused.defaultOn.includes(backend) || isGpuFusedBackend(backend) ? 'fused' : 'ops';
  };

  // The fused path: the kernel also does the clipping, the counter, the time limit and the non-finite check.
  const fusedStep = (kernel: FusedStep, input: S, act: tf.Tensor, batch: number): StepResult<S> => {
    const out = runFusedStep(kernel, name, input, act, { episodeLength, flagNonFinite: resolved.nonFinite === 'flag' });
    const next = Object.fromEntries(kernel.stateKeys.map((key, i) => [key, out.state[i]!]));
    for (const [key, value] of Object.entries(input)) if (!(key in next) && key !== STEP_COUNTER) next[key] = tf.clone(value);
    next[STEP_COUNTER] = out.t;
    const result: StepResult<S> = { state: next as S, obs: out.obs, reward: out.reward, terminated: out.terminated, truncated: out.truncated, nextObs: out.nextObs };
    if (resolved.nonFinite === 'raise') raiseOnNonFinite(name, out.nonFinite, batch);
    if (resolved.nonFinite !== 'off') result.nonFinite = out.nonFinite;
    return result;
  };

  const env: Env<S> = {
    name,
    obsDim,
    actDim,
    episodeLength,
    description: definition.description,
    action: definition.action,
    rewardDescription: definition.rewardDescription,
    observationNames: definition.observationNames,
    constants: definition.constants ?? {},
    options: resolved,
    reset,
    step,
    observe,
    with: (more) => defineEnv(definition, { ...resolved, ...more }),
    info: () => ({ name, obsDim, actDim, episodeLength, description: definition.description }),
    fused: definition.fused,
    kernelOn,
  };
  return env;
}

/** Reads the [B] bool mask back (a sync point) and throws when any env went non-finite. */
function raiseOnNonFinite(name: string, nonFinite: tf.Tensor, batch: number): void {
  const count = (nonFinite.dataSync() as Uint8Array).reduce((n, v) => n + (v !== 0 ? 1 : 0), 0);
  if (count > 0) throw new NonFiniteError(`${name} step (observation or reward)`, count, batch);
}

function passThroughCloned<S extends EnvState>(next: S, previous: S): S {
  const inputs = new Set(Object.values(previous));
  return Object.fromEntries(Object.entries(next).map(([k, v]) => [k, inputs.has(v) ? tf.clone(v) : v])) as S;
}

function validateDefinition(d: EnvDefinition<EnvState>): void {
  if (d.transition === undefined && !(d.fused && d.fused.opReference === false)) {
    throw new ConfigError('transition', undefined, 'an op-by-op transition, unless the fused kernel is the implementation (fused.opReference: false)');
  }
  if (typeof d.name !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(d.name)) {
    throw new ConfigError('name', d.name, 'a lower-case name of letters, digits and dashes');
  }
  for (const key of ['obsDim', 'actDim', 'episodeLength'] as const) {
    if (!Number.isInteger(d[key]) || d[key] < 1) throw new ConfigError(key, d[key], 'a positive integer');
  }
  const { names, units, low, high } = d.action;
  if (names.length !== d.actDim || units.length !== d.actDim || low.length !== d.actDim || high.length !== d.actDim) {
    throw new ConfigError('action', d.action, `names, units, low and high with actDim = ${d.actDim} entries each`);
  }
  if (d.observationNames.length !== d.obsDim) {
    throw new ConfigError('observationNames', d.observationNames, `obsDim = ${d.obsDim} names`);
  }
}
