// Mohamed, Rosca, Figurnov, Mnih (2020) §3 test functions (docs/algorithms/vi.md §4.1): single-draw variances of the
// score-function (with and without the optimal baseline) and pathwise estimators of
// ∇_θ E_{N(μ,σ²)} f(x; k), θ ∈ {μ, σ}, exactly by quadrature and empirically with the tfjs estimators.
import { ConfigError, tf, type Rng } from '@pathwise/core';
import { estimateGradient, getEstimator, scoreFunction } from '@pathwise/estimators';
import { normalExpectation } from './quadrature.js';

export type MohamedCost = 'square' | 'exp' | 'cos';
export const MOHAMED_COSTS: readonly MohamedCost[] = ['square', 'exp', 'cos'];

interface CostFunctions {
  f: (x: number) => number;
  df: (x: number) => number;
  tf: (x: tf.Tensor) => tf.Tensor;
}

/** (x − k)², exp(−k x²), cos(k x) with derivatives (host) and a batched tfjs version ([N, 1] → [N]). */
export function mohamedCost(cost: MohamedCost, k: number): CostFunctions {
  switch (cost) {
    case 'square':
      return { f: (x) => (x - k) ** 2, df: (x) => 2 * (x - k), tf: (x) => tf.sum(tf.square(tf.sub(x, k)), -1) };
    case 'exp':
      return { f: (x) => Math.exp(-k * x * x), df: (x) => -2 * k * x * Math.exp(-k * x * x), tf: (x) => tf.sum(tf.exp(tf.mul(tf.square(x), -k)), -1) };
    case 'cos':
      return { f: (x) => Math.cos(k * x), df: (x) => -k * Math.sin(k * x), tf: (x) => tf.sum(tf.cos(tf.mul(x, k)), -1) };
    default:
      throw new ConfigError('cost', cost, MOHAMED_COSTS.join(', '));
  }
}

export interface MohamedVariances {
  /** Exact ∇ of E f in (μ, σ). */
  gradient: { mu: number; sigma: number };
  sf: { mu: number; sigma: number };
  sfOptimal: { mu: number; sigma: number };
  pathwise: { mu: number; sigma: number };
  /** The optimal baselines cov(score, f·score)/var(score). */
  baseline: { mu: number; sigma: number };
}

/** Single-draw variances by quadrature (trapezoid on ε ∈ [−12, 12]; the colab integrates on ±10 with scipy quad). */
export function mohamedExact(cost: MohamedCost, k: number, mu = 1, sigma = 1): MohamedVariances {
  const { f, df } = mohamedCost(cost, k);
  const E = (g: (e: number) => number) => normalExpectation(g);
  const x = (e: number) => mu + sigma * e;
  const variance = (g: (e: number) => number) => {
    const m = E(g);
    return { mean: m, variance: E((e) => (g(e) - m) ** 2) };
  };
  const scoreMu = (e: number) => e / sigma;
  const scoreSigma = (e: number) => (e * e - 1) / sigma;
  const bMu = E((e) => f(x(e)) * scoreMu(e) ** 2) / E((e) => scoreMu(e) ** 2);
  const bSigma = E((e) => f(x(e)) * scoreSigma(e) ** 2) / E((e) => scoreSigma(e) ** 2);
  const sfMu = variance((e) => f(x(e)) * scoreMu(e));
  const sfSigma = variance((e) => f(x(e)) * scoreSigma(e));
  return {
    gradient: { mu: sfMu.mean, sigma: sfSigma.mean },
    sf: { mu: sfMu.variance, sigma: sfSigma.variance },
    sfOptimal: { mu: variance((e) => (f(x(e)) - bMu) * scoreMu(e)).variance, sigma: variance((e) => (f(x(e)) - bSigma) * scoreSigma(e)).variance },
    pathwise: { mu: variance((e) => df(x(e))).variance, sigma: variance((e) => df(x(e)) * e).variance },
    baseline: { mu: bMu, sigma: bSigma },
  };
}

export interface MohamedRow {
  cost: MohamedCost;
  k: number;
  param: 'mu' | 'sigma';
  sf: number;
  sf_optimal: number;
  pathwise: number;
  sf_empirical: number;
  sf_se: number;
  sf_optimal_empirical: number;
  sf_optimal_se: number;
  pathwise_empirical: number;
  pathwise_se: number;
  /** Lowest exact variance among the three. */
  best: 'sf' | 'sf_optimal' | 'pathwise';
}

