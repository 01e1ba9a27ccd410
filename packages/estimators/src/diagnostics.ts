import { ConfigError, ShapeError, Welford, type Rng } from '@pathwise/core';
import { createStateHolder, estimateGradient } from './estimate.js';
import type { Estimator, GradientProblem } from './types.js';

/** Statistics of repeated gradient estimates, in float64 on the host. */
export interface GradientDiagnostics {
  /** Number of estimates. */
  count: number;
  dim: number;
  mean: number[];
  /** Per-coordinate variance of one estimate (unbiased, N − 1). */
  variance: number[];
  /** Standard error of `mean` per coordinate. */
  standardError: number[];
  /** Trace of the covariance: Σ variance. */
  trace: number;
  /** Per-coordinate signal-to-noise ratio |mean| / sd (Rainforth et al.). */
  snr: number[];
  meanSnr: number;
  /** mean − reference per coordinate (with a reference). */
  bias?: number[];
  /** |mean − reference| / standard error per coordinate: > 5 flags a bias. */
  biasZ?: number[];
  biasNorm?: number;
  /** ‖mean − reference‖ / ‖reference‖. */
  relativeBias?: number;
  /** Mean over estimates of cos(estimate, reference): how well one estimate points. */
  cosine?: number;
  /** cos(mean estimate, reference). */
  cosineOfMean?: number;
}

/** Diagnostics of `count` estimates stored row-major in `rows` (count × dim). */
export function gradientDiagnostics(rows: ArrayLike<number>, count: number, dim: number, reference?: ArrayLike<number>): GradientDiagnostics {
  if (rows.length !== count * dim) throw new ShapeError(`gradientDiagnostics: ${rows.length} values is not ${count} x ${dim}.`);
  if (reference && reference.length !== dim) throw new ShapeError(`gradientDiagnostics: reference has ${reference.length} values, expected ${dim}.`);
  const welford = new Welford(dim).addBatch(rows, count);
  const mean = Array.from(welford.mean);
  const variance = Array.from(welford.variance());
  const standardError = variance.map((v) => Math.sqrt(v / count));
  const snr = mean.map((m, j) => snrOf(m, variance[j]!));
  const out: GradientDiagnostics = {
    count,
    dim,
    mean,
    variance,
    standardError,
    trace: variance.reduce((a, b) => a + b, 0),
    snr,
    meanSnr: snr.reduce((a, b) => a + b, 0) / dim,
  };
  if (reference) {
    const ref = Array.from(reference);
    const bias = mean.map((m, j) => m - ref[j]!);
    const refNorm = norm(ref);
    let cosineSum = 0;
    for (let r = 0; r < count; r++) {
      let dot = 0;
      let sq = 0;
      for (let j = 0; j < dim; j++) {
        const g = rows[r * dim + j]!;
        dot += g * ref[j]!;
        sq += g * g;
      }
      cosineSum += sq > 0 && refNorm > 0 ? dot / (Math.sqrt(sq) * refNorm) : 0;
    }
    out.bias = bias;
    out.biasZ = bias.map((b, j) => (standardError[j]! > 0 ? Math.abs(b) / standardError[j]! : b === 0 ? 0 : Infinity));
    out.biasNorm = norm(bias);
    out.relativeBias = refNorm > 0 ? out.biasNorm / refNorm : Number.NaN;
    out.cosine = cosineSum / count;
    const meanNorm = norm(mean);
    out.cosineOfMean = meanNorm > 0 && refNorm > 0 ? mean.reduce((a, m, j) => a + m * ref[j]!, 0) / (meanNorm * refNorm) : 0;
  }
  return out;
}

function snrOf(mean: number, variance: number): number {
  if (variance > 0) return Math.abs(mean) / Math.sqrt(variance);
  return mean === 0 ? 0 : Infinity;
}

function norm(v: readonly number[]): number {
  return Math.sqrt(v.reduce((a, x) => a + x * x, 0));
}

