import { antModel, hopperModel, mujocoStepRate, DIFFRL_MUJOCO_XML, DIFFRL_STEP } from '@pathwise/physics';
import { rolloutReturn } from './rollout.js';
import { tf, Rng, ConfigError } from '@pathwise/core';
import type { Env, EnvState, StepKernel } from './env.js';
import { getEnv, listEnvs } from './registry.js';

export interface BenchEnvsOptions {
  /** Env names (default: every registered env). */
  envs?: string[];
  /** Batch sizes (default [64, 256, 1024]). */
  batches?: number[];
  /** Steps K per timed rollout (default 20). */
  steps?: number;
  /**
   * Step kernels to time side by side, in alternating rounds (default ['auto']: each env's default).
   * Requests that run the same kernel on the backend (on cpu 'auto' is 'fused' where the env's
   * `fused.defaultOn` has cpu; 'fused' is 'ops' for an env without a kernel there) give one row.
   */
  kernels?: (StepKernel | 'auto')[];
  /** Timed rounds; each figure is the best of them (default 2). */
  rounds?: number;
  /** Called after each env × batch × kernel, for progress bars. */
  onResult?: (result: EnvBenchResult, done: number, total: number) => void;
}

export interface EnvBenchResult {
  env: string;
  batch: number;
  steps: number;
  /** The step kernel that ran. */
  kernel: StepKernel;
  /** Env steps per second (batch · K / time) of a K-step rollout without a gradient tape. */
  steps_per_s: number;
  /** Env steps per second of the same rollout recorded under `tf.grads` plus the backward pass to every action. */
  steps_per_s_backprop: number;
}

/** Times every env on the active backend, without and with backprop through a K-step rollout, per step kernel asked for. */
export async function benchEnvs(options: BenchEnvsOptions = {}): Promise<EnvBenchResult[]> {
  const names = options.envs ?? listEnvs().map((e) => e.name);
  const batches = options.batches ?? [64, 256, 1024];
  const steps = options.steps ?? 20;
  if (!Number.isInteger(steps) || steps < 1) throw new ConfigError('steps', steps, 'a positive integer');
  for (const b of batches) if (!Number.isInteger(b) || b < 1) throw new ConfigError('batches', batches, 'positive integers');
  const rounds = options.rounds ?? 2;
  if (!Number.isInteger(rounds) || rounds < 1) throw new ConfigError('rounds', rounds, 'a positive integer');
  const kernels = options.kernels ?? ['auto'];
  const envs = names.map((name) => getEnv(name));
  const results: EnvBenchResult[] = [];
  const total = envs.length * batches.length * kernels.length;
  // A throwaway run first, so that the first env measured does not pay for the process's warm-up.
  if (envs[0] !== undefined && batches[0] !== undefined) await benchVariants([envs[0]], batches[0], Math.min(steps, 5), 1);
  for (const env of envs) {
    const variants = [...new Map(kernels.map((kernel) => env.with({ kernel })).map((v) => [v.kernelOn(), v])).values()];
    for (const batch of batches) {
      for (const result of await benchVariants(variants, batch, steps, rounds)) {
        results.push(result);
        options.onResult?.(result, results.length, total);
      }
    }
  }
  return results;
}

/** Times each variant of one env at one batch from the same state and actions, in alternating rounds (forward, then backward); the best of the rounds. */
async function benchVariants(variants: Env[], batch: number, steps: number, rounds: number): Promise<EnvBenchResult[]> {
  const rng = new Rng(1);
  const initial = variants[0]!.reset(batch, rng);
  const actions = Array.from({ length: steps }, () => rng.uniformTensor([batch, variants[0]!.actDim], -1, 1));
  try {
    const forward = async (env: Env, k: number): Promise<void> => {
      let state: EnvState = initial;
      let last: tf.Tensor | undefined;
      for (let i = 0; i < k; i++) {
        const result = env.step(state, actions[i]!);
        if (state !== initial) tf.dispose(state);
        last?.dispose();
        const { state: next, reward, ...rest } = result;
        tf.dispose(rest);
        state = next;
        last = reward;
      }
      await last!.data();
      last!.dispose();
      tf.dispose(state);
    };
    const backward = async (env: Env, k: number): Promise<void> => {
      const grads = tf.grads((...acts: tf.Tensor[]) => rolloutReturn(env, initial, acts))(actions.slice(0, k));
      await Promise.all(grads.map((g) => g.data()));
      tf.dispose(grads);
    };
    const timed = async (run: () => Promise<void>): Promise<number> => {
      const start = performance.now();
      await run();
      return (performance.now() - start) / 1000;
    };
    // Warm up (JIT, kernel caches, lazily made constants), then keep the best timing of the rounds.
    for (const env of variants) {
      await forward(env, steps);
      await backward(env, Math.min(5, steps));
    }
    const forwardS = variants.map(() => Infinity);
    const backwardS = variants.map(() => Infinity);
    for (let round = 0; round < rounds; round++) {
      for (const [i, env] of variants.entries()) forwardS[i] = Math.min(forwardS[i]!, await timed(() => forward(env, steps)));
      for (const [i, env] of variants.entries()) backwardS[i] = Math.min(backwardS[i]!, await timed(() => backward(env, steps)));
    }
    return variants.map((env, i) => ({
      env: env.name,
      batch,
      steps,
      kernel: env.kernelOn(),
      steps_per_s: Math.round((batch * steps) / forwardS[i]!),
      steps_per_s_backprop: Math.round((batch * steps) / backwardS[i]!),
    }));
  } finally {
    tf.dispose(actions);
    tf.dispose(initial);
  }
}

/** A CPU reference beside the bench: MuJoCo (wasm, one env, one thread) stepping the same robot forward. */
export interface MujocoReferenceRow {
  impl: 'mujoco-wasm';
  env: string;
  steps_per_s: number;
}

const MUJOCO_TWINS: Record<string, () => { xml: string; model: ReturnType<typeof hopperModel> }> = {
  hopper: () => ({ xml: DIFFRL_MUJOCO_XML.hopper, model: hopperModel() }),
  ant: () => ({ xml: DIFFRL_MUJOCO_XML.ant, model: antModel() }),
};

/**
 * MuJoCo-wasm's forward-only `mj_step` throughput for the envs among `names` that have a MuJoCo twin
 * (hopper, ant): control steps per second of one env, 16 substeps each. mujoco-js is a dev dependency
 * of @pathwise/physics: without it, no rows and the reason in `reference_error`.
 */
export async function mujocoReference(names: readonly string[], minSeconds = 1, moduleName?: string): Promise<{ reference: MujocoReferenceRow[]; reference_error?: string }> {
  const reference: MujocoReferenceRow[] = [];
  for (const name of names) {
    const twin = MUJOCO_TWINS[name];
    if (twin === undefined) continue;
    const { xml, model } = twin();
    const rate = await mujocoStepRate(xml, model, DIFFRL_STEP, minSeconds, moduleName);
    if ('error' in rate) return { reference, reference_error: rate.error };
    reference.push({ impl: 'mujoco-wasm', env: name, steps_per_s: rate.steps_per_s });
  }
  return { reference };
}
