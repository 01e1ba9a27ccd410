// The hopper and ant envs: the listing, determinism, DiffRL's observations and rewards at known states,
// and the analytic action gradients of 10-step rollouts (the env's float32 tensors, contact active)
// against central differences. The simulator itself is checked against MuJoCo and in float64 against
// finite differences in @pathwise/physics.
import { beforeAll, describe, expect, it } from 'vitest';
import { tf, Rng } from '@pathwise/core';
import { useTestBackend, directionalCheck, randomActions } from '../test-support.js';
import { builtinEnv, getEnv, listEnvs } from '../registry.js';

beforeAll(() => useTestBackend('cpu'));

describe('hopper and ant are registered with the SHAC dimensions', () => {
  it('obs 11 / act 3 and obs 37 / act 8, 1000 steps', () => {
    const byName = Object.fromEntries(listEnvs().map((e) => [e.name, e]));
    expect([byName['hopper']!.obsDim, byName['hopper']!.actDim, byName['hopper']!.episodeLength]).toEqual([11, 3, 1000]);
    expect([byName['ant']!.obsDim, byName['ant']!.actDim, byName['ant']!.episodeLength]).toEqual([37, 8, 1000]);
  });
});

describe.each(['hopper', 'ant'])('%s', (name) => {
  it('is deterministic under a seed, and the step observation equals observe(state)', async () => {
    const env = getEnv(name);
    const run = async () => {
      const rng = new Rng(7);
      let state = env.reset(4, rng);
      const out: number[] = [];
      for (let k = 0; k < 5; k++) {
        const action = rng.uniformTensor([4, env.actDim], -1, 1);
        const result = env.step(state, action);
        out.push(...(await result.reward.data()));
        // The step's observation comes from the float64 state before it is stored in float32.
        const observed = env.observe(result.state);
        const [x, y] = [await observed.data(), await result.obs.data()];
        x.forEach((v, i) => expect(Math.abs(v - y[i]!)).toBeLessThan(1e-5 * Math.max(1, Math.abs(y[i]!))));
        tf.dispose([state, action, observed]);
        const { state: next, ...rest } = result;
        tf.dispose(rest);
        state = next;
      }
      tf.dispose(state);
      return out;
    };
    const [a, b] = [await run(), await run()];
    expect(a).toEqual(b);
    expect(a.every(Number.isFinite)).toBe(true);
  });

  it('10-step action gradients (contact active) agree with central differences of the float32 rollout', async () => {
    const env = getEnv(name);
    // 30 steps with zero actions first, so that the feet are on the ground (the ant starts 0.19 m up).
    let initial = env.reset(2, new Rng(3));
    const zero = tf.zeros([2, env.actDim]);
    for (let k = 0; k < 30; k++) {
      const { state, ...rest } = env.step(initial, zero);
      tf.dispose([initial, rest]);
      initial = state;
    }
    zero.dispose();
    const actions = randomActions(
      10,
      2,
      Array.from({ length: env.actDim }, () => [-0.5, 0.5] as [number, number]),
      5,
    );
    const check = await directionalCheck(env, initial, actions, { eps: 1e-2 });
    tf.dispose(initial);
    expect(check.terminated).toBe(false);
    let worst = 0;
    check.analytic.forEach((an, i) => (worst = Math.max(worst, Math.abs(check.numeric[i]! - an) / Math.max(Math.abs(an), 0.1 * check.gradNorm))));
    console.log(`${name} env, 10 steps: ‖∇J‖ ${check.gradNorm.toExponential(2)}, worst relative difference to central differences ${worst.toExponential(2)}`);
    expect(check.gradNorm).toBeGreaterThan(0);
    expect(worst).toBeLessThan(0.02);
  });
});

describe('DiffRL observations and rewards at known states', () => {
  it('hopper at rest: obs are the coordinates from rootz on and the velocities; reward = height + angle terms', async () => {
    const env = getEnv('hopper');
    const q = tf.tensor2d([[0.5, -0.1, 0.2, -0.3, -0.4, 0.1]]);
    const qd = tf.tensor2d([[1.5, 0, 0, 0, 0, 0]]);
    const obs = await env.observe({ q, qd, t: tf.zeros([1]) }).data();
    expect(Array.from(obs)).toEqual(Array.from(new Float32Array([-0.1, 0.2, -0.3, -0.4, 0.1, 1.5, 0, 0, 0, 0, 0])));
    tf.dispose([q, qd]);
  });

  it('ant at the start pose: height 0.75, dflex quaternion of the y-up start rotation, up 1, heading 1', async () => {
    const env = builtinEnv('ant', { stochasticInit: false });
    const state = env.reset(1, new Rng(0));
    const obs = Array.from(await env.observe(state).data());
    expect(obs[0]).toBeCloseTo(0.75, 6);
    // DiffRL's start_rot: quat_from_axis_angle(x, −π/2) in (x, y, z, w).
    expect(obs.slice(1, 5).map((v) => Number(v.toFixed(6)))).toEqual([-0.707107, 0, 0, 0.707107]);
    expect(obs.slice(11, 19)).toEqual([0, 1, 0, -1, 0, -1, 0, 1]);
    expect(obs[27]).toBeCloseTo(1, 6);
    expect(obs[28]).toBeCloseTo(1, 6);
    tf.dispose(state);
  });
});
