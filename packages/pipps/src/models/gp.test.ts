import '@pathwise/backend-cpu';
import { gradCheck, Rng, tf, useBackend } from '@pathwise/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { cholesky, choleskyInverse, choleskySolve } from './linalg.js';
import { GaussianProcessModel, gpNegativeLogMarginalLikelihood } from './gp.js';
import type { TransitionData } from './types.js';

tf.env().set('PROD', true);

// ---- independent float64 references (Gaussian elimination with partial pivoting, no Cholesky) ----

/** Solves A X = B (A n×n, B n×m, row-major) and returns X and log|det A|. */
function gaussSolve(A: Float64Array, n: number, B: Float64Array, m: number): { X: Float64Array; logAbsDet: number } {
  const a = Float64Array.from(A);
  const b = Float64Array.from(B);
  let logAbsDet = 0;
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r * n + col]!) > Math.abs(a[pivot * n + col]!)) pivot = r;
    if (pivot !== col) {
      for (let k = 0; k < n; k++) [a[col * n + k], a[pivot * n + k]] = [a[pivot * n + k]!, a[col * n + k]!];
      for (let k = 0; k < m; k++) [b[col * m + k], b[pivot * m + k]] = [b[pivot * m + k]!, b[col * m + k]!];
    }
    const p = a[col * n + col]!;
    logAbsDet += Math.log(Math.abs(p));
    for (let r = col + 1; r < n; r++) {
      const f = a[r * n + col]! / p;
      for (let k = col; k < n; k++) a[r * n + k] = a[r * n + k]! - f * a[col * n + k]!;
      for (let k = 0; k < m; k++) b[r * m + k] = b[r * m + k]! - f * b[col * m + k]!;
    }
  }
  const X = new Float64Array(n * m);
  for (let r = n - 1; r >= 0; r--) {
    for (let k = 0; k < m; k++) {
      let s = b[r * m + k]!;
      for (let c = r + 1; c < n; c++) s -= a[r * n + c]! * X[c * m + k]!;
      X[r * m + k] = s / a[r * n + r]!;
    }
  }
  return { X, logAbsDet };
}

const kernelRef = (a: ArrayLike<number>, ai: number, b: ArrayLike<number>, bi: number, Q: number, theta: ArrayLike<number>) => {
  let sq = 0;
  for (let k = 0; k < Q; k++) sq += ((a[ai * Q + k]! - b[bi * Q + k]!) / Math.exp(theta[k]!)) ** 2;
  return Math.exp(theta[Q]!) * Math.exp(-0.5 * sq);
};

function noisyKernelRef(X: Float64Array, N: number, Q: number, theta: ArrayLike<number>, floor: number): Float64Array {
  const K = new Float64Array(N * N);
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) K[i * N + j] = kernelRef(X, i, X, j, Q, theta) + (i === j ? Math.exp(theta[Q + 1]!) + floor : 0);
  return K;
}

function nlmlRef(X: Float64Array, N: number, Q: number, y: Float64Array, theta: ArrayLike<number>, floor: number): number {
  const { X: alpha, logAbsDet } = gaussSolve(noisyKernelRef(X, N, Q, theta, floor), N, y, 1);
  let quad = 0;
  for (let i = 0; i < N; i++) quad += y[i]! * alpha[i]!;
  return 0.5 * quad + 0.5 * logAbsDet + 0.5 * N * Math.log(2 * Math.PI);
}

/** A small 1-state, 1-action data set: Δ = sin(2x) + 0.5u + noise, x ∈ [−1.5, 1.5]. */
function toyData(N: number, seed: number, stateDim = 1): TransitionData {
  const rng = new Rng(seed);
  const states = new Float64Array(N * stateDim);
  const actions = new Float64Array(N);
  const nextStates = new Float64Array(N * stateDim);
  for (let i = 0; i < N; i++) {
    const u = rng.uniform() * 2 - 1;
    actions[i] = u;
    for (let d = 0; d < stateDim; d++) {
      const x = rng.uniform() * 3 - 1.5;
      states[i * stateDim + d] = x;
      nextStates[i * stateDim + d] = x + Math.sin(2 * x) * (d + 1) + 0.5 * u + 0.05 * rng.normal();
    }
  }
  return { count: N, stateDim, actionDim: 1, states, actions, nextStates };
}

