import type { Rng } from './rng.js';
import { resolveConfig, type ConfigSchema } from './config.js';
import { ConfigError, UnknownNameError } from './errors.js';
import { Registry } from './registry.js';

/**
 * One finished epoch. Only `epoch`, `steps`, `reward` and `best_reward` are universal (with
 * `wall_s`, which the runtime adds); every other column is declared by the algorithm in `columns`.
 */
export interface EpochMetrics {
  epoch: number;
  steps: number;
  reward: number;
  best_reward: number;
  [column: string]: number;
}

/** The universal metrics.csv columns, in order (docs/architecture.md §6); algorithms' columns follow. */
export const UNIVERSAL_COLUMNS = ['epoch', 'steps', 'reward', 'best_reward', 'wall_s'] as const;

/** What an algorithm gets to run: its resolved config, a seeded RNG, and the problem it works on. */
export interface AlgorithmContext<Config, Problem = unknown> {
  config: Config;
  rng: Rng;
  problem: Problem;
  /** The seed the run was started with (the RNG is already seeded with it). */
  seed: number;
  /** Active backend name, for records. */
  backend: string;
}

/** A live training run. */
/** What a run may poll inside a long epoch. */
export interface EpochControl {
  /** True once the user asked to stop (SIGINT/SIGTERM): the run may stop mid-epoch. */
  shouldStop(): boolean;
}

export interface AlgorithmRun {
  /**
   * Trains one epoch and reports its metrics. An algorithm whose epochs are long may poll
   * `control.shouldStop()` and return `undefined` to stop mid-epoch; its `state()` must then
   * carry the partial epoch, so that after `load` the next `epoch()` finishes it exactly.
   */
  epoch(control?: EpochControl): Promise<EpochMetrics | undefined>;
  /** Everything resume needs, as JSON: parameters, optimiser moments, normalisers, RNG, counters. */
  state(): Promise<unknown>;
  /** Restores `state()`; the run continues exactly as it would have. */
  load(state: unknown): void;
  /** Frees every tensor the run holds. */
  dispose(): void;
}

/**
 * A named preset of an algorithm (e.g. `lr` is `pg` with `estimator: 'lr'`). A run started under a
 * variant keeps the variant's name in its records; its defaults may differ per problem.
 */
export interface AlgorithmVariant<Config> {
  description: string;
  /** Config values the variant fixes, layered over the algorithm's defaults for the problem. */
  preset: Partial<Config> | ((problem: string) => Partial<Config>);
}

export interface AlgorithmDefinition<Config extends object, Problem = unknown> {
  name: string;
  description: string;
  configSchema: ConfigSchema;
  /** Default config for a problem (env name); the reference may have per-problem values. */
  defaults: (problem: string) => Config;
  /** The number of epochs a run trains (`--epochs` sets the key this reads). */
  epochs: (config: Config) => number;
  /**
   * The config key `epochs` reads, which `--epochs N` (and a sweep's `epochs`) sets. Defaults to
   * `'epochs'` when the schema has that key, else to what `keyAliases.epochs` names; without any of
   * these, runs cannot be given `--epochs` (see `epochsKeyOf`).
   */
  epochsKey?: string;
  /**
   * The problem (env name) a run uses when none is named, and whose `defaults` listings show
   * (e.g. `cartpole-pilco` for a model-based algorithm). Optional.
   */
  defaultProblem?: string;
  /** Checkpoint every this many epochs (and at exit). */
  checkpointEvery?: (config: Config) => number;
  /** Config keys the algorithm also accepts under other names (e.g. the reference's key names). */
  keyAliases?: Record<string, string>;
  /** Named presets (e.g. `lr`, `rp`, `lrp` of `pg`). */
  variants?: Record<string, AlgorithmVariant<Config>>;
  /** The algorithm's metrics.csv columns after the universal ones, in order. */
  columns: (config: Config) => string[];
  /** Rewrites raw overrides before validation (e.g. flattens a reference config's nested blocks). */
  prepareOverrides?: (overrides: Record<string, unknown>) => Record<string, unknown>;
  /**
   * Adjusts a resolved config for the problem and checks cross-key constraints (throw a ConfigError).
   * Runs after the overrides; optional.
   */
  finalise?: (config: Config, problem: string) => Config;
  create(context: AlgorithmContext<Config, Problem>): AlgorithmRun | Promise<AlgorithmRun>;
}

/** A registered algorithm: its definition plus config resolution. */
export interface Algorithm<Config extends object = Record<string, unknown>, Problem = unknown> extends AlgorithmDefinition<Config, Problem> {
  /**
   * The fully resolved config of a run: the defaults for `problem`, the variant's preset, then the
   * overrides (key aliases accepted), validated against the schema. Unknown keys are errors.
   */
  resolve(problem: string, overrides?: Record<string, unknown>, variant?: string): Config;
}

