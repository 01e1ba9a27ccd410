import '@pathwise/backend-cpu';
import { Rng, tf, useBackend } from '@pathwise/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { testEstimator } from './conformance.js';
import { estimateGradient } from './estimate.js';
import { choleskyLower } from './linalg.js';
import { nodeBackward, nodeTransform } from './node.js';
import { squareObjective, quadraticFormObjective } from './objectives.js';
import { getEstimator, listEstimators } from './registry.js';
import { gaussianResample } from './builtins/gaussian-resampling.js';
import { defineEstimator } from './define.js';
import { values } from './test-helpers.js';

tf.env().set('PROD', true);

describe('gaussian resampling (gr)', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('is registered with the built-ins: pathwise, biased', () => {
    const info = listEstimators().find((e) => e.name === 'gr')!;
    expect(info).toMatchObject({ name: 'gr', requires: ['pathwise'], unbiased: false, options: { jitter: 1e-6 } });
  });

  it('passes the conformance kit (bias bound κ = 2 at S = 16 and 64)', async () => {
    const report = await testEstimator(getEstimator('gr'));
    if (process.env.PATHWISE_DEBUG) console.log(report.checks.map((c) => `${c.name}: ${c.message}`).join('\n'));
    expect(report.checks.filter((c) => !c.passed)).toEqual([]);
  });

  it('in VI equals a host finite difference of the resampled objective in the mean (same ε and ξ)', async () => {
    // f = x², D = 1: F(μ) = mean_j (μ̂ + σ̂ ξ_j)² with μ̂, σ̂ of z = μ + σε; ∂F/∂μ = 2 mean_j x_j (σ̂ does not move).
    const S = 8;
    const rng = new Rng(3);
    const eps = rng.fillNormal(new Float32Array(S));
    const xi = rng.fillNormal(new Float32Array(S));
    const problem = squareObjective(0.5, 0.8);
    const est = estimateGradient(getEstimator('gr'), problem, { samples: S, rng: new Rng(0), noise: tf.tensor2d(eps, [S, 1]), auxNoise: tf.tensor2d(xi, [S, 1]) });
    const F = (mu: number, logSigma: number) => {
      const z = Array.from(eps, (e) => mu + Math.exp(logSigma) * e);
      const m = z.reduce((a, b) => a + b, 0) / S;
      const v = z.reduce((a, b) => a + (b - m) ** 2, 0) / (S - 1) + 1e-6;
      return Array.from(xi, (x) => (m + Math.sqrt(v) * x) ** 2).reduce((a, b) => a + b, 0) / S;
    };
    const h = 1e-5;
    const [mu, ls] = [problem.mean[0]!, problem.logStd[0]!];
    const fdMean = (F(mu + h, ls) - F(mu - h, ls)) / (2 * h);
    const fdLogStd = (F(mu, ls + h) - F(mu, ls - h)) / (2 * h);
    expect((await values(est.mean))[0]).toBeCloseTo(fdMean, 3);
    expect((await values(est.logStd))[0]).toBeCloseTo(fdLogStd, 3);
    est.dispose();
  });

  it('at a node (cotangent of the transformed points) equals VI on the same draws', async () => {
    const problem = quadraticFormObjective(3);
    const S = 10;
    const rng = new Rng(7);
    const noise = rng.normalTensor([S, 3]);
    const aux = rng.normalTensor([S, 3]);
    const gr = getEstimator('gr');
    const vi = estimateGradient(gr, problem, { samples: S, rng: new Rng(0), noise, auxNoise: aux });
    const node = tf.tidy(() => {
      const mean = tf.tensor1d(problem.mean);
      const logStd = tf.tensor1d(problem.logStd);
      const x = nodeTransform(gr, tf.add(mean, tf.mul(tf.exp(logStd), noise)), aux);
      const cotangent = tf.grad((p: tf.Tensor) => tf.sum(problem.f(p)))(x);
      const out = nodeBackward(gr, { noise, auxNoise: aux, mean, logStd, cost: problem.f(x), cotangent });
      return [tf.mean(out.perSample.mean, 0), tf.mean(out.perSample.logStd, 0)];
    });
    const [a, b] = [await values(vi.mean), await values(node[0]!)];
    a.forEach((v, i) => expect(b[i]).toBeCloseTo(v, 4));
    const [c, d] = [await values(vi.logStd), await values(node[1]!)];
    c.forEach((v, i) => expect(d[i]).toBeCloseTo(v, 4));
    vi.dispose();
    tf.dispose([...node, noise, aux]);
  });

  it('batched resampling equals per-repeat resampling; the batched Cholesky reconstructs each matrix', async () => {
    const rng = new Rng(2);
    const z = rng.normalTensor([3, 9, 4]);
    const xi = rng.normalTensor([3, 9, 4]);
    const all = await values(gaussianResample(z, xi));
    for (let r = 0; r < 3; r++) {
      const one = await values(gaussianResample(tf.slice(z, [r, 0, 0], [1, 9, 4]), tf.slice(xi, [r, 0, 0], [1, 9, 4])));
      one.forEach((v, i) => expect(all[r * 36 + i]).toBe(v));
    }
    const a = tf.tidy(() => {
      const m = rng.normalTensor([2, 4, 4]);
      return tf.add(tf.matMul(m, m, false, true), tf.mul(tf.eye(4), 0.5));
    });
    const L = choleskyLower(a);
    const back = await values(tf.matMul(L, L, false, true));
    const want = await values(a);
    want.forEach((v, i) => expect(back[i]).toBeCloseTo(v, 4));
    tf.dispose([z, xi, a, L]);
  });

  it('refuses a transform on an estimator that requires logProb, and a transform estimator inside a combinator', () => {
    expect(() => defineEstimator({ name: 'bad', requires: ['logProb'], unbiased: true, transform: (z) => z, gradient: (i) => i.score() })).toThrow(/transform/);
    const gr = getEstimator('gr');
    const combo = defineEstimator({ name: 'wraps-gr', requires: ['pathwise'], unbiased: false, gradient: (inputs) => inputs.perSample(gr) });
    expect(() => estimateGradient(combo, squareObjective(), { samples: 8, rng: new Rng(1) })).toThrow(/auxiliary noise/);
  });
});
