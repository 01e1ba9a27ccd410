// The fused env-step kernels against the op-by-op definitions (the reference), browser-safe, so that
// the same check runs in Node (cpu, wasm, webgpu through Dawn) and in headless Chromium (webgl,
// webgpu): the values of every step output and the gradients of a multi-step rollout's return with
// respect to every action and the initial state, and that neither leaves tensors behind.
import { tf, Rng, useBackend } from '@pathwise/core';
import { getEnv, listEnvs } from './registry.js';
import { fusedStepSupported } from './fused.js';
import type { Env, EnvState, StepKernel, StepResult } from './env.js';

/** Actions in [-1.4, 1.4], so that the clipping (and its zero gradient) is exercised. */
export function fusedCheckActions(env: Env, batch: number, horizon: number, seed: number): tf.Tensor[] {
  const rng = new Rng(seed);
  return Array.from({ length: horizon }, () => rng.uniformTensor([batch, env.actDim], -1.4, 1.4));
}

/** Every tensor of a step's result, by name, on the host (read asynchronously: Node webgpu has no dataSync). */
export async function hostStepResult(result: StepResult): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const [key, value] of Object.entries(result)) {
    if (key === 'state') for (const [k, v] of Object.entries(value as EnvState)) out[`state.${k}`] = Array.from(await v.data());
    else out[key] = Array.from(await (value as tf.Tensor).data());
  }
  return out;
}

/** The largest |a − e| over the scale max(1e-3, max |e|): the error measure of every comparison here. */
export function relativeError(actual: readonly number[], expected: readonly number[]): number {
  if (actual.length !== expected.length) return Infinity;
  const scale = Math.max(1e-3, ...expected.map(Math.abs));
  let worst = 0;
  actual.forEach((a, i) => {
    const error = Math.abs(a - expected[i]!) / scale;
    worst = Number.isNaN(error) ? Infinity : Math.max(worst, error);
  });
  return worst;
}

/** Σ_k Σ_b w_kb · reward_kb + Σ final observation · v + Σ final state²: every differentiable output gets a cotangent. */
export function weightedReturn(env: Env, initial: EnvState, actions: readonly tf.Tensor[]): tf.Scalar {
  let state = initial;
  let sum: tf.Tensor = tf.scalar(0);
  let obs: tf.Tensor | undefined;
  actions.forEach((action, k) => {
    const result = env.step(state, action);
    sum = tf.add(sum, tf.sum(tf.mul(result.reward, 1 + 0.1 * k)));
    obs = tf.add(result.obs, result.nextObs);
    state = result.state;
  });
  const stateTerm = Object.entries(state)
    .filter(([key, v]) => key !== 't' && v.dtype === 'float32')
    .map(([, v]) => tf.sum(tf.square(v)));
  return tf.addN([sum, tf.sum(tf.mul(obs!, 0.5)), ...stateTerm]) as tf.Scalar;
}

/** The gradients of `weightedReturn` with respect to every action, then every float initial-state tensor. */
export function weightedReturnGradients(env: Env, initial: EnvState, actions: readonly tf.Tensor[]): { labels: string[]; gradients: tf.Tensor[] } {
  const keys = Object.keys(initial).filter((key) => key !== 't' && initial[key]!.dtype === 'float32');
  const gradients = tf.grads((...xs: tf.Tensor[]) => {
    const state = { ...initial, ...Object.fromEntries(keys.map((key, i) => [key, xs[actions.length + i]!])) };
    return weightedReturn(env, state, xs.slice(0, actions.length));
  })([...actions, ...keys.map((key) => initial[key]!)]);
  return { labels: [...actions.map((_, i) => `d/d action ${i}`), ...keys.map((key) => `d/d initial ${key}`)], gradients };
}

/** The fused step's check start (`FusedStep.checkStart`) with a zero step counter, or undefined where it has none. */
export function fusedCheckStart(env: Env): EnvState | undefined {
  const make = env.fused ? env.fused.checkStart : undefined;
  if (make === undefined) return undefined;
  const state = make();
  return { ...state, t: tf.zeros([Object.values(state)[0]!.shape[0]!]) };
}

