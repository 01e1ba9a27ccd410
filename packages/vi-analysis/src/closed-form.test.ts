// One file: every closed form is checked against the same quadrature and Monte Carlo helpers.
import { ConfigError, Rng } from '@pathwise/core';
import { describe, expect, it } from 'vitest';
import {
  closedFormReport,
  dimensionLaw,
  exactGradients,
  meanFieldOptimum,
  optimalBaselines,
  quadraticControlVariateVariances,
  rpCovariance,
  rpVariances,
  sfVariances,
  taylorOfGlobal,
  type Quadratic,
} from './closed-form.js';
import { gaussHermiteGrid, weightedMoments } from './quadrature.js';

const LOG_2PI = Math.log(2 * Math.PI);

/** Relative agreement to `digits` significant digits (for golden numbers printed with that many). */
function expectDigits(actual: number[], expected: number[], rtol: number): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((a, i) => expect(Math.abs(a - expected[i]!), `index ${i}: ${a} vs ${expected[i]}`).toBeLessThanOrEqual(rtol * Math.abs(expected[i]!) + 1e-12));
}

// vi.md §5.13 golden instance.
const golden: Quadratic = {
  c0: -10,
  g: [0.3, -0.2],
  H: [
    [-2, 0.5],
    [0.5, -1],
  ],
};
const goldenSigma = [0.5, 0.8];

