import { tf, MLP, Rng, parametersOf } from '@pathwise/core';
import { getEnv } from './registry.js';
import type { Env, EnvState, StepKernel } from './env.js';

// The workload of `pathwise bench rollout` (issue 14), browser-safe so that the CLI (Node: cpu, wasm,
// webgpu) and a page (webgl, webgpu) time the same thing: one epoch's differentiable rollout of the
// SHAC / GI-PPO cart-pole, a deterministic tanh-squashed MLP [64, 64] ELU policy, T = 64 steps of
// cart-pole swing-up from a random start, loss −Σ_t mean_b r_t (= −mean_b Σ_t r_t), forward and backward to the policy
// parameters. scripts/bench/rollout_torch.py does the same computation in PyTorch.

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

/** Builds the policy and the iteration once; `iterate` runs one rollout + backward and resolves, once the gradients are read back, with their sum of |g|. */
function rolloutIteration(envs: number, kernel: StepKernel | 'auto', horizon = ROLLOUT_HORIZON, envName: string = ROLLOUT_ENV): { iterate: () => Promise<number>; env: Env; dispose: () => void } {
  const env = getEnv(envName).with({ kernel });
  const rng = new Rng(1);
  const policy = new MLP({ inputDim: env.obsDim, hidden: ROLLOUT_HIDDEN, outputDim: env.actDim, activation: 'elu', outputActivation: 'tanh', rng, name: 'policy' });
  const params = parametersOf(policy);
  const initial = env.reset(envs, rng);
  const iterate = async () => {
    const grads = tf.tidy(() => {
      const { grads } = tf.variableGrads(() => {
        let state: EnvState = initial;
        let obs = env.observe(initial);
        const rewards: tf.Tensor[] = [];
        for (let t = 0; t < horizon; t++) {
          const result = env.step(state, policy.apply(obs));
          rewards.push(result.reward);
          state = result.state;
          obs = result.obs;
        }
        // −Σ_t mean_b r_t summed as −mean_b Σ_t r_t: three kernels instead of two per step, and the
        // same cotangent (−1/B) reaches every r_t.
        return tf.neg(tf.mean(tf.addN(rewards))) as tf.Scalar;
      }, params);
      return Object.values(grads);
    });
    // Reading every gradient back waits for asynchronous backends to finish.
    const values = await Promise.all(grads.map((g) => g.data()));
    tf.dispose(grads);
    return values.reduce((sum, v) => sum + Array.from(v).reduce((a, x) => a + Math.abs(x), 0), 0);
  };
  return { iterate, env, dispose: () => (policy.dispose(), tf.dispose(initial)) };
}

export interface RolloutProbe {
  backend: string;
  /** The env step the default `kernel: 'auto'` ran. */
  kernel: StepKernel;
  envs: number;
  steps: number;
  /** Milliseconds of the rollout and its backward to the policy, one run (shader compiles included). */
  ms: number;
  /** Σ |∂loss/∂θ| over the policy parameters (finite and non-zero when the gradients flow). */
  gradAbsSum: number;
  /** Tensors left after the probe (0: nothing leaks). */
  leakedTensors: number;
}

/** The bench's differentiable rollout, `steps` long, once with the default kernel ('auto') on the active backend: what a training epoch's rollout does. */
export async function probeRollout(envs: number, steps: number): Promise<RolloutProbe> {
  const before = tf.memory().numTensors;
  const { iterate, env, dispose } = rolloutIteration(envs, 'auto', steps);
  let ms: number;
  let gradAbsSum: number;
  try {
    const start = performance.now();
    gradAbsSum = await iterate();
    ms = performance.now() - start;
  } finally {
    dispose();
  }
  return { backend: tf.getBackend(), kernel: env.kernelOn(), envs, steps, ms, gradAbsSum, leakedTensors: tf.memory().numTensors - before };
}

/** Best milliseconds of one iteration: one warm-up, then repeats within about 2 s (at least 2). */
async function timeIteration(envs: number, kernel: StepKernel, limitMs: number, envName: string): Promise<number | { skipped: string }> {
  const { iterate, dispose } = rolloutIteration(envs, kernel, ROLLOUT_HORIZON, envName);
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
export async function benchRollout(
  backend: string,
  batches: readonly number[],
  onRow?: (row: RolloutBenchRow | RolloutSkip) => void,
  envName: string = ROLLOUT_ENV,
): Promise<{ results: RolloutBenchRow[]; skipped: RolloutSkip[] }> {
  const results: RolloutBenchRow[] = [];
  const skipped: RolloutSkip[] = [];
  const probe = getEnv(envName);
  // An env whose fused kernel is its implementation (hopper, ant) has no op-by-op step to compare.
  const kernelOnly = probe.fused !== false && probe.fused !== undefined && probe.fused.opReference === false;
  const kernels: StepKernel[] = kernelOnly ? ['fused'] : probe.with({ kernel: 'fused' }).kernelOn(backend) === 'fused' ? ['fused', 'ops'] : ['ops'];
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
        measured = await timeIteration(envs, kernel, limitMs, envName);
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
      const row: RolloutBenchRow = { backend, env: envName, envs, kernel, steps_per_s: Math.round((envs * ROLLOUT_HORIZON) / (measured / 1000)), ms_per_iter: Math.round(measured * 100) / 100 };
      results.push(row);
      onRow?.(row);
    }
  }
  return { results, skipped };
}
