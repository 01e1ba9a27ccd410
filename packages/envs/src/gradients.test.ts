// Analytic action gradients through 1-, 10- and 100-step rollouts against central finite differences.
// The rollouts are float32; J is summed on the host in float64 and all perturbed rollouts of a check run
// as one batch. Directions: the normalised gradient itself (the numeric slope must equal ‖∇J‖, which
// fails for any wrong gradient direction or scale), two random unit directions, and the first and last
// action coordinates. Tolerance: |numeric − analytic| ≤ 2% · max(|analytic|, 0.1·‖∇J‖).
import { beforeAll, describe, expect, it } from 'vitest';
import { tf, Rng } from '@pathwise/core';
import { useTestBackend, directionalCheck, randomActions, type DirectionalCheck } from './test-support.js';
import { getEnv } from './registry.js';
import type { EnvState } from './env.js';

beforeAll(() => useTestBackend('cpu'));

function expectAgreement(check: DirectionalCheck, rtol = 0.02): void {
  expect(check.terminated).toBe(false);
  expect(Number.isFinite(check.gradNorm) && check.gradNorm > 0).toBe(true);
  check.analytic.forEach((an, i) => {
    const allowed = rtol * Math.max(Math.abs(an), 0.1 * check.gradNorm);
    const err = Math.abs(check.numeric[i]! - an);
    if (!(err <= allowed)) throw new Error(`${check.labels[i]}: numeric ${check.numeric[i]} vs analytic ${an} (allowed error ${allowed}, ‖∇J‖ = ${check.gradNorm})`);
  });
}

async function rollForward(name: string, state: EnvState, steps: number, action: number[]): Promise<EnvState> {
  const env = getEnv(name);
  const batch = state['t']!.shape[0]!;
  const a = tf.tensor2d(Array.from({ length: batch }, () => action));
  for (let k = 0; k < steps; k++) {
    const { state: next, ...rest } = env.step(state, a);
    tf.dispose([state, rest]);
    state = next;
  }
  a.dispose();
  return state;
}

describe('cartpole-swingup: analytic gradient = finite differences', () => {
  it.each([1, 10, 100])('%i-step rollout', async (horizon) => {
    const env = getEnv('cartpole-swingup');
    const initial = env.reset(2, new Rng(3));
    const check = await directionalCheck(env, initial, randomActions(horizon, 2, [[-0.5, 0.5]], 5), { eps: 0.03 });
    tf.dispose(initial);
    expectAgreement(check);
  });
});

// Both step kernels: the op path and the fused kernel (its float64 RK4 adjoint, over 100 steps too).
describe.each(['ops', 'fused'] as const)('double-pendulum (%s step): analytic gradient = finite differences', (kernel) => {
  // From uniformly random (high-energy) starts the double pendulum is chaotic: between 10 and 100 steps
  // ‖∇J‖ grows from ~0.2 to ~400 and J's curvature with it, so no float32-resolvable ε gives a central
  // difference accurate in every direction at 100 steps. The chaotic regime is checked at 1 and 10 steps,
  // and the 100-step check starts from a low-energy state (regular, non-chaotic swings).
  const env = getEnv('double-pendulum').with({ kernel });
  it('steps with that kernel', () => expect(env.kernelOn()).toBe(kernel));

  it.each([1, 10])('%i-step rollout from a random (chaotic-regime) start', async (horizon) => {
    const initial = env.reset(2, new Rng(3));
    const check = await directionalCheck(env, initial, randomActions(horizon, 2, [[-0.5, 0.5]], 5), { eps: 0.01 });
    tf.dispose(initial);
    expectAgreement(check);
  });

  it('100-step rollout from a low-energy start', async () => {
    const initial = {
      theta1: tf.tensor1d([0.4, -0.2]),
      theta2: tf.tensor1d([-0.3, 0.5]),
      omega1: tf.tensor1d([0, 0.1]),
      omega2: tf.tensor1d([0.2, 0]),
      t: tf.zeros([2]),
    };
    const check = await directionalCheck(env, initial, randomActions(100, 2, [[-0.3, 0.3]], 5), { eps: 0.03 });
    tf.dispose(initial);
    expectAgreement(check);
  });
});

describe('traffic-b: analytic gradient = finite differences', () => {
  // Start from a car-following situation: 80 steps at full throttle put the pace car 30 m ahead of the
  // platoon at ~19 m/s, with the front vehicle of its lane reacting to it. Actions keep it in its lane
  // and ahead of everyone (no termination, checked), steering ±0.05, acceleration in [-0.1, 0.3].
  const start = async () => rollForward('traffic-b', getEnv('traffic-b').reset(2, new Rng(3)), 80, [0, 1]);
  const ranges: [number, number][] = [
    [-0.05, 0.05],
    [-0.1, 0.3],
  ];

  it('1-step rollout: the reward of a step does not depend on its own action (exactly zero gradient)', async () => {
    const env = getEnv('traffic-b');
    const initial = await start();
    const action = tf.tensor2d(randomActions(1, 2, ranges, 5)[0]!);
    const grad = tf.grad((a: tf.Tensor) => tf.sum(env.step(initial, a).reward))(action);
    expect(Array.from(await grad.data())).toEqual([0, 0, 0, 0]);
    // ...and the reward really is unchanged by a large change of that action.
    const r0 = await env.step(initial, action).reward.data();
    const other = tf.tensor2d([
      [0.3, -1],
      [-0.3, 1],
    ]);
    const r1 = await env.step(initial, other).reward.data();
    expect(Array.from(r1)).toEqual(Array.from(r0));
    tf.dispose([initial, action, grad, other]);
  });

  it.each([10, 100])('%i-step rollout', async (horizon) => {
    const env = getEnv('traffic-b');
    const initial = await start();
    const check = await directionalCheck(env, initial, randomActions(horizon, 2, ranges, 5), { eps: 0.1 });
    tf.dispose(initial);
    expectAgreement(check);
  });

  it('steering moves the IDM vehicles through the smooth lane membership near a lane edge', async () => {
    // Pace car 1.9 m from its lane centre (inside the 0.25 m smoothing band around the edge at 2 m):
    // the front vehicles' interaction then depends on its lateral position, so steering gets a real
    // gradient (much larger than at the lane centre, where only the longitudinal cos(course) path acts).
    const env = getEnv('traffic-b');
    const actions = randomActions(10, 2, ranges, 6);
    const steeringGradient = (check: DirectionalCheck) => check.gradient.filter((_, i) => i % 2 === 0).reduce((s, g) => s + Math.abs(g), 0);
    const centred = await start();
    const atCentre = await directionalCheck(env, centred, actions, { eps: 0.05 });
    const ys = (await centred['y']!.array()) as number[][];
    const moved = { ...centred, y: tf.tensor2d(ys.map(([y]) => [y! + (y! > 2 ? -1.9 : 1.9)])) };
    centred['y']!.dispose();
    const nearEdge = await directionalCheck(env, moved, actions, { eps: 0.05 });
    tf.dispose(moved);
    expectAgreement(nearEdge); // (atCentre's FD agreement is the 10-step test above; here only its size matters)
    expect(steeringGradient(nearEdge)).toBeGreaterThan(10 * steeringGradient(atCentre));
  });
});
