// A browser-safe smoke suite (no Node imports): runs every registered env for a few steps with a fixed
// seed and fixed actions on a backend, so a browser test can compare webgl/webgpu with cpu in the same page.
import { tf, Rng, useBackend } from '@pathwise/core';
import { listEnvs, getEnv } from './registry.js';
import { rolloutReturn } from './rollout.js';
import { fusedStepSupported } from './fused.js';
import type { EnvState } from './env.js';

export interface EnvBrowserSuiteOptions {
  steps?: number;
  batch?: number;
  seed?: number;
  /** Restrict to these envs (default: every registered env). */
  envs?: string[];
}

export interface EnvBrowserSuiteResult {
  backend: string;
  steps: number;
  batch: number;
  /** Per env: the summed reward of each env in the batch over the steps (host float64 sums). */
  rewards: Record<string, number[]>;
  /** Per env: Σ over steps and envs of |∂(summed reward)/∂action| (checks gradients run too). */
  gradAbsSum: Record<string, number>;
  /** Envs that cannot run on this backend: their step is a host kernel only (hopper, ant on webgl/webgpu). */
  skipped: string[];
}

/**
 * Switches to `backend` (which must already be registered, e.g. by importing '@pathwise/backend-webgl')
 * and runs every env. Actions are a fixed deterministic pattern in [-1, 1], so two backends see the
 * same inputs. Compare two results with `compareBrowserSuites`.
 */
export async function envBrowserSuite(backend: string, options: EnvBrowserSuiteOptions = {}): Promise<EnvBrowserSuiteResult> {
  const steps = options.steps ?? 5;
  const batch = options.batch ?? 3;
  const seed = options.seed ?? 7;
  const active = await useBackend(backend);
  const names = options.envs ?? listEnvs().map((e) => e.name);
  const rewards: Record<string, number[]> = {};
  const gradAbsSum: Record<string, number> = {};
  const skipped: string[] = [];
  for (const name of names) {
    const env = getEnv(name);
    if (env.fused && env.fused.opReference === false && !fusedStepSupported(active)) {
      skipped.push(name);
      continue;
    }
    const initial = env.reset(batch, new Rng(seed));
    const actions = Array.from({ length: steps }, (_, k) =>
      tf.tensor2d(
        Array.from({ length: batch * env.actDim }, (_, i) => 0.8 * Math.sin(1.3 * k + 0.7 * i + 0.1)),
        [batch, env.actDim],
      ),
    );
    const kept: tf.Tensor[] = [];
    const grads = tf.grads((...acts: tf.Tensor[]) => rolloutReturn(env, initial, acts, (result) => kept.push(tf.keep(result.reward))))(actions);
    const perStep = await Promise.all(kept.map((r) => r.data()));
    rewards[name] = Array.from({ length: batch }, (_, b) => perStep.reduce((s, row) => s + row[b]!, 0));
    let abs = 0;
    for (const g of grads) for (const v of await g.data()) abs += Math.abs(v);
    gradAbsSum[name] = abs;
    tf.dispose([...grads, ...kept, ...actions]);
    tf.dispose(initial);
  }
  return { backend: active, steps, batch, rewards, gradAbsSum, skipped };
}

/**
 * Env names whose summed rewards (or gradient sums) differ by more than `rtol·|b| + atol` between two
 * suite results, among the envs both ran (an env one of them skipped is not compared); empty when they agree. Float32 on GPUs differs from cpu in the last bits, and chaotic
 * envs amplify that, so keep the steps few.
 */
export function compareBrowserSuites(a: EnvBrowserSuiteResult, b: EnvBrowserSuiteResult, rtol = 1e-3, atol = 1e-3): string[] {
  const bad: string[] = [];
  for (const name of Object.keys(a.rewards)) {
    if (b.skipped?.includes(name)) continue;
    const ra = a.rewards[name]!;
    const rb = b.rewards[name];
    const close = (x: number, y: number) => Math.abs(x - y) <= rtol * Math.abs(y) + atol;
    if (rb === undefined || ra.length !== rb.length || ra.some((v, i) => !close(v, rb[i]!)) || !close(a.gradAbsSum[name]!, b.gradAbsSum[name] ?? NaN)) {
      bad.push(name);
    }
  }
  return bad;
}
