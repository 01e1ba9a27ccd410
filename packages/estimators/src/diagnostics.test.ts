import '@pathwise/backend-cpu';
import { Rng, useBackend, tf } from '@pathwise/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { compareEstimators, gradientDiagnostics } from './diagnostics.js';
import { getEstimator } from './registry.js';
import { quadraticFormObjective, squareObjective } from './objectives.js';

tf.env().set('PROD', true);

describe('diagnostics', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('gradientDiagnostics: mean, variance, trace, SNR, bias and cosine in float64', () => {
    // Three estimates of a 2-d gradient; reference (1, 0).
    const rows = [1, 1, 3, -1, 2, 0];
    const d = gradientDiagnostics(rows, 3, 2, [1, 0]);
    expect(d.mean).toEqual([2, 0]);
    expect(d.variance).toEqual([1, 1]);
    expect(d.trace).toBe(2);
    expect(d.snr).toEqual([2, 0]);
    expect(d.bias).toEqual([1, 0]);
    expect(d.biasZ![0]).toBeCloseTo(Math.sqrt(3), 12);
    expect(d.cosine).toBeCloseTo((1 / Math.SQRT2 + 3 / Math.sqrt(10) + 1) / 3, 12);
    expect(d.cosineOfMean).toBe(1);
    // float64: a tiny variance beside a large mean survives (float32 would round it away).
    const big = gradientDiagnostics([1e8, 1e8 + 1, 1e8 + 2], 3, 1);
    expect(big.variance[0]).toBe(1);
  });

  it('compareEstimators: same budget and draws; RP beats LR on a quadratic; biased rows flagged', async () => {
    const problem = quadraticFormObjective(3);
    const rows = await compareEstimators({
      problem,
      estimators: ['rp', 'lr', 'lr-loo', 'lr-optimal', 'rp'].map(getEstimator),
      samples: [4, 16],
      repeats: 200,
      rng: new Rng(3),
    });
    expect(rows).toHaveLength(10);
    const at = (name: string, s: number) => rows.find((r) => r.estimator === name && r.samples === s)!;
    // Common random numbers: the two rp rows at a given S are identical.
    const rpRows = rows.filter((r) => r.estimator === 'rp' && r.samples === 16);
    expect(rpRows[0]!.mean).toEqual(rpRows[1]!.mean);
    expect(at('rp', 16).trace).toBeLessThan(at('lr-loo', 16).trace);
    expect(at('lr-loo', 16).trace).toBeLessThan(at('lr', 16).trace);
    expect(at('rp', 16).trace).toBeLessThan(at('rp', 4).trace);
    for (const r of rows) {
      expect(r.variance).toHaveLength(6);
      expect(r.cosine).not.toBeNull();
      if (r.unbiased) expect(r.maxBiasZ!).toBeLessThan(5);
    }
    expect(at('rp', 16).cosine!).toBeGreaterThan(at('lr', 16).cosine!);
  });

  it('SNR grows like sqrt(S) for an unbiased estimator', async () => {
    const rows = await compareEstimators({ problem: squareObjective(), estimators: [getEstimator('rp')], samples: [4, 64], repeats: 400, rng: new Rng(9) });
    const ratio = rows[1]!.meanSnr / rows[0]!.meanSnr;
    // sqrt(64/4) = 4; the SNR estimates each have a few percent error at 400 repeats.
    expect(ratio).toBeGreaterThan(3.2);
    expect(ratio).toBeLessThan(4.8);
  });
});
