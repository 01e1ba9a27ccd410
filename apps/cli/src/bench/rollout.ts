import os from 'node:os';
import { ROLLOUT_HORIZON, ROLLOUT_ITERATION_LIMIT_S } from '@pathwise/envs';
import { runTorchScript } from './python.js';

// `pathwise bench rollout` (issue 14): the timed workload is @pathwise/envs's benchRollout (browser-safe,
// so that a page times the same thing on webgl and webgpu); here, the PyTorch reference beside it.
export { benchRollout, ROLLOUT_BATCHES, ROLLOUT_ENV, ROLLOUT_HIDDEN, ROLLOUT_HORIZON, ROLLOUT_ITERATION_LIMIT_S, type RolloutBenchRow, type RolloutSkip } from '@pathwise/envs';

export interface TorchReference {
  impl: 'torch';
  threads: number;
  envs: number;
  steps_per_s: number;
  ms_per_iter: number;
}

/** Runs the PyTorch reference on 1 thread and on all threads; an error instead of figures when torch is missing. */
export function torchReference(batches: readonly number[]): { reference: TorchReference[]; reference_skipped?: unknown[]; reference_error?: string } {
  const threads = [...new Set([1, os.cpus().length])];
  const args = ['--envs', batches.join(','), '--threads', threads.join(','), '--horizon', String(ROLLOUT_HORIZON), '--limit-s', String(ROLLOUT_ITERATION_LIMIT_S)];
  const run = runTorchScript<{ reference: TorchReference[]; skipped: unknown[] }>('rollout_torch.py', args);
  return 'error' in run ? { reference: [], reference_error: run.error } : { reference: run.value.reference, reference_skipped: run.value.skipped };
}
