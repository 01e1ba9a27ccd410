import { PathwiseError, Rng, tf } from '@pathwise/core';
import { createStateHolder, estimateGradient, estimateSecondDerivatives } from './estimate.js';
import { gradientDiagnostics, sampleEstimates } from './diagnostics.js';
import { conformanceObjectives, type ClosedFormObjective } from './objectives.js';
import type { Estimator } from './types.js';

export interface ConformanceOptions {
  /**
   * Two sample counts S1 < S2 (default [16, 64]). Unbiasedness is checked at both; biased estimators'
   * bias bound is checked at both (it shrinks as 1/S); S·Var must agree between them.
   */
  samples?: [number, number];
  /** Independent estimates per statistic (default 400). */
  repeats?: number;
  seed?: number;
  /** Standard errors allowed for Monte Carlo comparisons (default 5). */
  z?: number;
  /** S1·Var(S1) / (S2·Var(S2)) must lie in [1/factor, factor] (default 2.5). */
  varianceFactor?: number;
  /** Closed-form objectives (default: x², exp(x), a 4-d quadratic form). */
  objectives?: ClosedFormObjective[];
  /** Repetitions of the leak check (default 3). */
  leakRuns?: number;
}

export interface ConformanceCheck {
  name: string;
  passed: boolean;
  message: string;
}

export interface ConformanceReport {
  estimator: string;
  backend: string;
  unbiased: boolean;
  passed: boolean;
  checks: ConformanceCheck[];
  seconds: number;
}

/** Thrown by `assertConformance` with every failed check in its message. */
export class ConformanceError extends PathwiseError {
  constructor(readonly report: ConformanceReport) {
    const failed = report.checks.filter((c) => !c.passed);
    super(
      `Estimator '${report.estimator}' failed ${failed.length} of ${report.checks.length} conformance checks on ${report.backend}:\n` + failed.map((c) => `  - ${c.name}: ${c.message}`).join('\n'),
    );
  }
}

/**
 * The estimator conformance kit. Runs, on the active backend:
 * - unbiasedness on closed-form objectives within z standard errors (unbiased estimators), or the
 *   documented bias bound |bias_j| ≤ κ·sd_j/S + z·SE_j at two sample counts (biased ones);
 * - variance shrinking as 1/S; finiteness; determinism (same seed, same bits); no tensor leaks;
 * - second derivatives against closed forms for estimators declaring `secondOrder`.
 * Returns a report; it throws only on misuse. Use `assertConformance` or `conformanceTest` to fail a test.
 */
export async function testEstimator(estimator: Estimator<any>, options: ConformanceOptions = {}): Promise<ConformanceReport> {
  const start = performance.now();
  const [s1, s2] = options.samples ?? [16, 64];
  const repeats = options.repeats ?? 400;
  const seed = options.seed ?? 1234;
  const z = options.z ?? 5;
  const factor = options.varianceFactor ?? 2.5;
  const objectives = options.objectives ?? conformanceObjectives();
  const checks: ConformanceCheck[] = [];
  const check = (name: string, passed: boolean, message: string) => checks.push({ name, passed, message });
  const rng = new Rng(seed);

  for (const [index, objective] of objectives.entries()) {
    const reference = [...objective.exact.mean, ...objective.exact.logStd];
    const traces: number[] = [];
    for (const samples of [s1, s2]) {
      const { rows, dim } = await sampleEstimates(estimator, objective, { samples, repeats, rng: rng.fork(index * 1000 + samples) });
      const d = gradientDiagnostics(rows, repeats, 2 * dim, reference);
      traces.push(d.trace);
      const finite = d.mean.every(Number.isFinite) && d.variance.every(Number.isFinite);
      check(`finite:${objective.name}@S=${samples}`, finite, finite ? 'all estimates finite' : 'non-finite estimates');
      if (!finite) continue;
      const worst = { j: 0, excess: -Infinity, allowed: 0 };
      d.bias!.forEach((b, j) => {
        const se = d.standardError[j]!;
        // κ·sd_j/S with sd_j the single-sample sd ≈ sqrt(S·Var_S): κ·sqrt(Var_S/S).
        const bound = estimator.unbiased ? 0 : estimator.biasBound! * Math.sqrt(d.variance[j]! / samples);
        // A float32 floor: an estimator whose Monte Carlo error cancels (antithetic pairs on a linear
        // gradient) is left with rounding error, a few ulps of the value, which SE alone would not allow.
        const rounding = 8 * 2 ** -23 * Math.abs(reference[j]!);
        const allowed = se > 0 ? bound + z * se + rounding : bound + 1e-5 * (1 + Math.abs(reference[j]!));
        const excess = Math.abs(b) - allowed;
        if (excess > worst.excess) Object.assign(worst, { j, excess, allowed });
      });
      const label = coordinateLabel(worst.j, dim);
      const what = estimator.unbiased ? `unbiased:${objective.name}@S=${samples}` : `bias-bound:${objective.name}@S=${samples}`;
      check(
        what,
        worst.excess <= 0,
        `worst coordinate ${label}: mean ${fmt(d.mean[worst.j]!)} vs exact ${fmt(reference[worst.j]!)}, |bias| ${fmt(Math.abs(d.bias![worst.j]!))} ` +
          `allowed ${fmt(worst.allowed)} (${estimator.unbiased ? `${z} SE` : `κ=${estimator.biasBound}·sd/S + ${z} SE`})`,
      );
    }
    const ratio = (traces[0]! * s1) / (traces[1]! * s2);
    check(
      `variance-1/S:${objective.name}`,
      ratio >= 1 / factor && ratio <= factor,
      `S·tr Var at S=${s1} over S=${s2}: ${fmt(ratio)} (1 for 1/S scaling; allowed [${fmt(1 / factor)}, ${fmt(factor)}])`,
    );
    if (estimator.secondOrder) await checkSecondOrder(estimator, objective, { samples: s2, repeats, rng: rng.fork(index * 1000 + 999), z }, check);
  }

  const first = objectives[0]!;
  const run = async () => {
    const { rows } = await sampleEstimates(estimator, first, { samples: s1, repeats: 4, rng: new Rng(seed + 1) });
    return rows;
  };
  const [a, b] = [await run(), await run()];
  const same = a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
  check('determinism', same, same ? 'same seed gave identical estimates' : 'same seed gave different estimates');

  const before = tf.memory().numTensors;
  for (let i = 0; i < (options.leakRuns ?? 3); i++) {
    const state = estimator.stateful ? createStateHolder() : undefined;
    for (let k = 0; k < 2; k++) {
      estimateGradient(estimator, first, { samples: s1, repeats: 2, rng: new Rng(seed + 2), ...(state ? { state } : {}) }).dispose();
    }
    state?.dispose();
    if (estimator.secondOrder) estimateSecondDerivatives(estimator, first, { samples: s1, repeats: 2, rng: new Rng(seed + 3) }).dispose();
  }
  const after = tf.memory().numTensors;
  check('no-leaks', after === before, `tf.memory().numTensors ${before} before, ${after} after`);

  return {
    estimator: estimator.name,
    backend: tf.getBackend(),
    unbiased: estimator.unbiased,
    passed: checks.every((c) => c.passed),
    checks,
    seconds: (performance.now() - start) / 1000,
  };
}