/** Makes a typed algorithm plugin. Algorithm packages implement this without importing each other. */
export function defineAlgorithm<Config extends object, Problem = unknown>(definition: AlgorithmDefinition<Config, Problem>): Algorithm<Config, Problem> {
  if (typeof definition.name !== 'string' || !/^[a-z][a-z0-9+-]*$/.test(definition.name)) {
    throw new ConfigError('name', definition.name, 'a lower-case name of letters, digits, + and -');
  }
  for (const key of ['defaults', 'epochs', 'columns', 'create'] as const) {
    if (typeof definition[key] !== 'function') throw new ConfigError(`${definition.name}.${key}`, typeof definition[key], 'a function');
  }
  if (definition.epochsKey !== undefined && !Object.prototype.hasOwnProperty.call(definition.configSchema, definition.epochsKey)) {
    throw new ConfigError(`${definition.name}.epochsKey`, definition.epochsKey, `a key of its configSchema (${Object.keys(definition.configSchema).sort().join(', ')})`);
  }
  return Object.freeze({
    ...definition,
    resolve(problem: string, overrides: Record<string, unknown> = {}, variant?: string): Config {
      const presetOf = variant === undefined || variant === definition.name ? undefined : definition.variants?.[variant];
      if (variant !== undefined && variant !== definition.name && !presetOf) {
        throw new UnknownNameError(`variant of '${definition.name}'`, variant, Object.keys(definition.variants ?? {}));
      }
      const preset = presetOf ? (typeof presetOf.preset === 'function' ? presetOf.preset(problem) : presetOf.preset) : {};
      const prepared = definition.prepareOverrides ? definition.prepareOverrides(overrides) : overrides;
      const resolved = resolveConfig(definition.configSchema, { ...definition.defaults(problem), ...preset } as Config, prepared, definition.keyAliases);
      return definition.finalise ? definition.finalise(resolved, problem) : resolved;
    },
  });
}

/**
 * The config key `--epochs` sets for `algorithm`: its `epochsKey`, else `'epochs'` when its schema
 * has that key, else the key its `keyAliases` map `epochs` to, else `undefined` (the algorithm's
 * runs cannot be given an epoch count).
 */
export function epochsKeyOf(algorithm: Pick<AlgorithmDefinition<any, any>, 'epochsKey' | 'configSchema' | 'keyAliases'>): string | undefined {
  if (algorithm.epochsKey !== undefined) return algorithm.epochsKey;
  if (Object.prototype.hasOwnProperty.call(algorithm.configSchema, 'epochs')) return 'epochs';
  const aliased = algorithm.keyAliases?.['epochs'];
  return aliased !== undefined && Object.prototype.hasOwnProperty.call(algorithm.configSchema, aliased) ? aliased : undefined;
}

/** An algorithm found by name: the algorithm and, when the name is a variant, the variant's name. */
export interface AlgorithmLookup {
  algorithm: Algorithm<any, any>;
  /** The name the user asked for (the algorithm's own name, or one of its variants). */
  name: string;
  variant?: string;
}

const registry = new Registry<Algorithm<any, any>>('algorithm', () => 'Register a plugin with registerAlgorithm(defineAlgorithm({...})) before looking it up.');

export const algorithms = {
  /** Every registered algorithm, by name. */
  list: (): Algorithm<any, any>[] => registry.list(),
  /** Every name `lookup` accepts: algorithms and their variants. */
  names: (): string[] =>
    registry
      .list()
      .flatMap((a) => [a.name, ...Object.keys(a.variants ?? {})])
      .sort(),
  has: (name: string): boolean => algorithms.names().includes(name),
  /** The algorithm called `name` (or whose variant is called `name`); an UnknownNameError otherwise. */
  lookup(name: string): AlgorithmLookup {
    if (registry.has(name)) return { algorithm: registry.get(name), name };
    for (const algorithm of registry.list()) {
      if (algorithm.variants && Object.prototype.hasOwnProperty.call(algorithm.variants, name)) return { algorithm, name, variant: name };
    }
    throw new UnknownNameError('algorithm', name, algorithms.names(), 'Load a plugin with --plugin <module> to add one.');
  },
  get: (name: string): Algorithm<any, any> => algorithms.lookup(name).algorithm,
};

/** Registers an algorithm by name so the CLI, configs and sweeps can find it. */
export function registerAlgorithm<A extends Algorithm<any, any>>(algorithm: A): A {
  const clash = Object.keys(algorithm.variants ?? {}).find((v) => registry.has(v) && v !== algorithm.name);
  if (clash) throw new ConfigError(`${algorithm.name}.variants`, clash, 'names no other algorithm uses');
  registry.register(algorithm);
  return algorithm;
}
