// The fused env-step kernels against the op-by-op definitions (the reference), for every env in the
// registry, on every host backend: the values of every step output and the gradients of a multi-step
// rollout's return with respect to every action and the initial state. An env without a fused kernel
// must declare `fused: false`; one that says neither fails here.
import { afterAll, describe, expect, it, vi } from 'vitest';
import { tf, Rng } from '@pathwise/core';
import { useTestBackend } from './test-support.js';
import { getEnv, listEnvs } from './registry.js';
import { FUSED_HOST_BACKENDS, type FusedStep } from './fused.js';
import type { Env, EnvState } from './env.js';
import { lit, toGlsl, toWgsl } from './fused-gpu.js';
import { fusedCheckActions, fusedCheckStart, hostStepResult, relativeError, weightedReturn, weightedReturnGradients } from './fused-check.js';
import { trafficEnv } from './envs/traffic.js';

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

// Envs whose kernel brings start states of its own (FusedStep.checkStart): collisions, clips and early
// ends that a reset does not reach within a check's few steps. On cpu, gradients are compared row by row
// (each row against its own largest value), so that a row with large gradients does not hide an error
// in another. On wasm the op path is the less accurate side (its tan, atan, sin and cos are off by up to
// ~1e-6 relative; half of sin's results differ from the correctly rounded value), and these rows amplify
// that (measured row by row: up to 1.9e-4 between wasm's op path and the kernel, where cpu's op path and
// the kernel agree to 4e-7); there the kernel's values and gradients must equal the kernel's on cpu bit
// for bit (the same JavaScript on the same inputs), and wasm's op path is held to the whole-tensor tolerances.
const startNames = fusedNames.filter((name) => (getEnv(name).fused as FusedStep).checkStart !== undefined);

function expectRowsClose(label: string, actual: number[], expected: number[], rows: number, rtol: number): void {
  expect(actual.length, label).toBe(expected.length);
  const width = expected.length / rows;
  for (let r = 0; r < rows; r++) expectClose(`${label} row ${r}`, actual.slice(r * width, (r + 1) * width), expected.slice(r * width, (r + 1) * width), rtol);
}

interface StartRun {
  /** The op path's early ends, [step][row]. */
  ended: boolean[][];
  /** The op path's gradients by label. */
  gradients: Record<string, number[]>;
  /** The kernel's step outputs (by step and output) and gradients (by label). */
  fused: Record<string, number[]>;
}

/** Fused against ops on `backend` from the kernel's start states: every output of every step, and the gradients. */
async function compareFromStart(env: Env, backend: 'cpu' | 'wasm'): Promise<StartRun> {
  await useTestBackend(backend);
  const fused = env.with({ kernel: 'fused' });
  const ops = env.with({ kernel: 'ops' });
  const exact = (fused.fused as FusedStep).exactOn.includes(backend);
  const initial = fusedCheckStart(fused)!;
  const rows = initial['t']!.shape[0]!;
  const actions = fusedCheckActions(fused, rows, HORIZON, 23);
  const run: StartRun = { ended: [], gradients: {}, fused: {} };
  let [a, b] = [fusedCheckStart(fused)!, fusedCheckStart(fused)!];
  for (const [k, action] of actions.entries()) {
    const fromFused = fused.step(a, action);
    const fromOps = ops.step(b, action);
    const [x, y] = [await hostStepResult(fromFused), await hostStepResult(fromOps)];
    for (const key of Object.keys(y)) {
      run.fused[`step ${k} ${key}`] = x[key]!;
      if (exact) expect(x[key], `step ${k} ${key}`).toEqual(y[key]);
      else expectClose(`step ${k} ${key}`, x[key]!, y[key]!, VALUE_RTOL);
    }
    run.ended.push(y['terminated']!.map((v) => v !== 0));
    tf.dispose([a, b]);
    const { state: nextA, ...restA } = fromFused;
    const { state: nextB, ...restB } = fromOps;
    tf.dispose([restA, restB]);
    [a, b] = [nextA, nextB];
  }
  const fromFused = weightedReturnGradients(fused, initial, actions);
  const fromOps = weightedReturnGradients(ops, initial, actions);
  for (const [i, g] of fromOps.gradients.entries()) {
    const label = fromOps.labels[i]!;
    run.gradients[label] = Array.from(await g.data());
    run.fused[label] = Array.from(await fromFused.gradients[i]!.data());
    if (backend === 'cpu') expectRowsClose(label, run.fused[label]!, run.gradients[label]!, rows, GRADIENT_RTOL);
    else expectClose(label, run.fused[label]!, run.gradients[label]!, GRADIENT_RTOL);
  }
  tf.dispose([a, b, initial, actions, fromFused.gradients, fromOps.gradients]);
  return run;
}

/** compareFromStart on `backend`; on wasm also that the kernel's numbers equal its numbers on cpu. */
async function checkFromStart(env: Env, backend: 'cpu' | 'wasm'): Promise<StartRun> {
  const run = await compareFromStart(env, backend);
  if (backend === 'wasm') expect(run.fused).toEqual((await compareFromStart(env, 'cpu')).fused);
  return run;
}

