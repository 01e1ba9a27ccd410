// The fused env-step kernels against the op-by-op definitions (the reference), for every env in the
// registry, on every host backend: the values of every step output and the gradients of a multi-step
// rollout's return with respect to every action and the initial state. An env without a fused kernel
// must declare `fused: false`; one that says neither fails here.
import { afterAll, describe, expect, it } from 'vitest';
import { tf, Rng } from '@pathwise/core';
import { useTestBackend } from './test-support.js';
import { getEnv, listEnvs } from './registry.js';
import { FUSED_HOST_BACKENDS, type FusedStep } from './fused.js';
import type { Env, EnvState, StepResult } from './env.js';

const BATCH = 6;
const HORIZON = 12;
// The forward pass rounds like the ops (bit-identical on the backends in `exactOn`); gradients are accumulated in float64 by
// the kernel and op by op in float32 by tfjs. Measured: ≤ 6e-7 of the largest value, both. A 1 % error
// in one term of the cart-pole adjoint fails the gradient check.
const VALUE_RTOL = 1e-5;
const GRADIENT_RTOL = 3e-5;

const envNames = listEnvs().map((e) => e.name);
const fusedNames = envNames.filter((name) => {
  const fused = getEnv(name).fused;
  return fused && fused.opReference !== false;
});
// Envs whose kernel is the implementation (no op-by-op transition to compare with): checked against
// MuJoCo and finite differences in @pathwise/physics and envs/locomotion.test.ts instead.
const kernelOnlyNames = envNames.filter((name) => {
  const fused = getEnv(name).fused;
  return fused && fused.opReference === false;
});

afterAll(() => useTestBackend('cpu'));

describe('every registered env declares its fused step kernel', () => {
  it.each(envNames)('%s', (name) => {
    const env = getEnv(name);
    if (env.fused === undefined) throw new Error(`${name} neither has a fused step kernel nor declares 'fused: false' in its definition.`);
    expect(env.fused === false || typeof env.fused.forward === 'function').toBe(true);
  });

  it('at least one env has a fused kernel (the harness below is not empty)', () => {
    expect(fusedNames).toContain('cartpole-swingup');
  });

  it('the rigid-body envs declare that their kernel is the implementation, and always step with it', () => {
    expect(kernelOnlyNames.sort()).toEqual(['ant', 'hopper']);
    for (const name of kernelOnlyNames) {
      expect(getEnv(name).with({ kernel: 'ops' }).kernelOn('cpu')).toBe('fused');
      expect((getEnv(name).fused as FusedStep).exactOn).toEqual([]);
    }
  });
});

/** Actions in [-1.4, 1.4], so that the clipping (and its zero gradient) is exercised. */
function actionsFor(env: Env, seed: number): tf.Tensor[] {
  const rng = new Rng(seed);
  return Array.from({ length: HORIZON }, () => rng.uniformTensor([BATCH, env.actDim], -1.4, 1.4));
}

/** Every tensor of a step's result, by name, on the host. */
async function hostResult(result: StepResult): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const [key, value] of Object.entries(result)) {
    if (key === 'state') for (const [k, v] of Object.entries(value as EnvState)) out[`state.${k}`] = Array.from(await v.data());
    else out[key] = Array.from(await (value as tf.Tensor).data());
  }
  return out;
}

function expectClose(label: string, actual: number[], expected: number[], rtol: number): void {
  expect(actual.length, label).toBe(expected.length);
  const scale = Math.max(1e-3, ...expected.map(Math.abs));
  actual.forEach((a, i) => {
    if (!(Math.abs(a - expected[i]!) <= rtol * scale)) throw new Error(`${label}[${i}]: fused ${a} vs ops ${expected[i]} (allowed ${rtol * scale})`);
  });
}

