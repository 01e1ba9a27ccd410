import { tf } from '@pathwise/core';
import type { GradientProblem } from './types.js';

/** A problem with closed-form first (and second) derivatives of E_q[f] in (mean, logStd). */
export interface ClosedFormObjective extends GradientProblem {
  name: string;
  mean: number[];
  logStd: number[];
  exact: { mean: number[]; logStd: number[] };
  /** Hessian of E_q f times the ones vector, per block (see `estimateSecondDerivatives`). */
  hessianRowSums: { meanMean: number[]; meanLogStd: number[]; logStdMean: number[]; logStdLogStd: number[] };
}

/** E_{N(μ,σ²)}[x²] = μ² + σ²: ∂μ = 2μ, ∂logσ = 2σ². */
export function squareObjective(mu = 0.5, sigma = 0.8): ClosedFormObjective {
  const s2 = sigma * sigma;
  return {
    name: 'square',
    f: (x) => tf.sum(tf.square(x), -1),
    mean: [mu],
    logStd: [Math.log(sigma)],
    exact: { mean: [2 * mu], logStd: [2 * s2] },
    hessianRowSums: { meanMean: [2], meanLogStd: [0], logStdMean: [0], logStdLogStd: [4 * s2] },
  };
}

/** E[exp(x)] = A = exp(μ + σ²/2): ∂μ = A, ∂logσ = σ²A. */
export function expObjective(mu = 0, sigma = 0.5): ClosedFormObjective {
  const s2 = sigma * sigma;
  const a = Math.exp(mu + s2 / 2);
  return {
    name: 'exp',
    f: (x) => tf.sum(tf.exp(x), -1),
    mean: [mu],
    logStd: [Math.log(sigma)],
    exact: { mean: [a], logStd: [s2 * a] },
    hessianRowSums: { meanMean: [a], meanLogStd: [s2 * a], logStdMean: [s2 * a], logStdLogStd: [(2 * s2 + s2 * s2) * a] },
  };
}

/**
 * f(x) = −½ (x − c)ᵀ A (x − c) in `dim` dimensions, A = diag(s) K diag(s) with K_jk = 0.4^|j−k|
 * (positive definite). E f = −½[(μ−c)ᵀA(μ−c) + Σ_j A_jj σ_j²]: ∂μ = −A(μ − c), ∂logσ_j = −A_jj σ_j².
 */
export function quadraticFormObjective(dim = 4): ClosedFormObjective {
  const scale = Array.from({ length: dim }, (_, j) => 0.8 + (0.4 * j) / Math.max(dim - 1, 1));
  const a = Array.from({ length: dim }, (_, j) => Array.from({ length: dim }, (_, k) => scale[j]! * scale[k]! * 0.4 ** Math.abs(j - k)));
  const c = Array.from({ length: dim }, (_, j) => 0.5 * (j % 2 === 0 ? 1 : -1));
  const mu = Array.from({ length: dim }, (_, j) => 0.1 * j - 0.2);
  const sigma = Array.from({ length: dim }, (_, j) => 0.5 + 0.1 * j);
  const gradMean = a.map((row) => -row.reduce((acc, ajk, k) => acc + ajk * (mu[k]! - c[k]!), 0));
  const flatA = a.flat();
  return {
    name: `quadratic-${dim}d`,
    f: (x) =>
      tf.tidy(() => {
        const diff = tf.sub(x, tf.tensor1d(c, 'float32'));
        return tf.mul(tf.sum(tf.mul(tf.matMul(diff, tf.tensor2d(flatA, [dim, dim], 'float32')), diff), -1), -0.5);
      }),
    mean: mu,
    logStd: sigma.map(Math.log),
    exact: { mean: gradMean, logStd: sigma.map((s, j) => -a[j]![j]! * s * s) },
    hessianRowSums: {
      meanMean: a.map((row) => -row.reduce((acc, v) => acc + v, 0)),
      meanLogStd: new Array<number>(dim).fill(0),
      logStdMean: new Array<number>(dim).fill(0),
      logStdLogStd: sigma.map((s, j) => -2 * a[j]![j]! * s * s),
    },
  };
}

/** The conformance kit's closed-form objectives: x², exp(x) and a 4-d quadratic form. */
export function conformanceObjectives(): ClosedFormObjective[] {
  return [squareObjective(), expObjective(), quadraticFormObjective(4)];
}
