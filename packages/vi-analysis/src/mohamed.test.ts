import '@pathwise/backend-cpu';
import { Rng, useBackend, tf } from '@pathwise/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { mohamedExact, mohamedStudy } from './mohamed.js';
import { rpVariances, sfVariances, optimalBaselines } from './closed-form.js';

tf.env().set('PROD', true);

describe('Mohamed et al. (2020) test functions', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('quadrature reproduces the vi.md §4.1 reference table (μ = σ = 1, single draw)', () => {
    // [cost, k, SF (μ, σ), SF + optimal baseline (μ, σ), pathwise (μ, σ)], printed to 4 significant digits.
    const table: Array<['square' | 'exp' | 'cos', number, number[], number[], number[]]> = [
      ['square', -3, [495, 1546], [134, 664], [4, 72]],
      ['square', 0, [30, 136], [14, 64], [4, 12]],
      ['square', 1, [15, 74], [6, 24], [4, 8]],
      ['exp', 0.1, [0.5635, 0.9354], [0.04047, 0.141], [0.01629, 0.02777]],
      ['exp', 1, [0.1758, 0.1767], [0.07222, 0.1128], [0.2117, 0.1757]],
      ['exp', 10, [0.07694, 0.009035], [0.0602, 0.008739], [0.9416, 0.8921]],
      ['cos', 0.5, [0.4553, 0.7987], [0.1179, 0.4601], [0.03929, 0.08751]],
      ['cos', 2, [0.4411, 0.928], [0.4125, 0.9216], [1.94, 1.943]],
      ['cos', 5, [0.5, 1.0], [0.5, 1.0], [12.5, 12.5]],
    ];
    for (const [cost, k, sf, sfOpt, pathwise] of table) {
      const v = mohamedExact(cost, k);
      const check = (got: number, want: number) => expect(Math.abs(got - want), `${cost} k=${k}: ${got} vs ${want}`).toBeLessThanOrEqual(Math.max(6e-4 * want, 5e-6));
      check(v.sf.mu, sf[0]!);
      check(v.sf.sigma, sf[1]!);
      check(v.sfOptimal.mu, sfOpt[0]!);
      check(v.sfOptimal.sigma, sfOpt[1]!);
      check(v.pathwise.mu, pathwise[0]!);
      check(v.pathwise.sigma, pathwise[1]!);
    }
  });

  it('the square cost equals the §2 closed forms (c0 = (μ−k)², g = 2(μ−k), H = 2) at other (μ, σ)', () => {
    for (const [mu, sigma, k] of [
      [0, 2, 1],
      [2, 0.5, -1],
      [0.3, 0.7, 2.5],
    ] as const) {
      const v = mohamedExact('square', k, mu, sigma);
      const q = { c0: (mu - k) ** 2, g: [2 * (mu - k)], H: [[2]] };
      const rp = rpVariances(q, [sigma]);
      const sf = sfVariances(q, [sigma], 0);
      const sfOpt = sfVariances(q, [sigma], optimalBaselines(q, [sigma]));
      const near = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThan(1e-8 * (1 + b));
      near(v.pathwise.mu, rp.mu[0]!);
      near(v.pathwise.sigma, rp.sigma[0]! - 0); // no entropy term: Mohamed differentiates E f only; variances equal
      near(v.sf.mu, sf.mu[0]!);
      near(v.sf.sigma, sf.sigma[0]!);
      near(v.sfOptimal.mu, sfOpt.mu[0]!);
      near(v.sfOptimal.sigma, sfOpt.sigma[0]!);
    }
  });

  it('empirical variances from the tfjs estimators agree with quadrature within 5 SE; pathwise loses for exp k = 10 and cos k ≥ 2', async () => {
    const study = await mohamedStudy({ ks: { square: [-2, 1], exp: [0.1, 10], cos: [0.5, 2, 5] }, samples: 20000, rng: new Rng(3) });
    expect(study.rows).toHaveLength(14);
    for (const r of study.rows) {
      for (const [exact, emp, se] of [
        [r.sf, r.sf_empirical, r.sf_se],
        [r.sf_optimal, r.sf_optimal_empirical, r.sf_optimal_se],
        [r.pathwise, r.pathwise_empirical, r.pathwise_se],
      ] as const) {
        expect(Math.abs(emp - exact), `${r.cost} k=${r.k} ${r.param}: ${emp} vs ${exact}`).toBeLessThan(5 * se + 1e-9);
      }
    }
    const loses = (cost: string, param: string) => study.pathwiseLoses.find((p) => p.cost === cost && p.param === param)!.ks;
    expect(loses('exp', 'mu')).toEqual([10]);
    expect(loses('cos', 'mu')).toEqual([2, 5]);
    expect(loses('cos', 'sigma')).toEqual([2, 5]);
    expect(loses('square', 'mu')).toEqual([]);
  });
});
