// Estimator lab: every chosen estimator on one closed-form objective with the same sample budget
// and the same draws (common random numbers, as compareEstimators does).
import { Rng } from '@pathwise/core';
import { expObjective, getEstimator, gradientDiagnostics, quadraticFormObjective, sampleEstimates, squareObjective, type ClosedFormObjective } from '@pathwise/estimators';
import type { EstimatorJob, EstimatorResult, EstimatorRow } from '../protocol.js';
import type { JobControl } from './control.js';

export function objectiveOf(job: Pick<EstimatorJob, 'objective' | 'mu' | 'sigma' | 'dim'>): ClosedFormObjective {
  if (job.objective === 'square') return squareObjective(job.mu, job.sigma);
  if (job.objective === 'exp') return expObjective(job.mu, job.sigma);
  return quadraticFormObjective(job.dim);
}

export async function runEstimatorJob(job: EstimatorJob, control: JobControl, onRow: (partial: EstimatorResult) => void): Promise<EstimatorResult> {
  const problem = objectiveOf(job);
  const dim = problem.mean.length;
  const coordinates = [...problem.mean.map((_, j) => `∂μ${dim > 1 ? j : ''}`), ...problem.logStd.map((_, j) => `∂logσ${dim > 1 ? j : ''}`)];
  const exact = [...problem.exact.mean, ...problem.exact.logStd];
  const rng = new Rng(job.seed);
  const result: EstimatorResult = { coordinates, exact, samples: job.samples, repeats: job.repeats, rows: [] };
  for (const name of job.estimators) {
    await control.checkpoint();
    const estimator = getEstimator(name);
    const start = performance.now();
    // Every estimator gets the same fork: the same ε draws.
    const { rows } = await sampleEstimates(estimator, problem, { samples: job.samples, repeats: job.repeats, rng: rng.fork(job.samples) });
    const ms = (performance.now() - start) / job.repeats;
    const d = gradientDiagnostics(rows, job.repeats, 2 * dim, exact);
    const estimates = coordinates.map((_, j) => Array.from({ length: job.repeats }, (_, r) => rows[r * 2 * dim + j]!));
    const row: EstimatorRow = {
      name,
      unbiased: estimator.unbiased,
      trace: d.trace,
      meanSnr: d.meanSnr,
      biasNorm: d.biasNorm ?? Number.NaN,
      relativeBias: d.relativeBias ?? Number.NaN,
      variance: d.variance,
      snr: d.snr,
      bias: d.bias ?? [],
      biasSe: d.standardError,
      estimates,
      ms,
    };
    result.rows.push(row);
    onRow(result);
  }
  return result;
}
