import '@pathwise/backend-cpu';
import { Rng, useBackend, tf } from '@pathwise/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { compareOnModel, COMPARED } from './compare.js';

tf.env().set('PROD', true);

describe('compareOnModel (Bayesian logistic regression on diabetes, cpu)', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('tables empirical and predicted variances at init and at the VI optimum', async () => {
    const before = tf.memory().numTensors;
    const result = await compareOnModel({ model: 'logreg', data: 'diabetes', samples: 3000, rng: new Rng(1), fit: { steps: 1200 } });
    expect(tf.memory().numTensors).toBe(before);
    expect(result.dim).toBe(11);
    expect(result.points.map((p) => p.point)).toEqual(['init', 'optimum']);
    const [init, optimum] = result.points as [(typeof result.points)[0], (typeof result.points)[0]];
    expect(optimum.elbo).toBeGreaterThan(init.elbo);
    expect(optimum.rows).toHaveLength(22);
    for (const row of optimum.rows) {
      for (const name of COMPARED) {
        expect(row.empirical[name]).toBeGreaterThan(0);
        expect(row.predicted[name]).toBeGreaterThan(0);
      }
      // Near the optimum σ is small beside the curvature scale: the quadratic picture predicts the RP μ
      // variances to a few percent (measured 3-5 % with 4000 draws); 15 % leaves room for 3000-draw noise
      // (~2.6 % SE) and model error. (log σ rows also carry ∇f(μ)², which is sensitive to how far the
      // fit has converged, so they are only reported.)
      if (row.param === 'mu') expect(Math.abs(row.empirical.rp / row.predicted.rp - 1), `${row.param}[${row.index}]`).toBeLessThan(0.15);
      // Theorem C's ordering holds empirically here: SF-joint is worse than RP for every coordinate.
      expect(row.empirical.sf_joint_opt).toBeGreaterThan(row.empirical.rp);
      expect(row.empirical.sf_joint).toBeGreaterThan(1000 * row.empirical.rp); // b = 0 with f(μ) ≈ −220
    }
    // At init (σ = 1) the quadratic picture is poor (the spec's synthetic example: ~2x).
    const initErr = init.summary.find((s) => s.param === 'mu' && s.group === 'weights')!.rpPredictionError;
    expect(initErr).toBeGreaterThan(0.3);
    // The optimal-baseline SF/RP ratio for μ sits near the dimension law d/2 + 1 = 6.5 at the optimum.
    const muRatio = optimum.summary.find((s) => s.param === 'mu' && s.group === 'weights' && s.estimator === 'sf_joint_opt')!;
    expect(muRatio.ratioEmpiricalMean).toBeGreaterThan(4);
    expect(muRatio.ratioEmpiricalMean).toBeLessThan(11);
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });
});

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

describe('compareOnModel on vi.md §3.3 synthetic logistic regression (cpu)', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it("the 'map' point (μ = MAP, σ = 1/√(−diag H)): spec values, dimension-law ratios and their standard errors", async () => {
    const result = await compareOnModel({ model: 'logreg', data: 'synthetic', points: ['map'], samples: 20000, rng: new Rng(2) });
    expect(result.fit).toBeNull(); // no optimum asked for: no fit
    expect(result.dim).toBe(3);
    const [map] = result.points as [(typeof result.points)[0]];
    expect(map.point).toBe('map');
    [-0.61867514, 0.98276053, -0.68461423].forEach((v, i) => expect(map.mu[i]).toBeCloseTo(v, 7));
    [0.1574, 0.22642, 0.22467].forEach((v, i) => expect(Math.abs(map.sigma[i]! / v - 1)).toBeLessThan(5e-4));
    const mu = map.rows.filter((r) => r.param === 'mu');
    // The spec's reference run (N = 400 000): RP μ variances 41.02, 19.91, 19.78 (± 0.09, 0.04, 0.04).
    [41.02, 19.91, 19.78].forEach((v, i) => expect(Math.abs(mu[i]!.empirical.rp - v)).toBeLessThan(5 * Math.hypot(mu[i]!.se.rp, [0.09, 0.04, 0.04][i]!)));
    for (const row of map.rows) {
      expect(row.ratio.rp).toBe(1);
      expect(row.ratioSe.rp).toBeLessThan(1e-12);
      expect(row.ratio.sf_joint_opt).toBeCloseTo(row.empirical.sf_joint_opt / row.empirical.rp, 9);
      // Common draws make SF and RP dependent; the SE is a few percent of the ratio at N = 20 000 (measured up to 5.4 %).
      expect(row.ratioSe.sf_joint_opt).toBeGreaterThan(0);
      expect(row.ratioSe.sf_joint_opt / row.ratio.sf_joint_opt).toBeLessThan(0.1);
    }
    // Near the optimum the optimal-baseline ratios sit at the dimension law d/2 + 1 = 2.5 (μ) and (d + 5)/2 = 4 (log σ),
    // within 5 SE plus the ~3 % by which the quadratic picture misses here (the spec measured 2.53–2.56 and 4.03–4.22).
    for (const [param, law] of [
      ['mu', 2.5],
      ['logsigma', 4],
    ] as const) {
      const g = map.summary.find((s) => s.param === param && s.group === 'weights' && s.estimator === 'sf_joint_opt')!;
      expect(Math.abs(g.ratioEmpiricalMean - law), `${param}: ${g.ratioEmpiricalMean} ± ${g.ratioEmpiricalMeanSe}`).toBeLessThan(5 * g.ratioEmpiricalMeanSe + 0.03 * law);
      expect(g.ratioEmpiricalMaxSe).toBeGreaterThan(0);
      expect(g.rpPredictionErrorSe).toBeGreaterThan(0);
    }
    // 'all' summarises every coordinate: its mean ratio is the mean over bias and weights.
    const all = map.summary.find((s) => s.param === 'mu' && s.group === 'all' && s.estimator === 'sf_joint')!;
    expect(all.coordinates).toBe(3);
    expect(all.ratioEmpiricalMean).toBeCloseTo(mean(mu.map((r) => r.ratio.sf_joint)), 9);
    expect(all.ratioEmpiricalMax).toBe(Math.max(...mu.map((r) => r.ratio.sf_joint)));
  });

  it("refuses 'synthetic' with a model other than logreg, and 'map' without a closed-form Hessian", async () => {
    await expect(compareOnModel({ model: 'bnn', data: 'synthetic', rng: new Rng(1) })).rejects.toThrow(/synthetic/);
    await expect(compareOnModel({ model: 'bnn', data: 'diabetes', points: ['map'], rng: new Rng(1) })).rejects.toThrow(/closed-form Hessian/);
  });
});