/** Traffic's start rows (traffic-fused.ts trafficCheckStart) end where they are built to, and steering reaches the IDM vehicles through the lane-edge band. */
function expectTrafficStartRows({ ended, gradients }: StartRun): void {
  const endsAt = (row: number) => ended.findIndex((step) => step[row]);
  // Row 1: collision at step 1; 4: too far; 5: off the road below (step 1 or 2); 6: an IDM vehicle ahead; 7: off the top edge; 9: collision.
  expect([1, 4, 6, 7, 9].map(endsAt)).toEqual([0, 0, 0, 0, 0]);
  expect([0, 1]).toContain(endsAt(5));
  // Rows 0, 2 and 3 drive on (2 and 3 may leave the road later: the pace car's heading turns fast at 50–60 m/s).
  expect(endsAt(0)).toBe(-1);
  expect([2, 3].map(endsAt)).not.toContain(0);
  // Row 0 (the pace car 1.9 m off lane 0's centre): its lateral position reaches the IDM vehicles.
  expect(Math.abs(gradients['d/d initial y']![0]!)).toBeGreaterThan(0);
}

describe.each(FUSED_HOST_BACKENDS)("fused step = op-by-op step from the kernel's start states on %s", (backend) => {
  it.each(startNames)('%s: every output of a multi-step rollout, and the gradients', async (name) => {
    const run = await checkFromStart(getEnv(name), backend);
    if (name.startsWith('traffic-')) expectTrafficStartRows(run);
  });
});

describe('traffic fused step at collisions, early ends, the clips and the smoothing bands', () => {
  // traffic-b (2 lanes, 2 vehicles each) and traffic-e (10 lanes, 1 each) among them, in the loop above.
  it('every traffic scenario brings its start states', () => {
    expect(startNames).toEqual(expect.arrayContaining(['traffic-a', 'traffic-b', 'traffic-c', 'traffic-d', 'traffic-e']));
  });

  it.each(FUSED_HOST_BACKENDS)('%s: a custom road with an uneven allocation (3 lanes: 3, 2, 2 vehicles)', async (backend) => {
    expectTrafficStartRows(await checkFromStart(trafficEnv('c', { lanes: 3, vehicles: 7 }), backend));
  });
});

// A kernel that keeps values from its forward for its backward (`keptWidth`) must give the backward
// exactly what replaying the step gives: the kernels replay it where nothing was kept (no tape).
const keepingNames = fusedNames.filter((name) => ((getEnv(name).fused as FusedStep).keptWidth ?? 0) > 0);

describe('what a forward keeps for its backward', () => {
  it('cartpole-swingup keeps values (the check below is not empty)', () => {
    expect(keepingNames).toContain('cartpole-swingup');
  });

  it.each(keepingNames)('%s: the backward from kept values equals the backward that replays the step, bit for bit', (name) => {
    const kernel = getEnv(name).fused as FusedStep;
    const batch = 37;
    const rng = new Rng(23);
    const column = (scale: number) => Float32Array.from({ length: batch }, () => scale * (2 * rng.uniform() - 1));
    // Beyond the cart limit and past ±π too, every branch of the step.
    const inputs = { batch, state: kernel.stateKeys.map((_, k) => column([6, 7, 3, 9][k % 4]!)), t: new Float32Array(batch), action: column(1) };
    const outputs = () => ({
      state: kernel.stateKeys.map(() => new Float32Array(batch)),
      reward: new Float32Array(batch),
      obs: new Float32Array(batch * kernel.obsDim),
      terminated: new Uint8Array(batch),
    });
    const kept = new Float64Array(batch * kernel.keptWidth!);
    const [plain, keeping] = [outputs(), outputs()];
    kernel.forward(inputs, plain);
    kernel.forward(inputs, keeping, kept);
    expect(keeping).toEqual(plain);
    const cotangents = { state: kernel.stateKeys.map(() => column(1)), reward: column(1), obs: Float32Array.from({ length: batch * kernel.obsDim }, () => 2 * rng.uniform() - 1) };
    const gradients = () => ({ state: kernel.stateKeys.map(() => new Float32Array(batch)), action: new Float32Array(batch) });
    const [replayed, fromKept] = [gradients(), gradients()];
    kernel.backward(inputs, cotangents, replayed);
    kernel.backward(inputs, cotangents, fromKept, kept);
    expect(fromKept).toEqual(replayed);
    expect(Math.max(...replayed.action.map(Math.abs))).toBeGreaterThan(0);
  });

  it.each(FUSED_HOST_BACKENDS)('%s: a step under a tape keeps values for its backward, one without keeps none, and neither leaves tensors behind', async (backend) => {
    await useTestBackend(backend);
    const env = getEnv('cartpole-swingup').with({ kernel: 'fused' });
    const kernel = env.fused as FusedStep;
    const forward = vi.spyOn(kernel, 'forward');
    const backward = vi.spyOn(kernel, 'backward');
    try {
      const initial = env.reset(BATCH, new Rng(5));
      const action = tf.fill([BATCH, 1], 0.3);
      const step = () => tf.tidy(() => tf.grad((a: tf.Tensor) => tf.sum(env.step(initial, a).reward))(action));
      const first = step();
      const before = tf.memory().numTensors;
      const again = step();
      expect(again.dataSync()).toEqual(first.dataSync());
      const kept = forward.mock.calls.at(-1)![2];
      expect(kept).toBeInstanceOf(Float64Array);
      expect(kept!.length).toBe(BATCH * kernel.keptWidth!);
      expect(backward.mock.calls.at(-1)![3]).toBe(kept);
      tf.dispose(again);
      tf.tidy(() => {
        env.step(initial, action);
      });
      expect(forward.mock.calls.at(-1)![2]).toBeUndefined();
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([first, action, initial]);
    } finally {
      forward.mockRestore();
      backward.mockRestore();
    }
  });
});
