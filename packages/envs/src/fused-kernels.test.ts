// The fused env-step kernels against the op-by-op definitions (the reference), for every env in the
// registry, on every host backend: the values of every step output and the gradients of a multi-step
// rollout's return with respect to every action and the initial state. An env without a fused kernel
// must declare `fused: false`; one that says neither fails here.
import { afterAll, describe, expect, it } from 'vitest';
import { tf, Rng } from '@pathwise/core';
import { useTestBackend } from './test-support.js';
import { getEnv, listEnvs } from './registry.js';
import { FUSED_HOST_BACKENDS, type FusedStep } from './fused.js';
import type { Env, EnvState } from './env.js';
import { lit, toGlsl, toWgsl } from './fused-gpu.js';
import { fusedCheckActions, hostStepResult, relativeError, weightedReturn, weightedReturnGradients } from './fused-check.js';

const BATCH = 6;
const HORIZON = 12;
// The forward pass rounds like the ops (bit-identical on the backends in `exactOn`); gradients are accumulated in float64 by
// the kernel and op by op in float32 by tfjs. Measured: ≤ 6e-7 of the largest value, both; the chaotic
// double pendulum ≤ 3.2e-7 (values, wasm) and ≤ 8e-7 (gradients), which its chaos amplifies with the
// horizon (wasm at 50 steps: 3e-6 and 7e-5), so 12 steps it is. A 1 % error in one term of the
// cart-pole adjoint fails the gradient check, and in the double pendulum's (5e-4 to 1.4e-2).
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
      // No GPU code: on webgl and webgpu they refuse with BackendUnavailableError.
      expect((getEnv(name).fused as FusedStep).gpu).toBe(false);
    }
  });

  // The GPU kernels are checked in the webgpu (Node) and browser suites; here, that every kernel has one or says why not.
  it.each(fusedNames)('%s: has GPU code for webgl and webgpu, or declares gpu: false', (name) => {
    const gpu = (getEnv(name).fused as FusedStep).gpu;
    if (gpu === undefined) throw new Error(`${name}: its fused step neither has GPU code (fused.gpu) nor declares 'gpu: false'.`);
    if (gpu !== false) expect(gpu.forward.state).toHaveLength((getEnv(name).fused as FusedStep).stateKeys.length);
  });
});

describe('the shared shader subset', () => {
  it('becomes WGSL and GLSL', () => {
    const source = 'float trX[4]; for (int k = 0; k < 4; k++) { float s = atan2(float(k), 1.0); int j = k; bool b = s > 0.5; }';
    expect(toWgsl(source)).toBe('var trX: array<f32, 4>; for (var k: i32 = 0; k < 4; k++) { var s: f32 = atan2(f32(k), 1.0); var j: i32 = k; var b: bool = s > 0.5; }');
    expect(toGlsl(source)).toBe(source.replace('atan2(', 'atan('));
    expect([lit(2), lit(-0.5), lit(1e-30), lit(0.1)]).toEqual(['2.0', '(-0.5)', '1.0000000031710769e-30', '0.10000000149011612']);
  });
});

function actionsFor(env: Env, seed: number): tf.Tensor[] {
  return fusedCheckActions(env, BATCH, HORIZON, seed);
}

function expectClose(label: string, actual: number[], expected: number[], rtol: number): void {
  expect(actual.length, label).toBe(expected.length);
  const error = relativeError(actual, expected);
  if (!(error <= rtol)) throw new Error(`${label}: fused vs ops differ by ${error} of the largest value (allowed ${rtol})`);
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
      const [x, y] = [await hostStepResult(fromFused), await hostStepResult(fromOps)];
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
    const fromFused = weightedReturnGradients(fused, initial, actions);
    const fromOps = weightedReturnGradients(ops, initial, actions);
    for (const [i, g] of fromOps.gradients.entries()) {
      expectClose(fromOps.labels[i]!, Array.from(await fromFused.gradients[i]!.data()), Array.from(await g.data()), GRADIENT_RTOL);
    }
    // Some gradients must be non-zero, or the comparison proves nothing.
    expect(Math.max(...(await fromOps.gradients[0]!.data()).map(Math.abs))).toBeGreaterThan(0);
    tf.dispose([fromFused.gradients, fromOps.gradients, actions, initial]);
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