describe('closed forms: golden values (docs/algorithms/vi.md §5.13, §2.8, §5.14, §4.1)', () => {
  it('§5.13 RP, SF-joint (b = 0, −10, optimal), SF-elbo (b = 0) and exact gradients', () => {
    const rp = rpVariances(golden, goldenSigma);
    expectDigits(rp.mu, [1.16, 0.7025], 1e-12);
    expectDigits(rp.sigma, [2.25, 1.3825], 1e-12);
    const sf0 = sfVariances(golden, goldenSigma, 0);
    expectDigits(sf0.mu, [493.2612, 197.808125], 1e-12);
    expectDigits(sf0.sigma, [1081.2624, 444.14625], 1e-12);
    const sf10 = sfVariances(golden, goldenSigma, -10);
    expectDigits(sf10.mu, [7.6612, 3.745625], 1e-12);
    expectDigits(sf10.sigma, [30.0624, 16.02125], 1e-12);
    const b = optimalBaselines(golden, goldenSigma);
    expectDigits(b.mu, [-11.07, -11.21], 1e-12);
    expectDigits(b.sigma, [-11.57, -11.85], 1e-12);
    const sfOpt = sfVariances(golden, goldenSigma, b);
    expectDigits(sfOpt.mu, [3.0816, 1.45796875], 1e-12);
    expectDigits(sfOpt.sigma, [10.3432, 5.3259375], 1e-12);
    const elbo = sfVariances(golden, goldenSigma, 0, 'elbo');
    expectDigits(elbo.mu, [268.108181, 108.142033], 5e-9);
    expectDigits(elbo.sigma, [477.209053, 199.137635], 5e-9);
    const exact = exactGradients(golden, goldenSigma);
    expectDigits(exact.mu, [0.3, -0.2], 1e-15);
    expectDigits(exact.sigmaExpectation, [-1.0, -0.8], 1e-15);
    expectDigits(exact.sigmaElbo, [1.0, 0.45], 1e-15);
    // c0 of h: −10 + log 0.5 + log 0.8 + log 2π = −9.0784137
    expect(-10 + Math.log(0.5) + Math.log(0.8) + LOG_2PI).toBeCloseTo(-9.0784137, 7);
  });

  it('closedFormReport returns exactly the CLI shape with the golden numbers', () => {
    const report = closedFormReport({ mu: [0, 0], sigma: goldenSigma, grad: golden.g, hessian: golden.H, c0: -10, baseline: 'optimal' });
    expect(Object.keys(report)).toEqual(['rp', 'sf_joint', 'sf_elbo', 'exact_gradient']);
    expect(Object.keys(report.rp)).toEqual(['mu', 'sigma', 'logsigma']);
    expect(Object.keys(report.sf_joint)).toEqual(['mu', 'sigma', 'logsigma', 'baseline_mu', 'baseline_sigma']);
    expect(Object.keys(report.sf_elbo)).toEqual(['mu', 'sigma', 'logsigma', 'baseline_mu', 'baseline_sigma']);
    expect(Object.keys(report.exact_gradient)).toEqual(['mu', 'sigma_expectation', 'sigma_elbo', 'logsigma']);
    expectDigits(report.sf_joint.mu, [3.0816, 1.45796875], 1e-12);
    expectDigits(report.sf_joint.baseline_sigma, [-11.57, -11.85], 1e-12);
    expectDigits(report.rp.logsigma, [2.25 * 0.25, 1.3825 * 0.64], 1e-12);
    expectDigits(report.exact_gradient.logsigma, [0.5, 0.36], 1e-12); // H_ii σ² + 1
    // The SF-elbo optimal baseline for the §2.8 counterexample is h itself: zero variance.
    const zero = closedFormReport({
      mu: [0, 0],
      sigma: [0.5, 2],
      grad: [0, 0],
      hessian: [
        [-4, 0],
        [0, -0.25],
      ],
      c0: 0,
      baseline: 'optimal',
    });
    expect(zero.sf_elbo.mu.every((v) => Math.abs(v) < 1e-12)).toBe(true);
    // Numeric baselines apply to f (joint) and to h (elbo); samples divides.
    const numeric = closedFormReport({ mu: [0, 0], sigma: goldenSigma, grad: golden.g, hessian: golden.H, c0: -10, baseline: -10, samples: 10 });
    expectDigits(numeric.sf_joint.mu, [0.76612, 0.3745625], 1e-12);
    expect(numeric.sf_elbo.baseline_mu).toEqual([-10, -10]);
    const none = closedFormReport({ mu: [0, 0], sigma: goldenSigma, grad: golden.g, hessian: golden.H, c0: -10 });
    expectDigits(none.sf_elbo.mu, [268.108181, 108.142033], 5e-9);
    expect(() => closedFormReport({ mu: [0], sigma: [1, 2], grad: [0], hessian: [[1]] })).toThrow(ConfigError);
    expect(() =>
      closedFormReport({
        mu: [0, 0],
        sigma: [1, 1],
        grad: [0, 0],
        hessian: [
          [1, 2],
          [0, 1],
        ],
      }),
    ).toThrow(/symmetric/);
    expect(() => closedFormReport({ mu: [0], sigma: [-1], grad: [0], hessian: [[1]] })).toThrow(/positive/);
  });

  it('§2.8 SF-elbo counterexample: diagonal Gaussian target at its optimum', () => {
    const s = [0.5, 2];
    const q: Quadratic = {
      c0: 0,
      g: [0, 0],
      H: [
        [-4, 0],
        [0, -0.25],
      ],
    };
    const rp = rpVariances(q, s);
    expectDigits(rp.mu, [4, 0.25], 1e-12);
    expectDigits(rp.sigma, [8, 0.5], 1e-12);
    // h = f − log q is the constant Σ log s + log 2π = 1.837877 here.
    const h = Math.log(0.5) + Math.log(2) + LOG_2PI;
    expect(h).toBeCloseTo(1.837877, 6);
    const atH = sfVariances(q, s, h, 'elbo');
    expect(Math.max(...atH.mu, ...atH.sigma)).toBeLessThan(1e-24);
    const at0 = sfVariances(q, s, 0, 'elbo');
    expectDigits(at0.mu, [13.51, 0.844], 1e-3);
    expectDigits(at0.sigma, [27.02, 1.689], 1e-3);
  });

  it('§5.14 / §4.1 square cost (x − k)²: closed forms reproduce the Mohamed et al. values', () => {
    const square = (mu: number, sigma: number, k: number) => ({ q: { c0: (mu - k) ** 2, g: [2 * (mu - k)], H: [[2]] }, s: [sigma] });
    const cases: Array<[number, number, number, number[], number[], number[]?]> = [
      // (μ, σ, k), RP (μ, σ), SF (μ, σ), SF* (μ, σ)
      [1, 1, 0, [4, 12], [30, 136], [14, 64]],
      [0, 2, 1, [16, 36], [74.25, 356.5]],
      [2, 0.5, -1, [1, 38], [453.75, 1206.5]],
      [1, 1, -3, [4, 72], [495, 1546], [134, 664]],
      [1, 1, 1, [4, 8], [15, 74], [6, 24]],
    ];
    for (const [mu, sigma, k, rp, sf, sfOpt] of cases) {
      const { q, s } = square(mu, sigma, k);
      const r = rpVariances(q, s);
      expectDigits([r.mu[0]!, r.sigma[0]!], rp, 1e-12);
      // Mohamed's estimator is SF on E f with σ as the parameter and no entropy: the same variances.
      const v = sfVariances(q, s, 0);
      expectDigits([v.mu[0]!, v.sigma[0]!], sf, 1e-12);
      if (sfOpt) {
        const o = sfVariances(q, s, optimalBaselines(q, s));
        expectDigits([o.mu[0]!, o.sigma[0]!], sfOpt, 1e-12);
      }
    }
  });
});