/** Estimates of `repeats` independent runs as rows [mean_1..D, logStd_1..D] (float64 copies). */
export async function sampleEstimates(
  estimator: Estimator<any>,
  problem: GradientProblem,
  options: { samples: number; repeats: number; rng: Rng; warmup?: number },
): Promise<{ rows: Float64Array; dim: number }> {
  const state = estimator.stateful ? createStateHolder() : undefined;
  try {
    // Stateful estimators (moving averages) are measured after `warmup` calls have built their state.
    for (let i = 0; i < (estimator.stateful ? (options.warmup ?? 3) : 0); i++) {
      estimateGradient(estimator, problem, { samples: options.samples, repeats: options.repeats, rng: options.rng, ...(state ? { state } : {}) }).dispose();
    }
    const estimate = estimateGradient(estimator, problem, { samples: options.samples, repeats: options.repeats, rng: options.rng, ...(state ? { state } : {}) });
    const [mean, logStd] = await Promise.all([estimate.mean.data(), estimate.logStd.data()]);
    estimate.dispose();
    const dim = mean.length / options.repeats;
    const rows = new Float64Array(options.repeats * 2 * dim);
    for (let r = 0; r < options.repeats; r++) {
      for (let j = 0; j < dim; j++) {
        rows[r * 2 * dim + j] = mean[r * dim + j]!;
        rows[r * 2 * dim + dim + j] = logStd[r * dim + j]!;
      }
    }
    return { rows, dim };
  } finally {
    state?.dispose();
  }
}

export interface CompareOptions {
  problem: GradientProblem;
  estimators: Estimator<any>[];
  /** Samples per estimate S (the same budget for every estimator); several values give one row each. */
  samples: number | number[];
  /** Independent estimates per row, for the statistics. */
  repeats: number;
  rng: Rng;
}

/** One row of `compareEstimators`: coordinates are [mean_1..D, logStd_1..D]. */
export interface ComparisonRow {
  estimator: string;
  unbiased: boolean;
  samples: number;
  repeats: number;
  trace: number;
  meanVariance: number;
  maxVariance: number;
  meanSnr: number;
  biasNorm: number | null;
  maxBiasZ: number | null;
  cosine: number | null;
  cosineOfMean: number | null;
  msPerEstimate: number;
  mean: number[];
  variance: number[];
  bias: number[] | null;
}

/**
 * Runs several estimators on one problem with the same sample budget and the same draws (common
 * random numbers: every estimator gets `rng.fork(S)`), and tabulates their statistics.
 */
export async function compareEstimators(options: CompareOptions): Promise<ComparisonRow[]> {
  const { problem, estimators, repeats, rng } = options;
  if (!Number.isInteger(repeats) || repeats < 2) throw new ConfigError('repeats', repeats, 'an integer >= 2');
  const sampleList = Array.isArray(options.samples) ? options.samples : [options.samples];
  const reference = problem.exact ? [...Array.from(problem.exact.mean), ...Array.from(problem.exact.logStd)] : undefined;
  const rows: ComparisonRow[] = [];
  for (const samples of sampleList) {
    for (const estimator of estimators) {
      const start = performance.now();
      const { rows: data, dim } = await sampleEstimates(estimator, problem, { samples, repeats, rng: rng.fork(samples) });
      const ms = (performance.now() - start) / repeats;
      const d = gradientDiagnostics(data, repeats, 2 * dim, reference);
      rows.push({
        estimator: estimator.name,
        unbiased: estimator.unbiased,
        samples,
        repeats,
        trace: d.trace,
        meanVariance: d.trace / d.dim,
        maxVariance: Math.max(...d.variance),
        meanSnr: d.meanSnr,
        biasNorm: d.biasNorm ?? null,
        maxBiasZ: d.biasZ ? Math.max(...d.biasZ) : null,
        cosine: d.cosine ?? null,
        cosineOfMean: d.cosineOfMean ?? null,
        msPerEstimate: ms,
        mean: d.mean,
        variance: d.variance,
        bias: d.bias ?? null,
      });
    }
  }
  return rows;
}
