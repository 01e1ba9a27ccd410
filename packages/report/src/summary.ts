import type { SeedStats } from './seed-stats.js';

/** summary.json of a one-seed run (docs/architecture.md §6). Its presence marks the run finished. */
export interface RunSummary {
  algo: string;
  env: string;
  seed: number;
  backend: string;
  epochs: number;
  final_reward: number;
  best_reward: number;
  wall_s: number;
}

/** summary.json of a several-seed run: one run directory per seed under `seed-<n>/`. */
export interface MultiSeedSummary {
  algo: string;
  env: string;
  backend: string;
  epochs: number;
  seeds: number[];
  best_reward: SeedStats;
  final_reward: SeedStats;
  wall_s: number;
}

export type Summary = RunSummary | MultiSeedSummary;

/** True for the several-seed shape. */
export function isMultiSeedSummary(summary: Summary): summary is MultiSeedSummary {
  return Array.isArray((summary as MultiSeedSummary).seeds);
}

/** The run-directory name of one seed in a several-seed run. */
export function seedDirName(seed: number): string {
  return `seed-${seed}`;
}