function randomQuadratic(rng: Rng, d: number, options: { indefinite?: boolean } = {}): { q: Quadratic; sigma: number[]; mu: number[] } {
  const H = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      const v = i === j ? (options.indefinite ? rng.normal() * 2 : -0.5 - 2 * rng.uniform()) : 0.5 * rng.normal();
      H[i]![j] = v;
      H[j]![i] = v;
    }
  }
  return {
    q: { c0: 3 * rng.normal(), g: Array.from({ length: d }, () => rng.normal()), H },
    sigma: Array.from({ length: d }, () => 0.3 + rng.uniform()),
    mu: Array.from({ length: d }, () => rng.normal()),
  };
}

/** Per-draw estimators in float64, computed from f, ∇f and log q at θ = μ + σε (independently of the closed forms). */
function perDraw(q: Quadratic, mu: number[], sigma: number[], eps: number[], b: { mu: number[]; sigma: number[] }) {
  const d = mu.length;
  const diff = eps.map((e, i) => sigma[i]! * e);
  const Hdiff = diff.map((_, i) => diff.reduce((a, x, j) => a + q.H[i]![j]! * x, 0));
  const f = q.c0 + diff.reduce((a, x, i) => a + q.g[i]! * x, 0) + 0.5 * diff.reduce((a, x, i) => a + x * Hdiff[i]!, 0);
  const grad = Hdiff.map((v, i) => q.g[i]! + v);
  let logq = -(d / 2) * LOG_2PI;
  for (let i = 0; i < d; i++) logq += -Math.log(sigma[i]!) - 0.5 * eps[i]! ** 2;
  const h = f - logq;
  const rows = {
    f: [f],
    h: [h],
    rpMu: [] as number[],
    rpSigma: [] as number[],
    sfMu: [] as number[],
    sfSigma: [] as number[],
    elboMu: [] as number[],
    elboSigma: [] as number[],
    deltaMu: [] as number[],
    lrMu: [] as number[],
    lrSigma: [] as number[],
  };
  for (let i = 0; i < d; i++) {
    const e = eps[i]!;
    const s = sigma[i]!;
    rows.rpMu.push(grad[i]!);
    rows.rpSigma.push(e * grad[i]! + 1 / s);
    rows.sfMu.push(((f - b.mu[i]!) * e) / s);
    rows.sfSigma.push(((f - b.sigma[i]!) * (e * e - 1)) / s + 1 / s);
    rows.elboMu.push(((h - b.mu[i]!) * e) / s);
    rows.elboSigma.push(((h - b.sigma[i]!) * (e * e - 1)) / s);
    // §2.9: delta-method SF (f − f̃ ≡ 0) plus E[f̃ score] = g; RP with the linear-response CV.
    rows.deltaMu.push(0 * e + q.g[i]!);
    rows.lrMu.push(grad[i]! - Hdiff[i]!);
    rows.lrSigma.push(e * (grad[i]! - Hdiff[i]!) + q.H[i]![i]! * s + 1 / s);
  }
  return rows;
}

