// VI consumes any registered estimator: a plugin defined here (RP on antithetic pairs, its per-sample
// contributions averaged over each pair) runs through viGradient, fitMeanField and compareOnModel and
// reports numbers only it can produce.
import '@pathwise/backend-cpu';
import { ConfigError, Rng, UnknownNameError, useBackend, tf } from '@pathwise/core';
import { defineEstimator, listEstimators, registerEstimator, type Estimator, type PerSampleGradient } from '@pathwise/estimators';
import { beforeAll, describe, expect, it } from 'vitest';
import { meanFieldOptimum, rpVariances, taylorOfGlobal, type DenseQuadratic } from './closed-form.js';
import { compareOnModel, resolveCompared } from './compare.js';
import { fitMeanField } from './fit.js';
import type { Model } from './models.js';
import { columnMoments, quadraticLogJoint, viGradient, viGradientDraws } from './vi-gradients.js';

tf.env().set('PROD', true);

/** Pairs along the sample axis: the second half of the draws is the negated first half (each draw stays N(0, 1)). */
function antitheticPairs(eps: tf.Tensor, axis: number): tf.Tensor {
  if (eps.shape[axis]! % 2 !== 0) throw new ConfigError('samples', eps.shape[axis], 'an even number (antithetic pairs)');
  const [first] = tf.split(eps, 2, axis);
  return tf.concat([first!, tf.neg(first!)], axis);
}

/** Each sample's contribution replaced by its pair's mean (the estimate, the mean over samples, is unchanged). */
function pairMean(t: tf.Tensor): tf.Tensor {
  const [a, b] = tf.split(t, 2, 1);
  const m = tf.mul(tf.add(a!, b!), 0.5);
  return tf.concat([m, m], 1);
}

const antitheticRp = defineEstimator({
  name: 'vi-test-antithetic-rp',
  description: 'RP on antithetic pairs (ε, −ε), per-sample contributions averaged over each pair',
  requires: ['pathwise'],
  unbiased: true,
  noise: antitheticPairs,
  gradient: (inputs): PerSampleGradient => {
    const { gradX } = inputs.pathwise();
    return { mean: pairMean(gradX), logStd: pairMean(tf.mul(tf.mul(gradX, inputs.noise), inputs.std())) };
  },
});
registerEstimator(antitheticRp);

// A linear log joint f(θ) = c0 + gᵀθ: RP's log σ term g ⊙ σ ⊙ ε varies with ε, its antithetic pair average is exactly 0.
const g = [1, -2, 0.5];
const zeros = g.map(() => g.map(() => 0));
const linear: DenseQuadratic = { c0: 1.5, g, H: zeros };
const linearLogJoint = quadraticLogJoint(linear, [0, 0, 0]);
const mu = [0.3, -0.2, 1];
const sigma = [0.7, 1.2, 0.9];

