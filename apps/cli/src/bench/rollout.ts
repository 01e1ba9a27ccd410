import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROLLOUT_HORIZON, ROLLOUT_ITERATION_LIMIT_S } from '@pathwise/envs';

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

/** scripts/bench/rollout_torch.py, found by walking up from this module (it ships with the repository, not the npm package). */
export function torchScript(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'scripts', 'bench', 'rollout_torch.py');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  return undefined;
}

/** rollout_torch.py's exit code when torch cannot be imported. */
const TORCH_MISSING_EXIT = 3;

/** Runs the PyTorch reference on 1 thread and on all threads; an error instead of figures when torch is missing. */
export function torchReference(batches: readonly number[]): { reference: TorchReference[]; reference_skipped?: unknown[]; reference_error?: string } {
  const script = torchScript();
  if (script === undefined) return { reference: [], reference_error: 'scripts/bench/rollout_torch.py not found (it is in the pathwise repository, not in the npm package)' };
  const threads = [...new Set([1, os.cpus().length])];
  const args = [script, '--envs', batches.join(','), '--threads', threads.join(','), '--horizon', String(ROLLOUT_HORIZON), '--limit-s', String(ROLLOUT_ITERATION_LIMIT_S)];
  // The first python3 on PATH may be a pyenv or venv one without torch; Debian's python3-torch is /usr/bin's.
  // PATHWISE_PYTHON names the one interpreter to use instead.
  const pythons = process.env['PATHWISE_PYTHON'] ? [process.env['PATHWISE_PYTHON']] : ['python3', '/usr/bin/python3'];
  let run: SpawnSyncReturns<string> | undefined;
  for (const python of pythons) {
    run = spawnSync(python, args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    if (run.error === undefined && run.status !== TORCH_MISSING_EXIT) break;
  }
  if (run!.error !== undefined) return { reference: [], reference_error: `python3 could not be run: ${run!.error.message}` };
  if (run!.status !== 0) return { reference: [], reference_error: (run!.stderr.trim().split('\n').pop() ?? '') || `rollout_torch.py exited with ${run!.status}` };
  try {
    const parsed = JSON.parse(run!.stdout) as { reference: TorchReference[]; skipped: unknown[] };
    return { reference: parsed.reference, reference_skipped: parsed.skipped };
  } catch {
    return { reference: [], reference_error: 'rollout_torch.py printed no JSON' };
  }
}