describe('closed forms against exact Gauss–Hermite quadrature (docs/algorithms/vi.md §5.1, d ≤ 3)', () => {
  const rng = new Rng(2024);
  for (let trial = 0; trial < 9; trial++) {
    const d = 1 + (trial % 3);
    it(`random instance ${trial} (d = ${d}): means and variances of every estimator to 1e-9`, () => {
      const { q, sigma, mu } = randomQuadratic(rng, d, { indefinite: trial % 2 === 1 });
      const b = { mu: Array.from({ length: d }, () => 5 * rng.normal()), sigma: Array.from({ length: d }, () => 5 * rng.normal()) };
      const { points, weights } = gaussHermiteGrid(d);
      const draws = points.map((eps) => perDraw(q, mu, sigma, eps, b));
      const col = (key: keyof ReturnType<typeof perDraw>, i: number) =>
        weightedMoments(
          draws.map((r) => r[key][i]!),
          weights,
        );
      const rp = rpVariances(q, sigma);
      const sf = sfVariances(q, sigma, b);
      const elbo = sfVariances(q, sigma, b, 'elbo');
      const exact = exactGradients(q, sigma);
      const cv = quadraticControlVariateVariances(q, sigma);
      const close = (a: number, e: number) => expect(Math.abs(a - e)).toBeLessThanOrEqual(1e-9 * (1 + Math.abs(e)));
      for (let i = 0; i < d; i++) {
        for (const key of ['rpMu', 'sfMu', 'elboMu', 'deltaMu', 'lrMu'] as const) close(col(key, i).mean, exact.mu[i]!);
        for (const key of ['rpSigma', 'sfSigma', 'elboSigma', 'lrSigma'] as const) close(col(key, i).mean, exact.sigmaElbo[i]!);
        close(col('rpMu', i).variance, rp.mu[i]!);
        close(col('rpSigma', i).variance, rp.sigma[i]!);
        close(col('sfMu', i).variance, sf.mu[i]!);
        close(col('sfSigma', i).variance, sf.sigma[i]!);
        close(col('elboMu', i).variance, elbo.mu[i]!);
        close(col('elboSigma', i).variance, elbo.sigma[i]!);
        close(col('deltaMu', i).variance, cv.sfDelta.mu[i]!);
        close(col('lrMu', i).variance, cv.rpLinearResponse.mu[i]!);
        close(col('lrSigma', i).variance, cv.rpLinearResponse.sigma[i]!);
      }
      // §2.3 full RP covariance.
      const cov = rpCovariance(q, sigma);
      const cross = (a: number[], bb: number[]) => {
        const ma = a.reduce((s, v, k) => s + weights[k]! * v, 0);
        const mb = bb.reduce((s, v, k) => s + weights[k]! * v, 0);
        return a.reduce((s, v, k) => s + weights[k]! * (v - ma) * (bb[k]! - mb), 0);
      };
      for (let i = 0; i < d; i++) {
        for (let k = 0; k < d; k++) {
          const mi = draws.map((r) => r.rpMu[i]!);
          const mk = draws.map((r) => r.rpMu[k]!);
          const si = draws.map((r) => r.rpSigma[i]!);
          const sk = draws.map((r) => r.rpSigma[k]!);
          close(cross(mi, mk), cov.muMu[i]![k]!);
          close(cross(mi, sk), cov.muSigma[i]![k]!);
          close(cross(si, sk), cov.sigmaSigma[i]![k]!);
        }
      }
    });
  }
});