/** The worst `relativeError` of any step output of a rollout, fused against ops, each from `start()`. */
export async function rolloutValueError(fused: Env, ops: Env, start: () => EnvState, actions: readonly tf.Tensor[]): Promise<number> {
  let worst = 0;
  let a = start();
  let b = start();
  for (const action of actions) {
    const fromFused = fused.step(a, action);
    const fromOps = ops.step(b, action);
    const [x, y] = [await hostStepResult(fromFused), await hostStepResult(fromOps)];
    for (const key of new Set([...Object.keys(x), ...Object.keys(y)])) worst = Math.max(worst, relativeError(x[key] ?? [], y[key] ?? [NaN]));
    tf.dispose([a, b]);
    const { state: nextA, ...restA } = fromFused;
    const { state: nextB, ...restB } = fromOps;
    tf.dispose([restA, restB]);
    [a, b] = [nextA, nextB];
  }
  tf.dispose([a, b]);
  return worst;
}

/** The worst `relativeError` of the `weightedReturnGradients`, fused against ops, and the largest |∂/∂ first action| of the op path. */
async function rolloutGradientError(fused: Env, ops: Env, initial: EnvState, actions: readonly tf.Tensor[]): Promise<{ error: number; scale: number }> {
  const fromFused = weightedReturnGradients(fused, initial, actions);
  const fromOps = weightedReturnGradients(ops, initial, actions);
  let error = 0;
  for (const [i, g] of fromOps.gradients.entries()) error = Math.max(error, relativeError(Array.from(await fromFused.gradients[i]!.data()), Array.from(await g.data())));
  const scale = Math.max(...Array.from(await fromOps.gradients[0]!.data()).map(Math.abs));
  tf.dispose([fromFused.gradients, fromOps.gradients]);
  return { error, scale };
}

export interface FusedCheckOptions {
  batch?: number;
  horizon?: number;
  /** Envs to check (default: every registered env whose fused step runs on the backend). */
  envs?: string[];
}

export interface FusedEnvCheck {
  name: string;
  /** What `kernel: 'fused'` and the default `'auto'` run on the backend. */
  fusedKernel: StepKernel;
  autoKernel: StepKernel;
  /** Worst `relativeError` of any step output over the rollout, fused against ops. */
  valueError: number;
  /** Worst `relativeError` of any gradient. */
  gradientError: number;
  /** The largest |∂/∂ first action| of the op path (a check of gradients that are all zero proves nothing). */
  gradientScale: number;
  /** Tensors left after each further step of a fused rollout (all 0 when nothing leaks), then after 3 more rollouts with gradients. */
  stepLeaks: number[];
  gradientLeak: number;
}

/** Runs the comparison on `backend` (registered already, e.g. by importing its package) for every env with a fused step there. */
export async function checkFusedKernels(backend: string, options: FusedCheckOptions = {}): Promise<FusedEnvCheck[]> {
  const batch = options.batch ?? 6;
  const horizon = options.horizon ?? 12;
  await useBackend(backend);
  if (tf.getBackend() !== backend) throw new Error(`checkFusedKernels: the active backend is ${tf.getBackend()}, not ${backend}.`);
  const names = options.envs ?? listEnvs().map((e) => e.name);
  const checks: FusedEnvCheck[] = [];
  for (const name of names) {
    const fused = getEnv(name).with({ kernel: 'fused' });
    if (!fused.fused || !fusedStepSupported(backend, fused.fused)) continue;
    const ops = fused.with({ kernel: 'ops' });
    const check: FusedEnvCheck = { name, fusedKernel: fused.kernelOn(), autoKernel: getEnv(name).kernelOn(), valueError: 0, gradientError: 0, gradientScale: 0, stepLeaks: [], gradientLeak: 0 };

    // From a reset, or from the kernel's own start states where it has them (collisions, clips, early
    // ends a reset does not reach in a few steps; they include ordinary driving too).
    const start = fusedCheckStart(fused);
    const rows = start !== undefined ? start['t']!.shape[0]! : batch;
    const begin = () => fusedCheckStart(fused) ?? fused.reset(rows, new Rng(3));
    const actions = fusedCheckActions(fused, rows, horizon, 7);
    check.valueError = await rolloutValueError(fused, ops, begin, actions);
    const initial = start ?? fused.reset(rows, new Rng(5));
    const gradients = await rolloutGradientError(fused, ops, initial, actions);
    check.gradientError = gradients.error;
    check.gradientScale = gradients.scale;

    // Memory: flat across the steps of a rollout, and across rollouts with their gradients.
    let state: EnvState = fused.reset(rows, new Rng(9));
    let before = tf.memory().numTensors;
    for (const action of actions.slice(0, 4)) {
      const { state: next, ...rest } = fused.step(state, action);
      tf.dispose([state, rest]);
      state = next;
      check.stepLeaks.push(tf.memory().numTensors - before);
    }
    tf.dispose(state);
    const once = () => tf.dispose(weightedReturnGradients(fused, initial, actions).gradients);
    once();
    before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) once();
    check.gradientLeak = tf.memory().numTensors - before;
    tf.dispose([actions, initial]);
    checks.push(check);
  }
  return checks;
}

