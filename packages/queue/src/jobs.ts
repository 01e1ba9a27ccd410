// The jobs of a sweep: one per run directory, with an id made from the sweep directory and the run's
// cell, so enqueueing the same sweep again adds no duplicate.
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import type { JobsOptions } from 'bullmq';
import type { BuildInfo } from './build.js';

/** The BullMQ queue every sweep's runs go to (one Redis database may serve many sweeps). */
export const QUEUE_NAME = 'pathwise-runs';

/** What a job carries: everything a worker needs besides the shared directory itself. */
export interface RunJobData {
  /** The sweep directory (absolute; the same path on every machine). */
  sweep: string;
  /** The run directory, with its config.json. */
  dir: string;
  env: string;
  algo: string;
  seed: number;
  /** From the run record: it wins over `pathwise worker --backend`. */
  backend: string;
  /** Epochs the run trains in all. */
  epochs: number;
  build: BuildInfo;
}

/** What a finished job returns. */
export interface RunJobResult {
  epochs: number;
  worker: string;
}

/** What workers report with `job.updateProgress`. */
export interface RunJobProgress {
  epoch: number;
  epochs: number;
  worker: string;
}

/**
 * Retries with exponential backoff (5 s, 10 s, 20 s, 40 s) for failed attempts; a run that is
 * interrupted or locked by another worker is put back without using one. Completed jobs are dropped
 * after a week (summary.json is what counts), failed ones kept to show why.
 */
export const JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 5_000 },
  removeOnComplete: { age: 7 * 24 * 3600 },
};

/**
 * The job id of a run: a hash of the absolute sweep directory, then env/algo/seed-<n>. BullMQ ids
 * must not contain `:`; each part is URI-encoded, which also keeps the parts apart.
 */
export function runJobId(sweep: string, env: string, algo: string, seed: number): string {
  const key = createHash('sha256').update(resolve(sweep)).digest('hex').slice(0, 16);
  return [key, env, algo, `seed-${seed}`].map((part) => encodeURIComponent(part)).join('/');
}