describe('closed forms: structural invariants (docs/algorithms/vi.md §5.4–§5.9)', () => {
  const rng = new Rng(77);

  it('Theorem C: SF-joint ≥ RP for every component, baseline and instance, indefinite H included', () => {
    for (let trial = 0; trial < 300; trial++) {
      const d = 1 + rng.int(10);
      const { q, sigma } = randomQuadratic(rng, d, { indefinite: trial % 2 === 0 });
      const rp = rpVariances(q, sigma);
      const b = { mu: Array.from({ length: d }, () => 20 * rng.normal()), sigma: Array.from({ length: d }, () => 20 * rng.normal()) };
      for (const baseline of [b, optimalBaselines(q, sigma)]) {
        const sf = sfVariances(q, sigma, baseline);
        for (let i = 0; i < d; i++) {
          expect(sf.mu[i]!).toBeGreaterThanOrEqual(rp.mu[i]!);
          expect(sf.sigma[i]!).toBeGreaterThanOrEqual(rp.sigma[i]!);
        }
      }
    }
  });

  it('optimal baselines minimise the SF variance parabola, and equal Cov(f s, s)/Var(s) by quadrature', () => {
    const { q, sigma, mu } = randomQuadratic(rng, 2);
    for (const variant of ['joint', 'elbo'] as const) {
      const best = optimalBaselines(q, sigma, variant);
      const at = sfVariances(q, sigma, best, variant);
      for (const delta of [-0.1, 0.1]) {
        const off = sfVariances(q, sigma, { mu: best.mu.map((v) => v + delta), sigma: best.sigma.map((v) => v + delta) }, variant);
        for (let i = 0; i < 2; i++) {
          expect(off.mu[i]!).toBeGreaterThan(at.mu[i]!);
          expect(off.sigma[i]!).toBeGreaterThan(at.sigma[i]!);
        }
      }
      // Cov(f·s, s)/Var(s) = E[f s²]/E[s²] with s = ε (μ) or ε² − 1 (σ), exactly by quadrature.
      const { points, weights } = gaussHermiteGrid(2);
      for (let i = 0; i < 2; i++) {
        let num = [0, 0];
        let den = [0, 0];
        points.forEach((eps, k) => {
          const rows = perDraw(q, mu, sigma, eps, { mu: [0, 0], sigma: [0, 0] });
          const value = variant === 'joint' ? rows.f[0]! : rows.h[0]!;
          const s = [eps[i]!, eps[i]! ** 2 - 1];
          num = num.map((v, j) => v + weights[k]! * value * s[j]! ** 2);
          den = den.map((v, j) => v + weights[k]! * s[j]! ** 2);
        });
        expect(Math.abs(num[0]! / den[0]! - best.mu[i]!)).toBeLessThan(1e-8 * (1 + Math.abs(best.mu[i]!)));
        expect(Math.abs(num[1]! / den[1]! - best.sigma[i]!)).toBeLessThan(1e-8 * (1 + Math.abs(best.sigma[i]!)));
      }
    }
  });

  it('shift invariance, 1/S scaling and the σ ↔ log σ parameterisation', () => {
    const { q, sigma } = randomQuadratic(rng, 4);
    const shifted = { ...q, c0: q.c0 + 7.5 };
    expect(rpVariances(shifted, sigma)).toEqual(rpVariances(q, sigma));
    const a = sfVariances(q, sigma, 1.25);
    const b = sfVariances(shifted, sigma, 1.25 + 7.5);
    a.mu.forEach((v, i) => expect(Math.abs(v - b.mu[i]!)).toBeLessThan(1e-9 * v));
    for (const S of [1, 10, 100]) {
      const v = sfVariances(q, sigma, 0, 'elbo', S);
      const one = sfVariances(q, sigma, 0, 'elbo');
      v.sigma.forEach((x, i) => expect(Math.abs(x - one.sigma[i]! / S)).toBeLessThan(1e-12 * one.sigma[i]!));
      const r = rpVariances(q, sigma, S);
      r.mu.forEach((x, i) => expect(Math.abs(x - rpVariances(q, sigma).mu[i]! / S)).toBeLessThan(1e-12 * x));
    }
    const rp = rpVariances(q, sigma);
    const sf = sfVariances(q, sigma, 0);
    for (let i = 0; i < 4; i++) {
      expect(rp.logsigma[i]!).toBeCloseTo(sigma[i]! ** 2 * rp.sigma[i]!, 10);
      expect(sf.logsigma[i]! / rp.logsigma[i]!).toBeCloseTo(sf.sigma[i]! / rp.sigma[i]!, 10);
    }
  });

  it('§2.6 dimension law at the mean-field optimum of diagonal targets, d = 1..10', () => {
    for (let d = 1; d <= 10; d++) {
      const A = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? 0.5 + i : 0)));
      const bVec = Array.from({ length: d }, (_, i) => i - 2);
      const opt = meanFieldOptimum(A, bVec);
      const q = taylorOfGlobal(A, bVec, -3, opt.mu);
      Array.from(q.g).forEach((g) => expect(Math.abs(g)).toBeLessThan(1e-12));
      exactGradients(q, opt.sigma).sigmaElbo.forEach((v) => expect(Math.abs(v)).toBeLessThan(1e-12));
      const rp = rpVariances(q, opt.sigma);
      const sf = sfVariances(q, opt.sigma, optimalBaselines(q, opt.sigma));
      const law = dimensionLaw(d);
      for (let i = 0; i < d; i++) {
        expect(sf.mu[i]! / rp.mu[i]!).toBeCloseTo(law.mu, 10);
        expect(sf.sigma[i]! / rp.sigma[i]!).toBeCloseTo(law.sigma, 10);
      }
    }
  });

  it('mean-field optimum of a correlated target: μ* = A⁻¹b, σ*² = 1/A_jj, ELBO gradient 0', () => {
    const A = [
      [2, 0.6, 0.1],
      [0.6, 1.5, -0.3],
      [0.1, -0.3, 1],
    ];
    const bVec = [1, -2, 0.5];
    const opt = meanFieldOptimum(A, bVec);
    const q = taylorOfGlobal(A, bVec, 0, opt.mu);
    Array.from(q.g).forEach((g) => expect(Math.abs(g)).toBeLessThan(1e-12));
    exactGradients(q, opt.sigma).sigmaElbo.forEach((v) => expect(Math.abs(v)).toBeLessThan(1e-12));
  });
});