/**
 * Tolerances of a GPU backend's fused kernels against its own op path (the same float32 shader
 * arithmetic, in another order), as `relativeError`s. Measured (Node webgpu on llvmpipe; webgl and
 * webgpu on SwiftShader in Chromium): values ≤ 1.7e-6, gradients ≤ 4.2e-6 (cart-pole PILCO's 10
 * substeps; the double pendulum's 12 chaotic steps: ≤ 4.3e-7 and 5.7e-7), except Ackley's (≤ 4.7e-5:
 * its cos(2π·32.768·a) loses digits in float32, whichever order). A 1 % error in one term of the
 * cart-pole adjoint measures 2.7e-5 (the Coriolis term) to 1e-2 (the force), so each fails the check.
 */
export const GPU_FUSED_TOLERANCE = { value: 1e-5, gradient: 1e-5, overrides: { ackley: { gradient: 1e-4 }, ackley64: { gradient: 1e-4 } } } as const;

export interface FusedTolerance {
  value: number;
  gradient: number;
  /** Per env name, looser or tighter bounds (with a reason where they are defined). */
  overrides?: Readonly<Record<string, { value?: number; gradient?: number }>>;
}

/** What is wrong with a set of checks (empty when they pass): every env in `expected` checked, fused by default, close, no leaks. */
export function fusedCheckFailures(checks: readonly FusedEnvCheck[], expected: readonly string[], bounds: FusedTolerance): string[] {
  const failures: string[] = [];
  const checked = new Set(checks.map((c) => c.name));
  for (const name of expected) if (!checked.has(name)) failures.push(`${name}: no fused kernel ran`);
  for (const c of checks) {
    const tolerance = { value: bounds.overrides?.[c.name]?.value ?? bounds.value, gradient: bounds.overrides?.[c.name]?.gradient ?? bounds.gradient };
    if (c.fusedKernel !== 'fused' || c.autoKernel !== 'fused') failures.push(`${c.name}: kernel 'fused' runs ${c.fusedKernel}, 'auto' runs ${c.autoKernel}`);
    if (!(c.valueError <= tolerance.value)) failures.push(`${c.name}: values differ from the op path by ${c.valueError} of the largest (allowed ${tolerance.value})`);
    if (!(c.gradientError <= tolerance.gradient)) failures.push(`${c.name}: gradients differ from the op path by ${c.gradientError} of the largest (allowed ${tolerance.gradient})`);
    if (!(c.gradientScale > 0)) failures.push(`${c.name}: the op path's gradient is zero, so the comparison proves nothing`);
    if (c.stepLeaks.some((n) => n !== 0) || c.gradientLeak !== 0) failures.push(`${c.name}: tensors leak (per step ${c.stepLeaks.join(', ')}; per rollout with gradients ${c.gradientLeak / 3})`);
  }
  return failures;
}

/** The registered envs whose fused step has GPU code (those a GPU check must cover). */
export function gpuFusedEnvNames(): string[] {
  return listEnvs()
    .filter((e) => {
      const fused = getEnv(e.name).fused;
      return fused !== undefined && fused !== false && fused.gpu !== undefined && fused.gpu !== false;
    })
    .map((e) => e.name);
}
