// Standard errors of variance ratios Var(a)/Var(b) estimated from N draws (docs/algorithms/vi.md §3.2),
// by the delta method in float64. The draws of a and b may be dependent (compareOnModel feeds every
// estimator the same ε): the influence-function form below carries their covariance, and for
// independent a and b it reduces to SE(r)² = r²[(SE_a/v_a)² + (SE_b/v_b)²] with SE_v² = (m4 − v²)/N.
import { ShapeError } from '@pathwise/core';

/** The mean over `columns` of per-column ratios Var(a_j)/Var(b_j), with its delta-method standard error. */
export interface RatioEstimate {
  ratio: number;
  se: number;
}

/** Row-major n × d draws of two estimators, with their column means and (population) variances. */
export interface PairedDraws {
  a: ArrayLike<number>;
  b: ArrayLike<number>;
  n: number;
  d: number;
}

/**
 * The mean over `columns` of Var(a_j)/Var(b_j) and its standard error. The influence of draw r on
 * the mean ratio is ψ_r = (1/k) Σ_j [(a_rj − ā_j)²/v_bj − v_aj (b_rj − b̄_j)²/v_bj²]; SE = sd(ψ)/√N.
 * This uses every cross-moment (between a and b, and between coordinates), so it is right for common
 * random numbers and for a mean over correlated coordinates alike.
 */
export function varianceRatioMean(draws: PairedDraws, columns: readonly number[]): RatioEstimate {
  const { a, b, n, d } = draws;
  if (a.length !== n * d || b.length !== n * d) throw new ShapeError(`varianceRatioMean: draws have ${a.length} and ${b.length} values, expected ${n} x ${d}.`);
  if (columns.length === 0 || columns.some((j) => !(Number.isInteger(j) && j >= 0 && j < d)))
    throw new ShapeError(`varianceRatioMean: columns must be indices in [0, ${d}); got [${columns.join(', ')}].`);
  if (n < 2) throw new ShapeError(`varianceRatioMean: needs at least 2 draws, got ${n}.`);
  const k = columns.length;
  const meanA = new Array<number>(k).fill(0);
  const meanB = new Array<number>(k).fill(0);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < k; c++) {
      meanA[c] = meanA[c]! + a[r * d + columns[c]!]!;
      meanB[c] = meanB[c]! + b[r * d + columns[c]!]!;
    }
  }
  // Sum, then divide (as columnMoments): a constant column then has variance exactly 0.
  for (let c = 0; c < k; c++) {
    meanA[c] = meanA[c]! / n;
    meanB[c] = meanB[c]! / n;
  }
  const varA = new Array<number>(k).fill(0);
  const varB = new Array<number>(k).fill(0);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < k; c++) {
      varA[c] = varA[c]! + (a[r * d + columns[c]!]! - meanA[c]!) ** 2 / n;
      varB[c] = varB[c]! + (b[r * d + columns[c]!]! - meanB[c]!) ** 2 / n;
    }
  }
  let ratio = 0;
  for (let c = 0; c < k; c++) ratio += varA[c]! / varB[c]! / k;
  // Welford over ψ_r (its mean is the ratio itself up to O(1/N); only its spread matters).
  let psiMean = 0;
  let psiM2 = 0;
  for (let r = 0; r < n; r++) {
    let psi = 0;
    for (let c = 0; c < k; c++) {
      const j = columns[c]!;
      psi += ((a[r * d + j]! - meanA[c]!) ** 2 / varB[c]! - (varA[c]! * (b[r * d + j]! - meanB[c]!) ** 2) / varB[c]! ** 2) / k;
    }
    const delta = psi - psiMean;
    psiMean += delta / (r + 1);
    psiM2 += delta * (psi - psiMean);
  }
  return { ratio, se: Math.sqrt(psiM2 / (n - 1) / n) };
}

/** Per-column ratios Var(a_j)/Var(b_j) with their delta-method standard errors. */
export function varianceRatios(draws: PairedDraws): { ratio: number[]; se: number[] } {
  const all = Array.from({ length: draws.d }, (_, j) => varianceRatioMean(draws, [j]));
  return { ratio: all.map((e) => e.ratio), se: all.map((e) => e.se) };
}

/** The SE of a ratio of two independent estimates x/y from their own SEs (first-order delta method). */
export function independentRatioSe(x: number, seX: number, y: number, seY: number): number {
  return Math.abs(x / y) * Math.sqrt((seX / x) ** 2 + (seY / y) ** 2);
}
