import '@pathwise/backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng, tf, useBackend } from '@pathwise/core';
import { expectConformance, estimateGradient, getEstimator, listEstimators } from '@pathwise/estimators';
import { antitheticNoise, antitheticRp } from './index.js';

// E_q[a·x] for q = N(μ, σ²): the log σ-gradient is exactly 0; RP's estimate of it is a·σ·mean(ε).
const linear = { f: (x: tf.Tensor) => tf.sum(tf.mul(x, tf.tensor1d([2, -1, 0.5])), -1), mean: [0.1, 0.2, 0.3], logStd: [0, -0.5, 0.5] };

describe('antithetic-rp (an example third-party estimator plugin)', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('registers itself on import', () => {
    expect(getEstimator('antithetic-rp')).toBe(antitheticRp);
    expect(listEstimators().find((e) => e.name === 'antithetic-rp')).toMatchObject({ requires: ['pathwise'], unbiased: true });
  });

  it('mirrors half of the draws along the sample axis; an odd last draw stays', async () => {
    const eps = tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [1, 5, 2]);
    expect(await antitheticNoise(eps, 1).array()).toEqual([
      [
        [1, 2],
        [3, 4],
        [-1, -2],
        [-3, -4],
        [9, 10],
      ],
    ]);
  });

  it('has zero log σ-gradient variance on a linear objective, where RP does not (a number only it produces)', async () => {
    const spread = async (name: string) => {
      const estimate = estimateGradient(getEstimator(name), linear, { samples: 8, repeats: 50, rng: new Rng(3) });
      const logStd = (await estimate.logStd.array()) as number[][];
      estimate.dispose();
      return Math.max(...logStd.flat().map(Math.abs));
    };
    expect(await spread('antithetic-rp')).toBe(0);
    expect(await spread('rp')).toBeGreaterThan(0.1);
  });

  it('passes the estimator conformance kit', async () => {
    const report = await expectConformance(antitheticRp, { seed: 11 });
    expect(report.checks.length).toBeGreaterThan(3);
  });
});
