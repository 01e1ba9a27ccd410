import { beforeAll, describe, expect, it } from 'vitest';
import { rolloutReturn } from './rollout.js';
import { tf, Rng, ConfigError, ShapeError, UnknownNameError, NonFiniteError } from '@pathwise/core';
import { useTestBackend } from './test-support.js';
import { stepReport, parseActions } from './step-report.js';
import { getEnv } from './registry.js';
import { defineEnv, type EnvState } from './env.js';
import { cartpolePilcoEnv } from './envs/cartpole-pilco.js';

beforeAll(() => useTestBackend('cpu'));

describe('stepReport (pathwise envs step)', () => {
  it('returns exactly {env, batch, steps, rewards, total, grad, done} with the documented shapes', async () => {
    const report = await stepReport({
      env: 'traffic-b',
      actions: [
        [0, 0.5],
        [0.1, -0.2],
        [0, 1],
      ],
      seed: 4,
      steps: 3,
    });
    expect(Object.keys(report).sort()).toEqual(['batch', 'done', 'env', 'grad', 'rewards', 'steps', 'total']);
    expect(report).toMatchObject({ env: 'traffic-b', batch: 3, steps: 3 });
    expect(report.rewards).toHaveLength(3);
    expect(report.rewards.every((row) => row.length === 3)).toBe(true);
    expect(report.grad).toHaveLength(3);
    expect(report.grad.every((step) => step.length === 3 && step.every((g) => g.length === 2))).toBe(true);
    expect(report.done).toHaveLength(3);
    expect(report.done.flat().every((d) => typeof d === 'boolean')).toBe(true);
    report.total.forEach((t, b) =>
      expect(t).toBeCloseTo(
        report.rewards.reduce((s, row) => s + row[b]!, 0),
        10,
      ),
    );
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('a single batch is repeated at every step; per-step batches are used in order', async () => {
    const repeated = await stepReport({ env: 'pendulum', actions: [[0.3], [-0.6]], steps: 4, seed: 1 });
    const explicit = await stepReport({ env: 'pendulum', actions: new Array(4).fill([[0.3], [-0.6]]), seed: 1 });
    expect(explicit).toEqual(repeated);
    const varying = await stepReport({
      env: 'pendulum',
      actions: [
        [[0.3], [-0.6]],
        [[1], [1]],
        [[0.3], [-0.6]],
        [[0.3], [-0.6]],
      ],
      seed: 1,
    });
    expect(varying.rewards[0]).toEqual(repeated.rewards[0]); // the first reward only sees the reset state and action 0
    expect(varying.rewards[2]).not.toEqual(repeated.rewards[2]);
  });

  it('grad is the analytic gradient of each env total w.r.t. every action (matches tf.grad of a manual rollout)', async () => {
    const env = getEnv('cartpole-swingup');
    const actions = [
      [[0.2], [-0.4]],
      [[0.9], [0.1]],
      [[-0.3], [0.5]],
    ];
    const report = await stepReport({ env: 'cartpole-swingup', actions, seed: 8 });
    const state0 = env.reset(2, new Rng(8));
    const tensors = actions.map((rows) => tf.tensor2d(rows));
    const grads = tf.grads((...acts: tf.Tensor[]) => rolloutReturn(env, state0, acts))(tensors);
    for (let k = 0; k < 3; k++) expect(report.grad[k]).toEqual(await grads[k]!.array());
    // the last action only moves the last reward; earlier ones move everything after them
    expect(report.grad.flat(2).every((g) => g !== 0)).toBe(true);
    tf.dispose([state0, ...tensors, ...grads]);
  });

  it('resets finished envs (seeded) like a trainer, and no gradient crosses a reset', async () => {
    const report = await stepReport({ env: 'ackley', actions: [[0.5], [0.01]], steps: 3 });
    expect(report.done).toEqual([
      [true, true],
      [true, true],
      [true, true],
    ]);
    expect(report.rewards[0]).toEqual(report.rewards[2]);
    // cart-pole-pilco ends after 30 steps: step 31 starts a new episode, and the rewards after the reset
    // do not depend on earlier actions, so the first 30 gradients equal those of a 30-step report.
    const actions = Array.from({ length: 32 }, (_, k) => [[k % 2 === 0 ? 0.3 : -0.3]]);
    const pilco = await stepReport({ env: 'cartpole-pilco', actions, seed: 2 });
    expect(pilco.done.map((d) => d[0])).toEqual(Array.from({ length: 32 }, (_, k) => k === 29));
    const episode = await stepReport({ env: 'cartpole-pilco', actions: actions.slice(0, 30), seed: 2 });
    expect(pilco.grad.slice(0, 30)).toEqual(episode.grad);
    expect(pilco.rewards.slice(0, 30)).toEqual(episode.rewards);
    expect(pilco.grad[29]![0]![0]).not.toBe(0);
    expect(pilco.grad[30]![0]![0]).not.toBe(0);
  });

  it('works with an env object, e.g. a noisy cart-pole-pilco', async () => {
    const report = await stepReport({ env: cartpolePilcoEnv({ observationNoise: 1 }), actions: [[0.2]], steps: 3, seed: 5 });
    expect(report.env).toBe('cartpole-pilco');
    expect(report.grad.flat(2).every(Number.isFinite)).toBe(true);
  });

  it('validates its inputs with clear errors', async () => {
    await expect(stepReport({ env: 'nope', actions: [[0]] })).rejects.toThrow(UnknownNameError);
    await expect(stepReport({ env: 'traffic-a', actions: [[0]] })).rejects.toThrow(/actDim = 2/);
    await expect(stepReport({ env: 'traffic-a', actions: [[0, 1], [0]] })).rejects.toThrow(ShapeError);
    await expect(stepReport({ env: 'pendulum', actions: [[[0]], [[0], [1]]] })).rejects.toThrow(/ragged/);
    await expect(stepReport({ env: 'pendulum', actions: [['0.5']] })).rejects.toThrow(ConfigError);
    await expect(stepReport({ env: 'pendulum', actions: [[null]] })).rejects.toThrow(/actions\[0\]\[0\]/);
    await expect(stepReport({ env: 'pendulum', actions: [[NaN]] })).rejects.toThrow(ConfigError);
    await expect(stepReport({ env: 'pendulum', actions: [] })).rejects.toThrow(ConfigError);
    await expect(stepReport({ env: 'pendulum', actions: 'x' })).rejects.toThrow(ConfigError);
    await expect(stepReport({ env: 'pendulum', actions: [[0]], steps: 0 })).rejects.toThrow(ConfigError);
    await expect(stepReport({ env: 'pendulum', actions: [[[0]], [[1]]], steps: 3 })).rejects.toThrow(/2 per-step batches but steps = 3/);
    await expect(stepReport({ env: 'pendulum', actions: [[0]], seed: Infinity })).rejects.toThrow(ConfigError);
    expect(parseActions([[0.1, 0.2]], 2, 2)).toEqual([[[0.1, 0.2]], [[0.1, 0.2]]]);
  });

  it('non-finite rewards raise a NonFiniteError, or are counted in flag mode', async () => {
    const sqrtEnv = defineEnv({
      name: 'test-sqrt',
      description: 'test env: reward = sqrt(a)',
      obsDim: 1,
      actDim: 1,
      episodeLength: 5,
      action: { names: ['a'], units: ['1'], low: [-1], high: [1] },
      rewardDescription: 'r = sqrt a',
      observationNames: ['zero'],
      init: (batch) => ({ z: tf.zeros([batch, 1]) }),
      observe: (s) => tf.clone(s['z']!),
      transition: (s, a) => ({ state: { z: tf.clone(s['z']!) }, reward: tf.sqrt(tf.reshape(a, [-1])) }),
    });
    await expect(stepReport({ env: sqrtEnv, actions: [[0.25], [-1]] })).rejects.toThrow(NonFiniteError);
    const flagged = await stepReport({ env: sqrtEnv, actions: [[0.25], [-1]], nonFinite: 'flag' });
    expect(flagged.nonFinite).toEqual({ rewards: 1, grad: 1 });
    expect(flagged.rewards[0]![0]).toBe(0.5);
  });

  it('leaks no tensors', async () => {
    await stepReport({ env: 'traffic-c', actions: [[0, 0.5]], steps: 4 });
    const before = tf.memory().numTensors;
    await stepReport({ env: 'traffic-c', actions: [[0, 0.5]], steps: 4 });
    await stepReport({ env: 'cartpole-pilco', actions: [[0.5]], steps: 35 });
    await expect(stepReport({ env: 'traffic-c', actions: [[0]] })).rejects.toThrow();
    expect(tf.memory().numTensors).toBe(before);
  });
});