async function checkSecondOrder(
  estimator: Estimator<any>,
  objective: ClosedFormObjective,
  options: { samples: number; repeats: number; rng: Rng; z: number },
  check: (name: string, passed: boolean, message: string) => void,
): Promise<void> {
  const estimate = estimateSecondDerivatives(estimator, objective, { samples: options.samples, repeats: options.repeats, rng: options.rng });
  const blocks = ['meanMean', 'meanLogStd', 'logStdMean', 'logStdLogStd'] as const;
  const data = await Promise.all(blocks.map((b) => estimate[b].data()));
  estimate.dispose();
  const dim = objective.mean.length;
  const rows = new Float64Array(options.repeats * 4 * dim);
  for (let r = 0; r < options.repeats; r++) {
    blocks.forEach((_, bi) => {
      for (let j = 0; j < dim; j++) rows[r * 4 * dim + bi * dim + j] = data[bi]![r * dim + j]!;
    });
  }
  const reference = blocks.flatMap((b) => objective.hessianRowSums[b]);
  const d = gradientDiagnostics(rows, options.repeats, 4 * dim, reference);
  const worst = d.biasZ!.reduce((best, v, i) => (v > d.biasZ![best]! ? i : best), 0);
  const ok = d.biasZ!.every((v, i) => v <= options.z || Math.abs(d.bias![i]!) <= 1e-5 * (1 + Math.abs(reference[i]!)));
  check(
    `second-order:${objective.name}`,
    ok,
    `worst block ${blocks[Math.floor(worst / dim)]}[${worst % dim}]: ${fmt(d.mean[worst]!)} vs exact ${fmt(reference[worst]!)} (${fmt(d.biasZ![worst]!)} SE; allowed ${options.z})`,
  );
}

/** Throws a `ConformanceError` listing the failed checks; returns the report when all passed. */
export function assertConformance(report: ConformanceReport): ConformanceReport {
  if (!report.passed) throw new ConformanceError(report);
  return report;
}

/** `testEstimator` then `assertConformance`: one line in a test, `await expectConformance(myEstimator)`. */
export async function expectConformance(estimator: Estimator<any>, options?: ConformanceOptions): Promise<ConformanceReport> {
  return assertConformance(await testEstimator(estimator, options));
}

/** A test body for vitest/jest/node:test: `it('conforms', conformanceTest(myEstimator))`. */
export function conformanceTest(estimator: Estimator<any>, options?: ConformanceOptions): () => Promise<void> {
  return async () => {
    await expectConformance(estimator, options);
  };
}

function coordinateLabel(j: number, dim: number): string {
  return j < dim ? `mean[${j}]` : `logStd[${j - dim}]`;
}

function fmt(x: number): string {
  return Number.isFinite(x) ? Number(x.toPrecision(4)).toString() : String(x);
}
