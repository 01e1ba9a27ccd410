import { ShapeError, tf } from '@pathwise/core';
import { solve, type DenseQuadratic } from './closed-form.js';
import type { Dataset } from './datasets.js';
import type { LogJoint } from './vi-gradients.js';

const LOG_2PI = Math.log(2 * Math.PI);

/** A Bayesian model for VI: a batched log joint over parameter draws, and where to start. */
export interface Model {
  name: string;
  dim: number;
  parameterNames: string[];
  /** θ [N, dim] → log p(y, θ) [N]. */
  logJoint: LogJoint;
  /** Exact float64 (f(μ), ∇f(μ), ∇²f(μ)) when the model has them in closed form. */
  quadraticAt?: (mu: readonly number[]) => DenseQuadratic;
  /** The initial variational parameters (the "init" point of the comparisons). */
  init: { mu: number[]; sigma: number[] };
  /** Coordinate groups for summaries, e.g. bias / weights. */
  groups: Record<string, number[]>;
}

/**
 * Bayesian logistic regression y_i ~ Bernoulli(sigmoid(x_iᵀθ)), θ ~ N(0, priorVariance·I); the log
 * joint includes the prior's normaliser (it shifts f(μ) and so SF with b = 0).
 */
export function logisticRegression(data: Dataset, options: { priorVariance?: number; name?: string } = {}): Model {
  const { n, d, X, y } = data;
  if (X.length !== n * d || y.length !== n) throw new ShapeError(`logisticRegression: X has ${X.length} values, y ${y.length}, for n = ${n}, d = ${d}.`);
  const tau2 = options.priorVariance ?? 1;
  const priorConstant = -(d / 2) * Math.log(2 * Math.PI * tau2);
  // Xᵀ once on the host, so that every call is a plain θ·Xᵀ (a flagged transpose is slow on wasm).
  const Xt = new Float32Array(d * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) Xt[j * n + i] = X[i * d + j]!;
  const logJoint: LogJoint = (theta) =>
    tf.tidy(() => {
      const eta = tf.matMul(theta, tf.tensor2d(Xt, [d, n])); // [N, n]
      const loglik = tf.sum(tf.sub(tf.mul(eta, tf.tensor1d(y, 'float32')), tf.softplus(eta)), -1);
      const prior = tf.add(tf.mul(tf.sum(tf.square(theta), -1), -0.5 / tau2), priorConstant);
      return tf.add(loglik, prior);
    });
  const quadraticAt = (mu: readonly number[]): DenseQuadratic => {
    let c0 = priorConstant;
    const g = mu.map((m) => -m / tau2);
    const H = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? -1 / tau2 : 0)));
    for (let j = 0; j < d; j++) c0 -= (0.5 * mu[j]! ** 2) / tau2;
    for (let i = 0; i < n; i++) {
      let eta = 0;
      for (let j = 0; j < d; j++) eta += X[i * d + j]! * mu[j]!;
      const softplus = eta > 0 ? eta + Math.log1p(Math.exp(-eta)) : Math.log1p(Math.exp(eta));
      c0 += y[i]! * eta - softplus;
      const p = 1 / (1 + Math.exp(-eta));
      const w = p * (1 - p);
      for (let j = 0; j < d; j++) {
        const xij = X[i * d + j]!;
        g[j] = g[j]! + xij * (y[i]! - p);
        const row = H[j]!;
        for (let k = 0; k < d; k++) row[k] = row[k]! - w * xij * X[i * d + k]!;
      }
    }
    return { c0, g, H };
  };
  return {
    name: options.name ?? `logreg-${data.name}`,
    dim: d,
    parameterNames: data.columns.map((c) => `beta[${c}]`),
    logJoint,
    quadraticAt,
    init: { mu: new Array<number>(d).fill(0), sigma: new Array<number>(d).fill(1) },
    groups: { bias: [0], weights: Array.from({ length: d - 1 }, (_, i) => i + 1) },
  };
}

/** MAP of a model with `quadraticAt` by Newton's method (float64). */
export function newtonMap(model: Model, options: { start?: number[]; iterations?: number; tolerance?: number } = {}): number[] {
  if (!model.quadraticAt) throw new ShapeError(`newtonMap: model '${model.name}' has no closed-form quadratic.`);
  let theta = options.start ?? new Array<number>(model.dim).fill(0);
  for (let it = 0; it < (options.iterations ?? 50); it++) {
    const { g, H } = model.quadraticAt(theta);
    const negH = Array.from(H, (row) => Array.from(row, (v) => -v));
    const step = solve(negH, Array.from(g));
    theta = theta.map((t, i) => t + step[i]!);
    if (Math.max(...step.map(Math.abs)) < (options.tolerance ?? 1e-12)) break;
  }
  return theta;
}

