import '@pathwise/backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { CapabilityError, Rng, tf, useBackend } from '@pathwise/core';
import { estimateGradient } from './estimate.js';
import { checkNodeEstimator, nodeBackward, type NodeOutput } from './node.js';
import type { PerSampleGradient } from './types.js';
import { getEstimator } from './registry.js';
import { expectClose, values } from './test-helpers.js';

// f(x) = Σ_d c_d x_d², so ∂f/∂x = 2 c ⊙ x: a node given cost and cotangent at the draws must
// reproduce what the estimator computes from f itself on the same noise.
const c = [1.5, -0.5, 2];
const f = (x: tf.Tensor) => tf.sum(tf.mul(tf.square(x), tf.tensor1d(c)), -1);
const mean = [0.3, -1, 0.5];
const logStd = [-0.2, 0.1, 0.4];

interface Compared {
  objective: PerSampleGradient;
  node: PerSampleGradient;
  mixture: NodeOutput['mixture'];
}

function nodeVersusObjective(name: string): Compared {
  // tf.tidy keeps the tensors of the returned object (it walks plain objects).
  return tf.tidy(() => {
    const rng = new Rng(7);
    const noise = rng.normalTensor([16, 3]);
    const m = tf.tensor1d(mean);
    const ls = tf.tensor1d(logStd);
    const x = tf.add(m, tf.mul(tf.exp(ls), noise));
    const fromObjective = estimateGradient(getEstimator(name), { f, mean, logStd }, { samples: 16, rng, noise });
    const node = nodeBackward(getEstimator(name), { noise, mean: m, logStd: ls, cost: f(x), cotangent: tf.mul(tf.mul(x, tf.tensor1d(c)), 2) });
    return { objective: fromObjective.perSample, node: node.perSample, mixture: node.mixture } as unknown as tf.TensorContainer;
  }) as unknown as Compared;
}

describe('nodeBackward: one stochastic node fed by a consumer', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it.each(['rp', 'lr', 'lr-loo', 'lr-optimal', 'lr+rp', 'tp'])('%s from cost and cotangent equals the same estimator from f on the same draws', async (name) => {
    const { objective, node, mixture } = nodeVersusObjective(name);
    expect(node.mean.shape).toEqual([16, 3]);
    expectClose(await values(node.mean), await values(objective.mean), 1e-5, 1e-5);
    expectClose(await values(node.logStd), await values(objective.logStd), 1e-5, 1e-5);
    // Combinators report their parts so a consumer can mix its own images of them.
    expect(mixture !== undefined).toBe(name === 'lr+rp' || name === 'tp');
    if (mixture) {
      const [k1, k2] = await Promise.all(mixture.weights.map((w) => w.data()));
      expect(k1![0]! + k2![0]!).toBeCloseTo(1, 6);
      const mixed = tf.add(tf.mul(mixture.weights[0]!, mixture.parts[0]!.mean), tf.mul(mixture.weights[1]!, mixture.parts[1]!.mean));
      expectClose(await values(mixed), await values(node.mean), 1e-6, 1e-6);
    }
  });

  it('uses the consumer-supplied variances for the combinator weights', async () => {
    const noise = new Rng(1).normalTensor([8, 2]);
    const out = nodeBackward(getEstimator('tp'), {
      noise,
      mean: tf.zeros([2]),
      logStd: tf.zeros([2]),
      cost: tf.ones([8]),
      cotangent: tf.ones([8, 2]),
      // LR infinitely noisy, RP exact: total propagation must pick RP (k_LR = 0).
      variances: (parts) => parts.map((_, i) => tf.scalar(i === 0 ? 1e6 : 0)),
    });
    expect((await out.mixture!.weights[0]!.data())[0]).toBe(0);
  });

  it('refuses an estimator that needs what the consumer cannot give, naming it', () => {
    const tape = { name: 'the PIPPS particle tape', cost: true, cotangent: true, state: false, surrogate: false };
    expect(() => checkNodeEstimator(getEstimator('dice'), tape)).toThrow(CapabilityError);
    expect(() => checkNodeEstimator(getEstimator('dice'), tape)).toThrow(/surrogate/);
    expect(() => checkNodeEstimator(getEstimator('lr-moving-average'), tape)).toThrow(/stateful/);
    expect(() => checkNodeEstimator(getEstimator('rp'), { ...tape, cotangent: false })).toThrow(/pathwise cotangent/);
    expect(() => checkNodeEstimator(getEstimator('tp'), tape)).not.toThrow();
    // Without a cotangent, a pathwise estimator fails with the capability named, not a crash.
    expect(() => tf.tidy(() => void nodeBackward(getEstimator('rp'), { noise: tf.zeros([4, 1]), mean: tf.zeros([1]), logStd: tf.zeros([1]), cost: tf.zeros([4]) }))).toThrow(CapabilityError);
  });

  it('leaks no tensors', () => {
    const once = () => tf.tidy(() => void nodeVersusObjective('tp'));
    once();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) once();
    expect(tf.memory().numTensors).toBe(before);
  });
});
