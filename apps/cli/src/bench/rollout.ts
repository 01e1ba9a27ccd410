import os from 'node:os';
import { tf, MLP, Rng, parametersOf } from '@pathwise/core';
import { getEnv, type EnvState, type StepKernel } from '@pathwise/envs';
import { runTorchScript } from './python.js';

// `pathwise bench rollout` (issue 14): one epoch's differentiable rollout, the workload of the SHAC /
// GI-PPO cart-pole: a deterministic tanh-squashed MLP [64, 64] ELU policy, T = 64 steps of cart-pole
// swing-up from a random start, loss −Σ_t mean_b r_t, forward and backward to the policy parameters.
// scripts/bench/rollout_torch.py does the same computation in PyTorch.

export const ROLLOUT_ENV = 'cartpole-swingup';
export const ROLLOUT_HORIZON = 64;
export const ROLLOUT_HIDDEN = [64, 64];
export const ROLLOUT_BATCHES = [256, 1024, 4096, 16384, 65536];
/** A size whose iteration takes longer than this is skipped (or, scaled linearly from the size before, would take twice as long). */
export const ROLLOUT_ITERATION_LIMIT_S = 30;

export interface RolloutBenchRow {
  backend: string;
  env: string;
  envs: number;
  kernel: StepKernel;
  steps_per_s: number;
  ms_per_iter: number;
}

export interface RolloutSkip {
  backend: string;
  envs: number;
  kernel: StepKernel;
  reason: string;
}

export interface TorchReference {
  impl: 'torch';
  threads: number;
  envs: number;
  steps_per_s: number;
  ms_per_iter: number;
}

/** Builds the policy and the iteration once; `iterate` runs one rollout + backward and waits for the gradients. */
function rolloutIteration(envs: number, kernel: StepKernel): { iterate: () => Promise<void>; dispose: () => void } {
  const env = getEnv(ROLLOUT_ENV).with({ kernel });
  const rng = new Rng(1);
  const policy = new MLP({ inputDim: env.obsDim, hidden: ROLLOUT_HIDDEN, outputDim: env.actDim, activation: 'elu', outputActivation: 'tanh', rng, name: 'policy' });
  const params = parametersOf(policy);
  const initial = env.reset(envs, rng);
  const iterate = async () => {
    const grads = tf.tidy(() => {
      const { grads } = tf.variableGrads(() => {
        let state: EnvState = initial;
        let obs = env.observe(initial);
        let total: tf.Tensor = tf.scalar(0);
        for (let t = 0; t < ROLLOUT_HORIZON; t++) {
          const result = env.step(state, policy.apply(obs));
          total = tf.add(total, tf.mean(result.reward));
          state = result.state;
          obs = result.obs;
        }
        return tf.neg(total) as tf.Scalar;
      }, params);
      return Object.values(grads);
    });
    // Reading every gradient back waits for asynchronous backends to finish.
    await Promise.all(grads.map((g) => g.data()));
    tf.dispose(grads);
  };
  return { iterate, dispose: () => (policy.dispose(), tf.dispose(initial)) };
}

/** Best milliseconds of one iteration: one warm-up, then repeats within about 2 s (at least 2). */
async function timeIteration(envs: number, kernel: StepKernel, limitMs: number): Promise<number | { skipped: string }> {
  const { iterate, dispose } = rolloutIteration(envs, kernel);
  try {
    let start = performance.now();
    await iterate();
    const warm = performance.now() - start;
    if (warm > limitMs) return { skipped: `one iteration took ${(warm / 1000).toFixed(1)} s (limit ${limitMs / 1000} s)` };
    const repeats = Math.max(2, Math.min(5, Math.ceil(2000 / warm)));
    let best = Infinity;
    for (let i = 0; i < repeats; i++) {
      start = performance.now();
      await iterate();
      best = Math.min(best, performance.now() - start);
    }
    return best;
  } finally {
    dispose();
  }
}

/**
 * Times the rollout on the active backend at each batch size, smallest first, the fused and the op-by-op
 * env step one after the other at each size (so that both see the same machine load). A kernel's size
 * is skipped when its iteration took over the limit, or when its size before, scaled linearly, says it
 * would take twice the limit; larger sizes are then skipped too. A failure (the wasm module aborts when
 * its heap is full, and is unusable after that) skips everything left on the backend.
 */
export async function benchRollout(backend: string, batches: readonly number[], onRow?: (row: RolloutBenchRow | RolloutSkip) => void): Promise<{ results: RolloutBenchRow[]; skipped: RolloutSkip[] }> {
  const results: RolloutBenchRow[] = [];
  const skipped: RolloutSkip[] = [];
  const kernels: StepKernel[] = getEnv(ROLLOUT_ENV).with({ kernel: 'fused' }).kernelOn(backend) === 'fused' ? ['fused', 'ops'] : ['ops'];
  const limitMs = ROLLOUT_ITERATION_LIMIT_S * 1000;
  const previous = new Map<StepKernel, { envs: number; ms: number }>();
  const stopped = new Map<StepKernel, string>();
  let failed: string | undefined;
  const skip = (envs: number, kernel: StepKernel, reason: string) => {
    const row = { backend, envs, kernel, reason };
    skipped.push(row);
    onRow?.(row);
  };
  for (const envs of [...batches].sort((a, b) => a - b)) {
    for (const kernel of kernels) {
      const before = previous.get(kernel);
      // Linear scaling overestimates where dispatch dominates, so only a clear overrun is predicted away.
      const predicted = before === undefined ? 0 : (before.ms * envs) / before.envs;
      if (!stopped.has(kernel) && predicted > 2 * limitMs)
        stopped.set(kernel, `scaled from ${before!.envs} envs, one iteration would take ${(predicted / 1000).toFixed(0)} s (limit ${ROLLOUT_ITERATION_LIMIT_S} s)`);
      const reason = failed ?? stopped.get(kernel);
      if (reason !== undefined) {
        skip(envs, kernel, reason);
        continue;
      }
      let measured: number | { skipped: string };
      try {
        measured = await timeIteration(envs, kernel, limitMs);
      } catch (error) {
        failed = `failed at ${envs} envs (${kernel}): ${String((error as Error).message ?? error).split('\n')[0]}`;
        skip(envs, kernel, failed);
        continue;
      }
      if (typeof measured !== 'number') {
        stopped.set(kernel, measured.skipped);
        skip(envs, kernel, measured.skipped);
        continue;
      }
      previous.set(kernel, { envs, ms: measured });
      const row: RolloutBenchRow = { backend, env: ROLLOUT_ENV, envs, kernel, steps_per_s: Math.round((envs * ROLLOUT_HORIZON) / (measured / 1000)), ms_per_iter: Math.round(measured * 100) / 100 };
      results.push(row);
      onRow?.(row);
    }
  }
  return { results, skipped };
}

/** Runs the PyTorch reference on 1 thread and on all threads; an error instead of figures when torch is missing. */
export function torchReference(batches: readonly number[]): { reference: TorchReference[]; reference_skipped?: unknown[]; reference_error?: string } {
  const threads = [...new Set([1, os.cpus().length])];
  const args = ['--envs', batches.join(','), '--threads', threads.join(','), '--horizon', String(ROLLOUT_HORIZON), '--limit-s', String(ROLLOUT_ITERATION_LIMIT_S)];
  const run = runTorchScript<{ reference: TorchReference[]; skipped: unknown[] }>('rollout_torch.py', args);
  return 'error' in run ? { reference: [], reference_error: run.error } : { reference: run.value.reference, reference_skipped: run.value.skipped };
}