export interface MohamedStudy {
  mu: number;
  sigma: number;
  samples: number;
  rows: MohamedRow[];
  /** Per cost and parameter: the k values (of the grid) where pathwise has a larger exact variance than SF with the optimal baseline. */
  pathwiseLoses: { cost: MohamedCost; param: 'mu' | 'sigma'; ks: number[] }[];
}

/** The default grids (docs/algorithms/vi.md §4.1): (x−k)² on [−3, 3]; exp(−kx²) on k ∈ [0.1, 10] and cos(kx) on [0.5, 5], log-spaced. */
export function mohamedGrid(points = 25): Record<MohamedCost, number[]> {
  const lin = (a: number, b: number) => Array.from({ length: points }, (_, i) => a + ((b - a) * i) / (points - 1));
  const log = (a: number, b: number) => lin(Math.log10(a), Math.log10(b)).map((v) => 10 ** v);
  return { square: lin(-3, 3), exp: log(0.1, 10), cos: log(0.5, 5) };
}

/**
 * Variance vs k for SF, SF + optimal baseline and pathwise, at (μ, σ) = (1, 1) by default: exact by
 * quadrature and empirical from `samples` single draws of the tfjs estimators (σ-gradients from the
 * log σ ones divided by σ; the SF baseline is the exact optimal one, so the estimates stay unbiased).
 */
export async function mohamedStudy(options: { ks?: Partial<Record<MohamedCost, number[]>>; samples?: number; rng: Rng; mu?: number; sigma?: number }): Promise<MohamedStudy> {
  const mu = options.mu ?? 1;
  const sigma = options.sigma ?? 1;
  const samples = options.samples ?? 20000;
  const grid = { ...mohamedGrid(), ...(options.ks ?? {}) };
  const rows: MohamedRow[] = [];
  for (const cost of MOHAMED_COSTS) {
    for (const k of grid[cost]) {
      const exact = mohamedExact(cost, k, mu, sigma);
      const problem = { f: mohamedCost(cost, k).tf, mean: [mu], logStd: [Math.log(sigma)] };
      const rng = options.rng.fork(Math.round(k * 1e6) + MOHAMED_COSTS.indexOf(cost));
      const empirical = async (name: 'sf' | 'sf_optimal' | 'pathwise') => {
        const estimator =
          name === 'pathwise' ? getEstimator('rp') : name === 'sf' ? getEstimator('lr') : scoreFunction('sf-opt', 'constant', { valueMean: [exact.baseline.mu], valueLogStd: [exact.baseline.sigma] });
        // Same ε for the three estimators (common random numbers).
        const est = estimateGradient(estimator, problem, { samples, rng: rng.fork(0) });
        const [m, ls] = await Promise.all([est.perSample.mean.data(), est.perSample.logStd.data()]);
        est.dispose();
        return { mu: moments(m, 1), sigma: moments(ls, 1 / sigma) };
      };
      const e = { sf: await empirical('sf'), sf_optimal: await empirical('sf_optimal'), pathwise: await empirical('pathwise') };
      for (const param of ['mu', 'sigma'] as const) {
        const values = { sf: exact.sf[param], sf_optimal: exact.sfOptimal[param], pathwise: exact.pathwise[param] };
        const best = (Object.entries(values) as [MohamedRow['best'], number][]).reduce((a, b) => (b[1] < a[1] ? b : a))[0];
        rows.push({
          cost,
          k,
          param,
          ...values,
          sf_empirical: e.sf[param].variance,
          sf_se: e.sf[param].se,
          sf_optimal_empirical: e.sf_optimal[param].variance,
          sf_optimal_se: e.sf_optimal[param].se,
          pathwise_empirical: e.pathwise[param].variance,
          pathwise_se: e.pathwise[param].se,
          best,
        });
      }
    }
  }
  const pathwiseLoses = MOHAMED_COSTS.flatMap((cost) =>
    (['mu', 'sigma'] as const).map((param) => ({
      cost,
      param,
      ks: rows.filter((r) => r.cost === cost && r.param === param && r.pathwise > r.sf_optimal).map((r) => r.k),
    })),
  );
  return { mu, sigma, samples, rows, pathwiseLoses };
}

function moments(data: ArrayLike<number>, scale: number): { variance: number; se: number } {
  const n = data.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += (data[i]! * scale) / n;
  let m2 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const dev2 = (data[i]! * scale - mean) ** 2;
    m2 += dev2;
    m4 += dev2 * dev2;
  }
  return { variance: m2 / (n - 1), se: Math.sqrt(Math.max(m4 / n - (m2 / n) ** 2, 0) / n) };
}
