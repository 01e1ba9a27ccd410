import '@pathwise/backend-cpu';
import { Rng, useBackend, tf } from '@pathwise/core';
import { estimateGradient } from './estimate.js';
import { getEstimator } from './registry.js';
import { quadraticFormObjective } from './objectives.js';
import { expectClose, values } from './test-helpers.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { defineEstimator } from './define.js';
import { assertConformance, conformanceTest, ConformanceError, testEstimator } from './conformance.js';
import { estimatorBrowserSuite } from './estimators.browser-suite.js';

tf.env().set('PROD', true);

/** A score-function plugin written as a surrogate: the README's worked example. */
const lrLooSurrogate = defineEstimator({
  name: 'my-lr-loo',
  requires: ['logProb'],
  unbiased: true,
  surrogate: ({ values, logProb, samples }) => {
    const f = values();
    const advantage = tf.mul(tf.sub(f, tf.mean(f, 1, true)), samples / (samples - 1));
    return tf.mul(advantage, logProb());
  },
});

describe('conformance kit', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('passes a correct surrogate plugin (README example), in one line', conformanceTest(lrLooSurrogate));

  it('the surrogate plugin reproduces the built-in lr-loo on the same draws', async () => {
    const problem = quadraticFormObjective(3);
    const a = estimateGradient(lrLooSurrogate, problem, { samples: 8, repeats: 3, rng: new Rng(4) });
    const b = estimateGradient(getEstimator('lr-loo'), problem, { samples: 8, repeats: 3, rng: new Rng(4) });
    expectClose(await values(a.perSample.mean), await values(b.perSample.mean), 1e-4, 1e-5);
    expectClose(await values(a.perSample.logStd), await values(b.perSample.logStd), 1e-4, 1e-5);
    a.dispose();
    b.dispose();
  });

  it('fails an estimator that is 15% off and claims to be unbiased, naming the check', async () => {
    const scaled = defineEstimator({
      name: 'rp-times-1.15',
      requires: ['pathwise'],
      unbiased: true,
      gradient: (inputs) => {
        const { gradX } = inputs.pathwise();
        return { mean: tf.mul(gradX, 1.15), logStd: tf.mul(gradX, tf.mul(inputs.std(), tf.mul(inputs.noise, 1.15))) };
      },
    });
    const report = await testEstimator(scaled);
    expect(report.passed).toBe(false);
    expect(report.checks.filter((c) => !c.passed).map((c) => c.name)).toContain('unbiased:exp@S=64');
    expect(() => assertConformance(report)).toThrow(ConformanceError);
    expect(() => assertConformance(report)).toThrow(/rp-times-1.15' failed .* conformance checks on cpu:\n {2}- unbiased:/);
  });

  it('fails an estimator that leaks a tensor per call or ignores the seed', async () => {
    const leaky = defineEstimator({
      name: 'leaky',
      requires: ['pathwise'],
      unbiased: true,
      gradient: (inputs) => {
        tf.keep(tf.zeros([1]));
        const { gradX } = inputs.pathwise();
        return { mean: gradX, logStd: tf.mul(gradX, tf.mul(inputs.std(), inputs.noise)) };
      },
    });
    const report = await testEstimator(leaky, { repeats: 50 });
    expect(report.checks.find((c) => c.name === 'no-leaks')!.passed).toBe(false);

    const unseeded = defineEstimator({
      name: 'unseeded',
      requires: ['pathwise'],
      unbiased: true,
      gradient: (inputs) => {
        const { gradX } = inputs.pathwise();
        const jitter = tf.randomNormal(gradX.shape, 0, 1e-3); // hidden global randomness
        return { mean: tf.add(gradX, jitter), logStd: tf.mul(gradX, tf.mul(inputs.std(), inputs.noise)) };
      },
    });
    const report2 = await testEstimator(unseeded, { repeats: 50 });
    expect(report2.checks.find((c) => c.name === 'determinism')!.passed).toBe(false);
  });

  it('fails a biased estimator whose bias does not shrink with S', async () => {
    const shifted = defineEstimator({
      name: 'rp-plus-0.3',
      requires: ['pathwise'],
      unbiased: false,
      biasBound: 2,
      gradient: (inputs) => {
        const { gradX } = inputs.pathwise();
        return { mean: tf.add(gradX, 0.3), logStd: tf.mul(gradX, tf.mul(inputs.std(), inputs.noise)) };
      },
    });
    const report = await testEstimator(shifted);
    expect(report.checks.filter((c) => !c.passed).map((c) => c.name)).toContain('bias-bound:square@S=64');
  });

  it('browser suite runs the kit for RP and LR (here on cpu)', async () => {
    const reports = await estimatorBrowserSuite({ repeats: 200 });
    expect(reports.map((r) => r.estimator)).toEqual(['rp', 'lr']);
    for (const r of reports) expect(r.checks.filter((c) => !c.passed)).toEqual([]);
  });
});