describe('GP dynamics model', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('host Cholesky: L·Lᵀ = K, solves and the inverse agree with Gaussian elimination', () => {
    const rng = new Rng(1);
    const n = 14;
    const A = rng.fillNormal(new Float64Array(n * n));
    const K = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = i === j ? 0.5 : 0;
        for (let k = 0; k < n; k++) s += A[i * n + k]! * A[j * n + k]!;
        K[i * n + j] = s;
      }
    const L = cholesky(K, n);
    let worst = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        if (j > i) expect(L[i * n + j]).toBe(0);
        let s = 0;
        for (let k = 0; k < n; k++) s += L[i * n + k]! * L[j * n + k]!;
        worst = Math.max(worst, Math.abs(s - K[i * n + j]!));
      }
    expect(worst).toBeLessThan(1e-11);
    const b = rng.fillNormal(new Float64Array(n));
    const x = choleskySolve(L, n, b);
    const ref = gaussSolve(K, n, b, 1).X;
    for (let i = 0; i < n; i++) expect(x[i]).toBeCloseTo(ref[i]!, 8);
    const inv = choleskyInverse(L, n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += inv[i * n + k]! * K[k * n + j]!;
        expect(Math.abs(s - (i === j ? 1 : 0))).toBeLessThan(1e-8);
      }
    // Not positive definite: a clear failure rather than NaNs.
    expect(() => cholesky(Float64Array.from([1, 2, 2, 1]), 2)).toThrow(/not positive definite/);
  });

  it('NLML equals an independent float64 computation, and its analytic gradient equals central differences', () => {
    const N = 25;
    const Q = 3;
    const rng = new Rng(2);
    const X = rng.fillNormal(new Float64Array(N * Q));
    const y = Float64Array.from({ length: N }, (_, i) => Math.sin(X[i * Q]!) + 0.3 * X[i * Q + 1]! + 0.1 * rng.normal());
    for (const theta of [Float64Array.from([0.1, -0.3, 0.5, -0.2, Math.log(0.02)]), Float64Array.from([-0.8, 0.4, 1.2, 0.7, Math.log(0.3)])]) {
      const { value, gradient } = gpNegativeLogMarginalLikelihood(X, N, Q, y, theta, 1e-6);
      expect(value).toBeCloseTo(nlmlRef(X, N, Q, y, theta, 1e-6), 8);
      const h = 1e-5;
      for (let j = 0; j < Q + 2; j++) {
        const plus = Float64Array.from(theta);
        const minus = Float64Array.from(theta);
        plus[j] = plus[j]! + h;
        minus[j] = minus[j]! - h;
        const fd = (nlmlRef(X, N, Q, y, plus, 1e-6) - nlmlRef(X, N, Q, y, minus, 1e-6)) / (2 * h);
        expect(Math.abs(gradient[j]! - fd), `θ_${j}: ${gradient[j]} vs ${fd}`).toBeLessThan(1e-6 * Math.max(1, Math.abs(fd)));
      }
      expect(gradient.some((g) => Math.abs(g) > 1e-2)).toBe(true); // not at a stationary point: the check says something
    }
  });

  it('fit lowers the NLML; tfjs posterior mean and variance match a float64 host reference (exact when N ≤ inducingPoints)', () => {
    const data = toyData(30, 3, 2);
    const model = new GaussianProcessModel(2, 1, { inducingPoints: 100, variancePoints: 100 });
    const report = model.fit(data);
    expect(report.loss).toBeLessThan(report.initialLoss - 5);
    const Q = 3;
    const D = 2;
    const N = data.count;
    const inputs = new Float64Array(N * Q);
    for (let i = 0; i < N; i++) {
      inputs[i * Q] = data.states[i * D]!;
      inputs[i * Q + 1] = data.states[i * D + 1]!;
      inputs[i * Q + 2] = data.actions[i]!;
    }
    const rng = new Rng(4);
    const R = 7;
    const test = Float64Array.from({ length: R * Q }, (_, i) => (i % Q === 2 ? rng.uniform() * 2 - 1 : rng.uniform() * 4 - 2));
    const x = tf.tensor2d(
      Float32Array.from({ length: R * D }, (_, i) => test[Math.floor(i / D) * Q + (i % D)]!),
      [R, D],
    );
    const u = tf.tensor2d(
      Float32Array.from({ length: R }, (_, r) => test[r * Q + 2]!),
      [R, 1],
    );
    const { mean, std } = model.predict(x, u);
    const m = mean.dataSync();
    const s = std.dataSync();
    for (let d = 0; d < D; d++) {
      const theta = model.hyperparameters[d]!;
      const y = Float64Array.from({ length: N }, (_, i) => data.nextStates[i * D + d]! - data.states[i * D + d]!);
      const K = noisyKernelRef(inputs, N, Q, theta, 1e-6);
      const kStar = new Float64Array(N * R);
      for (let i = 0; i < N; i++) for (let r = 0; r < R; r++) kStar[i * R + r] = kernelRef(inputs, i, test, r, Q, theta);
      const alpha = gaussSolve(K, N, y, 1).X;
      const V = gaussSolve(K, N, kStar, R).X; // K⁻¹ k*
      for (let r = 0; r < R; r++) {
        let mu = 0;
        let quad = 0;
        for (let i = 0; i < N; i++) {
          mu += kStar[i * R + r]! * alpha[i]!;
          quad += kStar[i * R + r]! * V[i * R + r]!;
        }
        const variance = Math.exp(theta[Q]!) - quad + Math.exp(theta[Q + 1]!) + 1e-6;
        expect(Math.abs(m[r * D + d]! - mu), `mean d=${d} r=${r}`).toBeLessThan(2e-3 * Math.max(1, Math.abs(mu)));
        expect(Math.abs(s[r * D + d]! ** 2 / variance - 1), `variance d=${d} r=${r}: ${s[r * D + d]! ** 2} vs ${variance}`).toBeLessThan(2e-2);
      }
    }
    tf.dispose([x, u, mean, std]);
    // Fewer inducing points than data: the variance (subset of data) is never below the exact one, and the
    // DTC mean, which still uses every point, stays close to the exact mean on this smooth function.
    // All points for the mean but 8 for the variance: the mean stays exact (points in farthest-point order).
    const exactMean = new GaussianProcessModel(2, 1, { inducingPoints: 100, variancePoints: 8 });
    exactMean.load(model.state());
    const x3 = tf.tensor2d(
      Float32Array.from({ length: R * D }, (_, i) => test[Math.floor(i / D) * Q + (i % D)]!),
      [R, D],
    );
    const u3 = tf.tensor2d(
      Float32Array.from({ length: R }, (_, r) => test[r * Q + 2]!),
      [R, 1],
    );
    const third = exactMean.predict(x3, u3);
    third.mean.dataSync().forEach((v, i) => expect(v).toBeCloseTo(m[i]!, 4));
    third.std.dataSync().forEach((v, i) => expect(v).toBeGreaterThanOrEqual(s[i]! * (1 - 1e-3)));
    tf.dispose([x3, u3, third.mean, third.std]);
    exactMean.dispose();
    const subset = new GaussianProcessModel(2, 1, { inducingPoints: 12, variancePoints: 8 });
    subset.load(model.state());
    const x2 = tf.tensor2d(
      Float32Array.from({ length: R * D }, (_, i) => test[Math.floor(i / D) * Q + (i % D)]!),
      [R, D],
    );
    const u2 = tf.tensor2d(
      Float32Array.from({ length: R }, (_, r) => test[r * Q + 2]!),
      [R, 1],
    );
    const both = [model.predict(x2, u2), subset.predict(x2, u2)];
    const exactStd = both[0]!.std.dataSync();
    const subsetStd = both[1]!.std.dataSync();
    const subsetMean = both[1]!.mean.dataSync();
    for (let i = 0; i < exactStd.length; i++) {
      expect(subsetStd[i]!).toBeGreaterThanOrEqual(exactStd[i]! * (1 - 1e-3));
      expect(Math.abs(subsetMean[i]! - m[i]!), `mean ${i}`).toBeLessThan(0.1 * Math.max(1, Math.abs(m[i]!)));
      expect(subsetStd[i]!).toBeLessThan(exactStd[i]! * 10);
    }
    tf.dispose([x2, u2, ...both.flatMap((o) => [o.mean, o.std])]);
    model.dispose();
    subset.dispose();
  });

  it('predict is differentiable w.r.t. states and actions (finite-difference check) and leaks no tensors', async () => {
    const data = toyData(40, 5, 2);
    const model = new GaussianProcessModel(2, 1, { inducingPoints: 15, variancePoints: 10 });
    model.fit(data);
    const rng = new Rng(6);
    const z = tf.tensor2d(
      Float32Array.from({ length: 5 * 3 }, () => rng.uniform() * 2 - 1),
      [5, 3],
    );
    const weights = tf.tensor2d(
      Float32Array.from({ length: 5 * 4 }, () => rng.uniform() * 2 - 1),
      [5, 4],
    );
    const before = tf.memory().numTensors;
    const f = (input: tf.Tensor) => {
      const [x, u] = tf.split(input, [2, 1], 1);
      const { mean, std } = model.predict(x!, u!);
      return tf.sum(tf.mul(tf.concat([mean, std], 1), weights)) as tf.Scalar;
    };
    const result = await gradCheck(f, z, { eps: 1e-2, rtol: 3e-2, atol: 2e-3 });
    expect(result.ok, JSON.stringify(result)).toBe(true);
    expect(result.analytic.some((g) => Math.abs(g) > 1e-2)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([z, weights]);
    model.dispose();
  });
});
