// Empirical RP vs SF gradient variances on a model, with the quadratic-approximation prediction
// beside each (docs/algorithms/vi.md §3.2), at the initial point and at the VI optimum.
import { ConfigError, type Rng } from '@pathwise/core';
import { rpVariances, sfVariances, type ComponentVariances, type Quadratic } from './closed-form.js';
import { classificationData, regressionData, type Dataset } from './datasets.js';
import { fitMeanField, estimateElbo, type FitResult } from './fit.js';
import { bayesianNeuralNetwork, logisticRegression, quadraticApproximation, type Model } from './models.js';
import { columnMoments, estimateOptimalBaselines, viGradientDraws, type ViEstimator } from './vi-gradients.js';

/** The estimators compared: RP, SF-joint and SF-elbo, each SF without (b = 0) and with the optimal baseline. */
export const COMPARED = ['rp', 'sf_joint', 'sf_joint_opt', 'sf_elbo', 'sf_elbo_opt'] as const;
export type ComparedEstimator = (typeof COMPARED)[number];

/** One coordinate of one parameter block: empirical single-draw variance (± SE) and the prediction. */
export interface CoordinateRow {
  param: 'mu' | 'logsigma';
  index: number;
  name: string;
  group: string;
  empirical: Record<ComparedEstimator, number>;
  se: Record<ComparedEstimator, number>;
  predicted: Record<ComparedEstimator, number>;
}

/** Ratios Var_SF / Var_RP over a coordinate group. */
export interface GroupSummary {
  param: 'mu' | 'logsigma';
  group: string;
  coordinates: number;
  estimator: Exclude<ComparedEstimator, 'rp'>;
  ratioEmpiricalMean: number;
  ratioEmpiricalMin: number;
  ratioEmpiricalMax: number;
  ratioPredictedMean: number;
  /** Mean over the group of |empirical − predicted| / predicted for RP: how good the quadratic picture is. */
  rpPredictionError: number;
}

export interface PointComparison {
  point: 'init' | 'optimum';
  mu: number[];
  sigma: number[];
  elbo: number;
  quadratic: { c0: number; gradNorm: number };
  /** Baselines used by the *_opt rows (estimated from independent pilot draws). */
  baselines: { joint: { mu: number[]; sigma: number[] }; elbo: { mu: number[]; sigma: number[] } };
  rows: CoordinateRow[];
  summary: GroupSummary[];
}

export interface ModelComparison {
  model: string;
  data: string;
  dim: number;
  draws: number;
  fit: Omit<FitResult, 'mu' | 'sigma'>;
  points: PointComparison[];
}

export interface CompareOptions {
  /** 'logreg' (Bayesian logistic regression) or 'bnn' (Bayesian neural network regression), or a Model. */
  model: 'logreg' | 'bnn' | Model;
  /** A shipped data set name ('breast-cancer', 'diabetes') or a prepared Dataset. */
  data: string | Dataset;
  /** Single-draw estimates per estimator and point (default 20000). */
  samples?: number;
  rng: Rng;
  /** Draws for the pilot estimate of the optimal baselines (default samples / 4). */
  pilotSamples?: number;
  /** VI fit settings (RP + Adam). */
  fit?: { steps?: number; samples?: number; lr?: number };
  onProgress?: (stage: string) => void;
}

/** Builds the named model on the named data set. */
export function resolveModel(model: CompareOptions['model'], data: string | Dataset): { model: Model; data: Dataset } {
  if (typeof model !== 'string') return { model, data: typeof data === 'string' ? classificationData(data) : data };
  if (model === 'logreg') {
    const dataset = typeof data === 'string' ? classificationData(data) : data;
    return { model: logisticRegression(dataset), data: dataset };
  }
  if (model === 'bnn') {
    const dataset = typeof data === 'string' ? regressionData(data) : data;
    return { model: bayesianNeuralNetwork(dataset), data: dataset };
  }
  throw new ConfigError('model', model, "'logreg', 'bnn' or a Model");
}

/**
 * Fits the VI posterior with RP + Adam, then at the initial point and at the optimum draws
 * `samples` single-draw estimates per estimator and tabulates per-coordinate variances with the
 * quadratic-approximation prediction (closed forms of vi.md §2 at (f(μ), ∇f(μ), ∇²f(μ))).
 */
export async function compareOnModel(options: CompareOptions): Promise<ModelComparison> {
  const { model, data } = resolveModel(options.model, options.data);
  const samples = options.samples ?? 20000;
  const pilot = options.pilotSamples ?? Math.max(1000, Math.floor(samples / 4));
  const rng = options.rng;
  options.onProgress?.('fit');
  const fit = await fitMeanField({
    logJoint: model.logJoint,
    init: model.init,
    estimator: 'rp',
    steps: options.fit?.steps ?? 2000,
    samples: options.fit?.samples ?? 16,
    lr: options.fit?.lr ?? 0.05,
    rng: rng.fork(1),
  });
  const points: PointComparison[] = [];
  for (const [label, at] of [
    ['init', model.init],
    ['optimum', { mu: fit.mu, sigma: fit.sigma }],
  ] as const) {
    options.onProgress?.(label);
    points.push(await comparePoint(model, label, at.mu, at.sigma, samples, pilot, rng.fork(label === 'init' ? 2 : 3)));
  }
  const { mu: _mu, sigma: _sigma, ...fitInfo } = fit;
  return { model: model.name, data: data.name, dim: model.dim, draws: samples, fit: fitInfo, points };
}