/**
 * A small Bayesian neural network for regression: y ~ N(w2ᵀ tanh(W1ᵀx + b1) + b2, noiseStd²),
 * all weights ~ N(0, priorStd²). Parameters (dim = p·h + 2h + 1): W1 (p × h, row-major), b1, w2, b2.
 * The forward pass for N parameter draws is one [n, p] × [p, N·h] matmul.
 */
export function bayesianNeuralNetwork(data: Dataset, options: { hidden?: number; noiseStd?: number; priorStd?: number; name?: string; initSeed?: number } = {}): Model {
  const { n, d: p, X, y } = data;
  const h = options.hidden ?? 5;
  const s = options.noiseStd ?? 0.75;
  const tau = options.priorStd ?? 1;
  const dim = p * h + 2 * h + 1;
  const constant = -n * Math.log(s) - (n / 2) * LOG_2PI - (dim / 2) * Math.log(2 * Math.PI * tau * tau);
  const logJoint: LogJoint = (theta) =>
    tf.tidy(() => {
      const N = theta.shape[0]!;
      const W1 = tf.reshape(tf.slice(theta, [0, 0], [N, p * h]), [N, p, h]);
      const b1 = tf.slice(theta, [0, p * h], [N, h]);
      const w2 = tf.slice(theta, [0, p * h + h], [N, h]);
      const b2 = tf.slice(theta, [0, p * h + 2 * h], [N, 1]);
      const weights = tf.reshape(tf.transpose(W1, [1, 0, 2]), [p, N * h]);
      const pre = tf.add(tf.reshape(tf.matMul(tf.tensor2d(X, [n, p], 'float32'), weights), [n, N, h]), b1);
      const out = tf.add(tf.sum(tf.mul(tf.tanh(pre), w2), -1), tf.reshape(b2, [N])); // [n, N]
      const resid = tf.sub(tf.reshape(tf.tensor1d(y, 'float32'), [n, 1]), out);
      const loglik = tf.mul(tf.sum(tf.square(resid), 0), -0.5 / (s * s));
      const prior = tf.mul(tf.sum(tf.square(theta), -1), -0.5 / (tau * tau));
      return tf.add(tf.add(loglik, prior), constant);
    });
  // Break the hidden-unit symmetry of μ = 0 (a saddle) with small deterministic initial means.
  let state = options.initSeed ?? 12345;
  const uniform = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  const names = [
    ...Array.from({ length: p * h }, (_, k) => `W1[${data.columns[Math.floor(k / h)]},${k % h}]`),
    ...Array.from({ length: h }, (_, k) => `b1[${k}]`),
    ...Array.from({ length: h }, (_, k) => `w2[${k}]`),
    'b2',
  ];
  return {
    name: options.name ?? `bnn-${data.name}`,
    dim,
    parameterNames: names,
    logJoint,
    init: { mu: Array.from({ length: dim }, () => 0.2 * (uniform() - 0.5)), sigma: new Array<number>(dim).fill(1) },
    groups: {
      W1: Array.from({ length: p * h }, (_, k) => k),
      b1: Array.from({ length: h }, (_, k) => p * h + k),
      w2: Array.from({ length: h }, (_, k) => p * h + h + k),
      b2: [dim - 1],
    },
  };
}

/**
 * (f(μ), ∇f(μ), ∇²f(μ)) by autodiff: the Hessian comes from one nested gradient over d copies of μ
 * (row i picks the i-th gradient coordinate of copy i), so it costs two backward passes, not d.
 */
export async function quadraticApproximation(logJoint: LogJoint, mu: readonly number[]): Promise<DenseQuadratic> {
  const d = mu.length;
  const [c0T, gT, hT] = tf.tidy(() => {
    const point = tf.tensor2d([Array.from(mu)], [1, d], 'float32');
    const sumF = (x: tf.Tensor) => tf.sum(logJoint(x));
    const c0 = logJoint(point);
    const g = tf.grad(sumF)(point);
    const copies = tf.tile(point, [d, 1]);
    const eye = tf.eye(d);
    const hessian = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.grad(sumF)(x), eye)))(copies);
    return [c0, g, hessian];
  });
  const [c0, g, hFlat] = await Promise.all([c0T.data(), gT.data(), hT.data()]);
  tf.dispose([c0T, gT, hT]);
  const H = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => 0.5 * (hFlat[i * d + j]! + hFlat[j * d + i]!)));
  return { c0: c0[0]!, g: Array.from(g), H };
}
