// Test-only helpers (not exported from the package).
import '@pathwise/backend-cpu';
import '@pathwise/backend-wasm';
import { rolloutReturn } from './rollout.js';
import { tf, useBackend, Rng } from '@pathwise/core';
import type { Env, EnvState } from './env.js';

export async function useTestBackend(name: 'cpu' | 'wasm' = 'cpu'): Promise<void> {
  tf.env().set('PROD', true);
  await useBackend(name);
}

/** Rolls out `actions[k]` ([B, actDim] arrays) from `env.reset(batch, Rng(seed))`; returns host rewards [k][b] and done flags. */
export async function rolloutHost(env: Env, actions: number[][][], seed = 0): Promise<{ rewards: number[][]; terminated: boolean[][]; obs: number[][][] }> {
  const batch = actions[0]!.length;
  let state: EnvState = env.reset(batch, new Rng(seed));
  const rewards: number[][] = [];
  const terminated: boolean[][] = [];
  const obs: number[][][] = [];
  for (const a of actions) {
    const action = tf.tensor2d(a.flat(), [batch, env.actDim]);
    const result = env.step(state, action);
    action.dispose();
    rewards.push(Array.from(await result.reward.data()));
    terminated.push(Array.from(await result.terminated.data(), (v) => v !== 0));
    obs.push((await result.nextObs.array()) as number[][]);
    tf.dispose(state);
    const { state: next, ...rest } = result;
    tf.dispose(rest);
    state = next;
  }
  tf.dispose(state);
  return { rewards, terminated, obs };
}

export interface DirectionalCheck {
  /** Analytic directional derivatives ⟨∇J, v⟩ (float64 from the float32 gradient). */
  analytic: number[];
  /** Central differences (J(a + εv) − J(a − εv)) / 2ε, J summed on the host in float64. */
  numeric: number[];
  /** ‖∇J‖₂. */
  gradNorm: number;
  /** Whether any env terminated in any of the rollouts (the objective is then not smooth). */
  terminated: boolean;
  labels: string[];
  /** The analytic gradient, flattened [horizon][batch][actDim]. */
  gradient: Float64Array;
}

/**
 * Checks the gradient of J(actions) = Σ_k Σ_b reward[k][b] over a `horizon`-step rollout from `initial`
 * against central finite differences along several directions: the normalised gradient itself (so
 * the numeric slope must equal ‖∇J‖), `randomDirections` random unit directions, and the first and
 * last action coordinates. All perturbed rollouts run as one batch (the state tiled per direction).
 */
export async function directionalCheck(env: Env, initial: EnvState, baseActions: number[][][], options: { eps: number; randomDirections?: number; seed?: number }): Promise<DirectionalCheck> {
  const { tileState } = await import('./state.js');
  const horizon = baseActions.length;
  const batch = baseActions[0]!.length;
  const actDim = env.actDim;
  const size = horizon * batch * actDim;
  const base = Float64Array.from(baseActions.flat(2));

  // Analytic gradient.
  const actionTensors = baseActions.map((rows) => tf.tensor2d(rows.flat(), [batch, actDim]));
  const grads = tf.grads((...acts: tf.Tensor[]) => rolloutReturn(env, initial, acts))(actionTensors);
  const gradient = new Float64Array(size);
  for (let k = 0; k < horizon; k++) gradient.set(await grads[k]!.data(), k * batch * actDim);
  tf.dispose([...grads, ...actionTensors]);
  const gradNorm = Math.sqrt(gradient.reduce((s, g) => s + g * g, 0));

  // Directions.
  const rng = new Rng(options.seed ?? 123);
  const directions: Float64Array[] = [];
  const labels: string[] = [];
  directions.push(gradient.map((g) => g / gradNorm));
  labels.push('gradient direction');
  for (let d = 0; d < (options.randomDirections ?? 2); d++) {
    const v = new Float64Array(size).map(() => rng.normal());
    const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    directions.push(v.map((x) => x / norm));
    labels.push(`random direction ${d}`);
  }
  for (const index of [0, size - 1]) {
    const v = new Float64Array(size);
    v[index] = 1;
    directions.push(v);
    labels.push(`coordinate ${index}`);
  }
  const analytic = directions.map((v) => v.reduce((s, x, i) => s + x * gradient[i]!, 0));

  // Perturbed rollouts: replica 2d is a + εv_d, replica 2d+1 is a − εv_d.
  const replicas = 2 * directions.length;
  let state = tileState(initial, replicas);
  const totals = new Float64Array(replicas);
  let terminated = false;
  for (let k = 0; k < horizon; k++) {
    const rows = new Float32Array(replicas * batch * actDim);
    for (let r = 0; r < replicas; r++) {
      const v = directions[r >> 1]!;
      const sign = r % 2 === 0 ? 1 : -1;
      for (let i = 0; i < batch * actDim; i++) {
        const flat = k * batch * actDim + i;
        rows[r * batch * actDim + i] = base[flat]! + sign * options.eps * v[flat]!;
      }
    }
    const action = tf.tensor2d(rows, [replicas * batch, actDim]);
    const result = env.step(state, action);
    const rewards = await result.reward.data();
    for (let r = 0; r < replicas; r++) for (let b = 0; b < batch; b++) totals[r] = totals[r]! + rewards[r * batch + b]!;
    if ((await result.terminated.data()).some((v) => v !== 0)) terminated = true;
    tf.dispose([action, state, result.obs, result.nextObs, result.reward, result.terminated, result.truncated, result.nonFinite]);
    state = result.state;
  }
  tf.dispose(state);
  const numeric = directions.map((_, d) => (totals[2 * d]! - totals[2 * d + 1]!) / (2 * options.eps));
  return { analytic, numeric, gradNorm, terminated, labels, gradient };
}

/** Host-side uniform actions [horizon][batch][actDim] in per-dimension ranges. */
export function randomActions(horizon: number, batch: number, ranges: [number, number][], seed: number): number[][][] {
  const rng = new Rng(seed);
  return Array.from({ length: horizon }, () => Array.from({ length: batch }, () => ranges.map(([lo, hi]) => lo + (hi - lo) * rng.uniform())));
}