/** Σ_k Σ_b w_kb · reward_kb + Σ final observation · v: every differentiable output gets a cotangent. */
function weightedReturn(env: Env, initial: EnvState, actions: readonly tf.Tensor[]): tf.Scalar {
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

describe.each(FUSED_HOST_BACKENDS)('fused step = op-by-op step on %s', (backend) => {
  it.each(fusedNames)('%s: every output of a multi-step rollout (bit for bit where the kernel claims it)', async (name) => {
    await useTestBackend(backend);
    const fused = getEnv(name).with({ kernel: 'fused' });
    const ops = fused.with({ kernel: 'ops' });
    expect(fused.kernelOn()).toBe('fused');
    expect(ops.kernelOn()).toBe('ops');
    const kernel = fused.fused as FusedStep;
    const exact = kernel.exactOn.includes(backend);
    // The default ('auto') uses the kernel only where it says so, and only where it is bit-identical.
    expect(getEnv(name).kernelOn()).toBe(kernel.defaultOn.includes(backend) ? 'fused' : 'ops');
    for (const b of kernel.defaultOn) expect(kernel.exactOn).toContain(b);
    const actions = actionsFor(fused, 7);
    let a: EnvState = fused.reset(BATCH, new Rng(3));
    let b: EnvState = ops.reset(BATCH, new Rng(3));
    for (const [k, action] of actions.entries()) {
      const fromFused = fused.step(a, action);
      const fromOps = ops.step(b, action);
      const [x, y] = [await hostResult(fromFused), await hostResult(fromOps)];
      expect(Object.keys(x).sort()).toEqual(Object.keys(y).sort());
      for (const key of Object.keys(y)) {
        if (exact) expect(x[key], `step ${k} ${key}`).toEqual(y[key]);
        else expectClose(`step ${k} ${key}`, x[key]!, y[key]!, VALUE_RTOL);
      }
      tf.dispose([a, b]);
      const { state: nextA, ...restA } = fromFused;
      const { state: nextB, ...restB } = fromOps;
      tf.dispose([restA, restB]);
      [a, b] = [nextA, nextB];
    }
    tf.dispose([a, b, actions]);
  });

  it.each(fusedNames)('%s: gradients of a multi-step return to every action and the initial state', async (name) => {
    await useTestBackend(backend);
    const fused = getEnv(name).with({ kernel: 'fused' });
    const ops = fused.with({ kernel: 'ops' });
    const actions = actionsFor(fused, 11);
    const initial = fused.reset(BATCH, new Rng(5));
    const keys = Object.keys(initial).filter((key) => key !== 't' && initial[key]!.dtype === 'float32');
    const gradients = (env: Env) =>
      tf.grads((...xs: tf.Tensor[]) => {
        const state = { ...initial, ...Object.fromEntries(keys.map((key, i) => [key, xs[actions.length + i]!])) };
        return weightedReturn(env, state, xs.slice(0, actions.length));
      })([...actions, ...keys.map((key) => initial[key]!)]);
    const fromFused = gradients(fused);
    const fromOps = gradients(ops);
    for (const [i, g] of fromOps.entries()) {
      const label = i < actions.length ? `d/d action ${i}` : `d/d initial ${keys[i - actions.length]}`;
      expectClose(label, Array.from(await fromFused[i]!.data()), Array.from(await g.data()), GRADIENT_RTOL);
    }
    // Some gradients must be non-zero, or the comparison proves nothing.
    expect(Math.max(...(await fromOps[0]!.data()).map(Math.abs))).toBeGreaterThan(0);
    tf.dispose([fromFused, fromOps, actions, initial]);
  });

  it.each([...fusedNames, ...kernelOnlyNames])('%s: the fused rollout and its gradient leave no tensors behind', async (name) => {
    await useTestBackend(backend);
    const env = getEnv(name).with({ kernel: 'fused' });
    const actions = actionsFor(env, 13);
    const initial = env.reset(BATCH, new Rng(5));
    const once = () => tf.dispose(tf.grads((...xs: tf.Tensor[]) => weightedReturn(env, initial, xs))(actions));
    once();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) once();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([actions, initial]);
  });
});

describe('cartpole-swingup fused step at the soft cart limit', () => {
  it.each(FUSED_HOST_BACKENDS)('%s: values and gradients beyond |x| = 4 m', async (backend) => {
    await useTestBackend(backend);
    const fused = getEnv('cartpole-swingup').with({ kernel: 'fused' });
    const ops = fused.with({ kernel: 'ops' });
    const initial = {
      x: tf.tensor1d([-4.6, -4.01, 3.99, 4.3, 5, 0]),
      theta: tf.tensor1d([0.1, -3, 3, 1, 0, -0.5]),
      xDot: tf.tensor1d([-1, 0.5, 2, -0.3, 0, 1]),
      thetaDot: tf.tensor1d([0, 1, -2, 0.5, 3, 0]),
      t: tf.zeros([BATCH]),
    };
    const actions = actionsFor(fused, 17).slice(0, 4);
    const grad = (env: Env) => tf.grads((...xs: tf.Tensor[]) => weightedReturn(env, initial, xs))(actions);
    const [g1, g2] = [grad(fused), grad(ops)];
    for (const [i, g] of g2.entries()) expectClose(`d/d action ${i}`, Array.from(await g1[i]!.data()), Array.from(await g.data()), GRADIENT_RTOL);
    tf.dispose([g1, g2, actions, initial]);
  });
});

describe('pendulum fused step at the speed clip', () => {
  it.each(FUSED_HOST_BACKENDS)('%s: values and gradients where |θ̇| reaches 8', async (backend) => {
    await useTestBackend(backend);
    const fused = getEnv('pendulum').with({ kernel: 'fused' });
    const ops = fused.with({ kernel: 'ops' });
    const initial = { theta: tf.tensor1d([0.5, -1, 2, -2.5, 3, 0]), thetaDot: tf.tensor1d([7.9, -7.95, 8, -6, 7.5, -7.99]), t: tf.zeros([BATCH]) };
    const actions = actionsFor(fused, 19).slice(0, 4);
    const grad = (env: Env) => tf.grads((...xs: tf.Tensor[]) => weightedReturn(env, initial, xs))(actions);
    const [g1, g2] = [grad(fused), grad(ops)];
    for (const [i, g] of g2.entries()) expectClose(`d/d action ${i}`, Array.from(await g1[i]!.data()), Array.from(await g.data()), GRADIENT_RTOL);
    tf.dispose([g1, g2, actions, initial]);
  });
});