describe('VI with a plugin estimator (cpu)', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('viGradient: the antithetic plugin (by name or object) has a log σ gradient of exactly 1 (entropy) on a linear log joint; RP does not', async () => {
    const before = tf.memory().numTensors;
    for (const estimator of ['vi-test-antithetic-rp', antitheticRp] as const) {
      for (let seed = 0; seed < 5; seed++) {
        const est = viGradient({ logJoint: linearLogJoint, mu, sigma, estimator, samples: 2, rng: new Rng(seed) });
        expect(Array.from(await est.logsigma.data())).toEqual([1, 1, 1]);
        expect(Array.from(await est.perSample.logsigma.data())).toEqual([1, 1, 1, 1, 1, 1]);
        expect(Array.from(await est.mu.data())).toEqual(g);
        est.dispose();
      }
    }
    const rp = viGradient({ logJoint: linearLogJoint, mu, sigma, estimator: 'rp', samples: 2, rng: new Rng(0) });
    expect(Array.from(await rp.logsigma.data()).some((v) => v !== 1)).toBe(true);
    rp.dispose();
    expect(tf.memory().numTensors).toBe(before);

    // Per-draw variances on the contributions as returned: 0 for the plugin, g²σ² (Prop. A with H = 0) for RP.
    const predicted = rpVariances(linear, sigma);
    const draws = async (estimator: string) => columnMoments((await viGradientDraws({ logJoint: linearLogJoint, mu, sigma, estimator, draws: 4000, chunk: 1000, rng: new Rng(7) })).logsigma, 4000, 3);
    const plugin = await draws('vi-test-antithetic-rp');
    const reference = await draws('rp');
    expect(plugin.variance).toEqual([0, 0, 0]);
    reference.variance.forEach((v, i) => {
      expect(v).toBeGreaterThan(0);
      expect(Math.abs(v - predicted.logsigma[i]!)).toBeLessThan(5 * reference.seVariance[i]!);
    });
  });

  it('viGradient: a registered name is the registry estimator (lr-constant = the sf-joint preset bit for bit); the objective is an option', async () => {
    const noise = new Rng(3).normalTensor([64, 3]);
    const values = async (estimator: string, objective?: 'joint' | 'elbo') => {
      const est = viGradient({ logJoint: linearLogJoint, mu, sigma, estimator, ...(objective ? { objective } : {}), samples: 64, rng: new Rng(0), noise });
      const out = { mu: Array.from(await est.perSample.mu.data()), logsigma: Array.from(await est.perSample.logsigma.data()) };
      est.dispose();
      return out;
    };
    expect(await values('lr-constant')).toEqual(await values('sf-joint'));
    expect(await values('lr-constant', 'elbo')).toEqual(await values('sf-elbo'));
    expect(await values('sf-joint', 'elbo')).toEqual(await values('sf-elbo'));
    // Combinators weigh their parts by variances in VI's own (mean, log σ) space.
    for (const v of Object.values(await values('tp'))) expect(v.every(Number.isFinite)).toBe(true);
    noise.dispose();
    // The baseline option belongs to the presets.
    expect(() => viGradient({ logJoint: linearLogJoint, mu, sigma, estimator: 'lr-loo', baseline: 2, samples: 4, rng: new Rng(0) })).toThrow(/presets/);
  });

  it('an unknown name lists the registered estimators (plugins included) and the VI presets', async () => {
    const names = [...listEstimators().map((e) => e.name), 'sf-joint', 'sf-elbo'];
    expect(names).toContain('vi-test-antithetic-rp');
    const check = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        expect(error).toBeInstanceOf(UnknownNameError);
        for (const name of names) expect((error as Error).message).toContain(name);
        return;
      }
      throw new Error('expected an UnknownNameError');
    };
    check(() => viGradient({ logJoint: linearLogJoint, mu, sigma, estimator: 'sf', samples: 2, rng: new Rng(0) }));
    check(() => resolveCompared(['rp', 'no-such-estimator']));
    await expect(fitMeanField({ logJoint: linearLogJoint, init: { mu, sigma }, estimator: 'no-such-estimator', steps: 1, rng: new Rng(0) })).rejects.toThrow(UnknownNameError);
    await expect(compareOnModel({ model: linearModel(), data: 'diabetes', estimators: ['rp', 'nope@elbo'], samples: 10, rng: new Rng(0) })).rejects.toThrow(/Unknown estimator 'nope'/);
  });

  it('fitMeanField: the plugin converges to the mean-field optimum; a stateful plugin gets a state holder across steps', async () => {
    const A = [
      [2, 0.6, 0.1],
      [0.6, 1.5, -0.3],
      [0.1, -0.3, 1],
    ];
    const b = [1, -2, 0.5];
    const optimum = meanFieldOptimum(A, b);
    const logJoint = quadraticLogJoint(taylorOfGlobal(A, b, 0, [0, 0, 0]), [0, 0, 0]);
    const before = tf.memory().numTensors;
    const fit = await fitMeanField({ logJoint, init: { mu: [0, 0, 0], sigma: [1, 1, 1] }, estimator: 'vi-test-antithetic-rp', steps: 800, samples: 16, lr: 0.05, rng: new Rng(2) });
    expect(tf.memory().numTensors).toBe(before);
    expect(fit.estimator).toBe('vi-test-antithetic-rp');
    fit.mu.forEach((m, i) => expect(Math.abs(m - optimum.mu[i]!), `mu[${i}]`).toBeLessThan(0.05 * (1 + Math.abs(optimum.mu[i]!))));
    fit.sigma.forEach((s, i) => expect(Math.abs(s - optimum.sigma[i]!), `sigma[${i}]`).toBeLessThan(0.1 * optimum.sigma[i]!));

    const seen: number[] = [];
    const counting: Estimator<any> = defineEstimator({
      name: 'vi-test-counting-rp',
      requires: ['pathwise'],
      unbiased: true,
      initState: () => ({ calls: tf.scalar(0) }),
      gradient: (inputs) => {
        const calls = inputs.state!.calls!;
        seen.push(calls.dataSync()[0]!);
        const { gradX } = inputs.pathwise();
        return { perSample: { mean: gradX, logStd: tf.mul(tf.mul(gradX, inputs.noise), inputs.std()) }, nextState: { calls: tf.add(calls, 1) } };
      },
    });
    await fitMeanField({ logJoint, init: { mu: [0, 0, 0], sigma: [1, 1, 1] }, estimator: counting, steps: 5, samples: 4, rng: new Rng(2) });
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('compareOnModel: the plugin gets its own empirical columns (log σ variance 0 where RP has g²σ²) and predicted null', async () => {
    const before = tf.memory().numTensors;
    const result = await compareOnModel({ model: linearModel(), data: 'diabetes', estimators: ['rp', 'vi-test-antithetic-rp', 'lr'], samples: 2000, rng: new Rng(1), fit: { steps: 5 } });
    expect(tf.memory().numTensors).toBe(before);
    expect(result.reference).toBe('rp');
    expect(result.estimators.map((e) => [e.column, e.designsNoise, e.prediction !== null])).toEqual([
      ['rp', false, true],
      ['vi-test-antithetic-rp', true, false],
      ['lr', false, true],
    ]);
    for (const point of result.points) {
      for (const row of point.rows) {
        expect(row.predicted['vi-test-antithetic-rp']).toBeNull();
        expect(row.predicted.rp).not.toBeNull();
        expect(row.predicted.lr).not.toBeNull();
        if (row.param === 'logsigma') {
          expect(row.empirical['vi-test-antithetic-rp']).toBe(0);
          expect(row.empirical.rp).toBeGreaterThan(0);
          expect(Math.abs(row.empirical.rp! - row.predicted.rp!)).toBeLessThan(5 * row.se.rp!);
        }
      }
      const logsigma = point.summary.find((s) => s.param === 'logsigma' && s.estimator === 'vi-test-antithetic-rp')!;
      expect(logsigma.ratioEmpiricalMean).toBe(0);
      expect(logsigma.ratioPredictedMean).toBeNull();
      expect(point.summary.find((s) => s.param === 'logsigma' && s.estimator === 'lr')!.ratioPredictedMean).toBeGreaterThan(1);
    }
  });
});

/** A Model around the linear log joint (its quadratic approximation is exact: H = 0). */
function linearModel(): Model {
  return {
    name: 'linear',
    dim: 3,
    parameterNames: ['a', 'b', 'c'],
    logJoint: linearLogJoint,
    quadraticAt: (at) => ({ c0: linear.c0 + at.reduce((a, m, i) => a + g[i]! * m, 0), g: [...g], H: zeros.map((r) => [...r]) }),
    init: { mu: [0, 0, 0], sigma: [1, 1, 1] },
    groups: { all: [0, 1, 2] },
  };
}
