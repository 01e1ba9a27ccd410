import type { Rng } from './rng.js';
import type { ConfigSchema } from './config.js';
import { Registry } from './registry.js';

/** One finished epoch, with the metrics.csv columns of docs/architecture.md §6 and the algorithm's own diagnostics. */
export interface EpochMetrics {
  epoch: number;
  steps: number;
  reward: number;
  actor_loss: number;
  critic_loss: number;
  actor_lr: number;
  critic_lr: number;
  /** Algorithm-specific columns (GI-PPO: alpha, lr_alpha, alpha_loss, oorr, bias, det_min, det_max). */
  [column: string]: number;
}

/** What an algorithm gets to run: its resolved config, a seeded RNG, and the problem it works on. */
export interface AlgorithmContext<Config, Problem = unknown> {
  config: Config;
  rng: Rng;
  problem: Problem;
  /** Active backend name, for records. */
  backend: string;
}

/** A live training run. */
export interface AlgorithmRun {
  /** Trains one epoch and reports its metrics. */
  epoch(): Promise<EpochMetrics>;
  /** Everything resume needs, as JSON: parameters, optimiser moments, normalisers, RNG, counters. */
  state(): Promise<unknown>;
  /** Restores `state()`; the run continues exactly as it would have. */
  load(state: unknown): void;
  /** Frees every tensor the run holds. */
  dispose(): void;
}

export interface Algorithm<Config = Record<string, unknown>, Problem = unknown> {
  readonly name: string;
  readonly description: string;
  readonly defaults: Config;
  readonly configSchema: ConfigSchema;
  /** Accepted alternative key names (e.g. the reference implementation's). */
  readonly aliases?: Record<string, string>;
  create(context: AlgorithmContext<Config, Problem>): AlgorithmRun | Promise<AlgorithmRun>;
}

/** Makes a typed algorithm plugin. Algorithm packages implement this without importing each other. */
export function defineAlgorithm<Config, Problem = unknown>(definition: Algorithm<Config, Problem>): Algorithm<Config, Problem> {
  return definition;
}

export const algorithms = new Registry<Algorithm<any, any>>('algorithm');

/** Registers an algorithm by name so the CLI and configs can find it. */
export function registerAlgorithm<A extends Algorithm<any, any>>(algorithm: A): A {
  algorithms.register(algorithm);
  return algorithm;
}
