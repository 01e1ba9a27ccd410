import '@pathwise/backend-cpu';
import { useBackend } from '@pathwise/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { biasZ } from '../ui/charts.js';
import { JobControl } from './control.js';
import { runEstimatorJob } from './estimators.js';

describe('the estimator lab job: bias with its standard error', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('E[x²] at μ = 0.5, σ = 0.8, S = 8, R = 300 (the lab defaults): each bias has the SE of its mean; unbiased estimators stay inside |z| < 5, lr-optimal does not', async () => {
    const result = await runEstimatorJob(
      { kind: 'estimators', objective: 'square', mu: 0.5, sigma: 0.8, dim: 1, estimators: ['rp', 'lr', 'lr-loo', 'lr-optimal'], samples: 8, repeats: 300, seed: 1 },
      new JobControl(),
      () => {},
    );
    // Closed form: ∇_μ E[x²] = 2μ, ∇_logσ E[x²] = 2σ².
    expect(result.exact[0]).toBeCloseTo(1, 6);
    expect(result.exact[1]).toBeCloseTo(1.28, 6);
    for (const row of result.rows) {
      expect(row.biasSe).toHaveLength(2);
      row.biasSe.forEach((se, j) => {
        // SE = sd of the R estimates / √R (float64, from the estimates the histograms show).
        const values = row.estimates[j]!;
        const mean = values.reduce((a, b) => a + b, 0) / values.length;
        const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1));
        expect(se).toBeCloseTo(sd / Math.sqrt(300), 6);
        expect(row.bias[j]).toBeCloseTo(mean - result.exact[j]!, 6);
        // The baseline of lr-optimal comes from the same S draws: biased (registered so).
        if (row.unbiased) expect(Math.abs(biasZ(row.bias[j]!, se)), `${row.name} coordinate ${j}`).toBeLessThan(5);
      });
    }
    // The numbers: relative bias 0.03 for RP (noise) and 0.42 for lr-optimal (bias). Only the z-scores tell them apart:
    // RP's are 1.3 and 0.7, lr-optimal's −7.1 and −12.8.
    const rp = result.rows.find((r) => r.name === 'rp')!;
    const optimal = result.rows.find((r) => r.name === 'lr-optimal')!;
    expect(rp.relativeBias).toBeCloseTo(0.033, 3);
    expect(optimal.relativeBias).toBeCloseTo(0.424, 3);
    expect(optimal.unbiased).toBe(false);
    expect(Math.max(...optimal.bias.map((b, j) => Math.abs(biasZ(b, optimal.biasSe[j]!))))).toBeGreaterThan(5);
  });
});
