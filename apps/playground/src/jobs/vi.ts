// VI variance panel: closed forms (docs/algorithms/vi.md §2) against Monte Carlo for a user-edited quadratic, and
// the empirical comparison on Bayesian logistic regression with a shipped data set.
import { Rng } from '@pathwise/core';
import { closedFormReport, columnMoments, compareOnModel, quadraticLogJoint, viGradientDraws, type ViEstimator } from '@pathwise/vi-analysis';
import type { ViComponentRow, ViLogregJob, ViLogregResult, ViQuadraticJob, ViQuadraticResult } from '../protocol.js';
import type { JobControl } from './control.js';

const ESTIMATORS: Array<{ key: ViComponentRow['estimator']; estimator: ViEstimator }> = [
  { key: 'rp', estimator: 'rp' },
  { key: 'sf_joint', estimator: 'sf-joint' },
  { key: 'sf_elbo', estimator: 'sf-elbo' },
];

export async function runViQuadratic(job: ViQuadraticJob, control: JobControl): Promise<ViQuadraticResult> {
  const report = closedFormReport({ mu: job.mu, sigma: job.sigma, grad: job.grad, hessian: job.hessian, baseline: job.baseline, c0: job.c0 });
  const logJoint = quadraticLogJoint({ c0: job.c0, g: job.grad, H: job.hessian }, job.mu);
  const rng = new Rng(job.seed);
  const d = job.mu.length;
  const rows: ViComponentRow[] = [];
  for (const { key, estimator } of ESTIMATORS) {
    await control.checkpoint();
    const closed = report[key];
    // The Monte Carlo SF estimators use the baselines the closed form assumed.
    const baseline = key === 'rp' ? 0 : { mu: report[key === 'sf_joint' ? 'sf_joint' : 'sf_elbo'].baseline_mu, sigma: report[key === 'sf_joint' ? 'sf_joint' : 'sf_elbo'].baseline_sigma };
    // Common random numbers across estimators: the same fork.
    const draws = await viGradientDraws({ logJoint, mu: job.mu, sigma: job.sigma, estimator, baseline, draws: job.draws, rng: rng.fork(1) });
    for (const param of ['mu', 'logsigma'] as const) {
      const moments = columnMoments(draws[param], draws.n, d);
      for (let i = 0; i < d; i++) {
        rows.push({ estimator: key, param, index: i, closedForm: closed[param][i]!, monteCarlo: moments.variance[i]!, se: moments.seVariance[i]! });
      }
    }
  }
  return { draws: job.draws, rows };
}

export async function runViLogreg(job: ViLogregJob, control: JobControl, progress: (message: string) => void): Promise<ViLogregResult> {
  await control.checkpoint();
  const comparison = await compareOnModel({
    model: 'logreg',
    data: job.data,
    samples: job.samples,
    rng: new Rng(job.seed),
    fit: { steps: job.fitSteps },
    onProgress: (stage) => progress(stage === 'fit' ? `fitting the mean-field posterior (${job.fitSteps} steps)` : `drawing ${job.samples} single-draw estimates at the ${stage} point`),
  });
  return {
    data: comparison.data,
    dim: comparison.dim,
    samples: comparison.draws,
    points: comparison.points.map((point) => ({
      point: point.point,
      elbo: point.elbo,
      summary: point.summary.map((s) => ({
        param: s.param,
        group: s.group,
        estimator: s.estimator,
        empirical: s.ratioEmpiricalMean,
        empiricalSe: s.ratioEmpiricalMeanSe,
        predicted: s.ratioPredictedMean,
      })),
      coordinates: point.rows.map((row) => ({
        param: row.param,
        name: row.name,
        rp: [row.empirical.rp, row.predicted.rp] as [number, number],
        sfElbo: [row.empirical.sf_elbo, row.predicted.sf_elbo] as [number, number],
      })),
    })),
  };
}