async function comparePoint(model: Model, point: 'init' | 'optimum', mu: number[], sigma: number[], samples: number, pilot: number, rng: Rng): Promise<PointComparison> {
  const q: Quadratic = model.quadraticAt ? model.quadraticAt(mu) : await quadraticApproximation(model.logJoint, mu);
  const logJoint = model.logJoint;
  const joint = await estimateOptimalBaselines({ logJoint, mu, sigma, variant: 'joint', draws: pilot, rng: rng.fork(10) });
  const elbo = await estimateOptimalBaselines({ logJoint, mu, sigma, variant: 'elbo', draws: pilot, rng: rng.fork(11) });
  const settings: Record<ComparedEstimator, { estimator: ViEstimator; baseline: number | { mu: number[]; sigma: number[] }; predicted: ComponentVariances }> = {
    rp: { estimator: 'rp', baseline: 0, predicted: rpVariances(q, sigma) },
    sf_joint: { estimator: 'sf-joint', baseline: 0, predicted: sfVariances(q, sigma, 0) },
    sf_joint_opt: { estimator: 'sf-joint', baseline: joint, predicted: sfVariances(q, sigma, joint) },
    sf_elbo: { estimator: 'sf-elbo', baseline: 0, predicted: sfVariances(q, sigma, 0, 'elbo') },
    sf_elbo_opt: { estimator: 'sf-elbo', baseline: elbo, predicted: sfVariances(q, sigma, elbo, 'elbo') },
  };
  const d = mu.length;
  const empirical = {} as Record<ComparedEstimator, Record<'mu' | 'logsigma', { variance: number[]; se: number[] }>>;
  for (const [k, name] of COMPARED.entries()) {
    const s = settings[name];
    // Common random numbers: every estimator sees the same ε.
    const draws = await viGradientDraws({ logJoint, mu, sigma, estimator: s.estimator, baseline: s.baseline, draws: samples, chunk: 2000, rng: rng.fork(100) });
    void k;
    const m = (data: Float64Array) => {
      const c = columnMoments(data, samples, d);
      return { variance: c.variance, se: c.seVariance };
    };
    empirical[name] = { mu: m(draws.mu), logsigma: m(draws.logsigma) };
  }
  const groupOf = (i: number) => Object.entries(model.groups).find(([, idx]) => idx.includes(i))?.[0] ?? 'all';
  const rows: CoordinateRow[] = [];
  for (const param of ['mu', 'logsigma'] as const) {
    for (let i = 0; i < d; i++) {
      const pick = (f: (name: ComparedEstimator) => number) => Object.fromEntries(COMPARED.map((n) => [n, f(n)])) as Record<ComparedEstimator, number>;
      rows.push({
        param,
        index: i,
        name: model.parameterNames[i] ?? `theta[${i}]`,
        group: groupOf(i),
        empirical: pick((n) => empirical[n][param].variance[i]!),
        se: pick((n) => empirical[n][param].se[i]!),
        predicted: pick((n) => settings[n].predicted[param][i]!),
      });
    }
  }
  const summary: GroupSummary[] = [];
  for (const param of ['mu', 'logsigma'] as const) {
    for (const group of Object.keys(model.groups)) {
      const inGroup = rows.filter((r) => r.param === param && r.group === group);
      if (inGroup.length === 0) continue;
      const rpError = inGroup.reduce((a, r) => a + Math.abs(r.empirical.rp - r.predicted.rp) / r.predicted.rp, 0) / inGroup.length;
      for (const estimator of COMPARED.filter((n): n is Exclude<ComparedEstimator, 'rp'> => n !== 'rp')) {
        const ratios = inGroup.map((r) => r.empirical[estimator] / r.empirical.rp);
        const predicted = inGroup.map((r) => r.predicted[estimator] / r.predicted.rp);
        summary.push({
          param,
          group,
          coordinates: inGroup.length,
          estimator,
          ratioEmpiricalMean: mean(ratios),
          ratioEmpiricalMin: Math.min(...ratios),
          ratioEmpiricalMax: Math.max(...ratios),
          ratioPredictedMean: mean(predicted),
          rpPredictionError: rpError,
        });
      }
    }
  }
  const elboValue = await estimateElbo(logJoint, mu, sigma.map(Math.log), 2000, rng.fork(12));
  return {
    point,
    mu,
    sigma,
    elbo: elboValue,
    quadratic: { c0: q.c0, gradNorm: Math.sqrt(Array.from(q.g).reduce((a, g) => a + g * g, 0)) },
    baselines: { joint, elbo },
    rows,
    summary,
  };
}

function mean(v: number[]): number {
  return v.reduce((a, b) => a + b, 0) / v.length;
}
