import '@pathwise/backend-cpu';
import '@pathwise/backend-wasm';
import { Rng, tf, useBackend, Welford } from '@pathwise/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { defineEstimator, getEstimator } from '@pathwise/estimators';
import { chaoticRnnSystem, FiniteMean, gradientToHost, linearGaussianGradient, linearGaussianSystem, makePropagator, pippsGradient, propagatorFromEstimator, type Propagator } from './index.js';

const rpPropagator = () => makePropagator('rp');
const lrPropagator = () => makePropagator('lr');
const tpPropagator = () => makePropagator('tp');
const grPropagator = () => makePropagator('gr');

/** TP's LR/RP mixture with k_LR pinned (a plugin estimator defined here; replaces the old fixedKLR hook). */
const fixedTp = (kLR: number): Propagator =>
  propagatorFromEstimator(
    defineEstimator({
      name: `tp-fixed-${kLR}`,
      requires: ['logProb', 'pathwise'],
      unbiased: true,
      gradient: (inputs) => {
        const gLR = inputs.perSample(getEstimator('lr-loo'));
        const gRP = inputs.perSample(getEstimator('rp'));
        inputs.variances([gLR, gRP], 0); // the tape maps both parts in one VJP and mixes the images
        const k = tf.scalar(kLR);
        const mix = (a: tf.Tensor, b: tf.Tensor) => tf.add(tf.mul(k, a), tf.mul(1 - kLR, b));
        return { perSample: { mean: mix(gLR.mean, gRP.mean), logStd: mix(gLR.logStd, gRP.logStd) }, mixture: { parts: [gLR, gRP], weights: [k, tf.scalar(1 - kLR)] } };
      },
    }),
  );

tf.env().set('PROD', true);

const gradientOf = (system: ReturnType<typeof linearGaussianSystem> | ReturnType<typeof chaoticRnnSystem>, propagator: Propagator, seed: number, P: number, T: number) => {
  const result = pippsGradient(system, { particles: P, horizon: T, rng: new Rng(seed), propagator });
  const value = result.gradients[0]!.dataSync()[0]!;
  tf.dispose(result.gradients);
  return { value, objective: result.objective, kLR: result.kLR };
};

describe.each(['cpu', 'wasm'])('pipps on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it('RP, LR, TP and GR are unbiased on the linear-Gaussian chain (spec §6.2, z < 5)', () => {
    const T = 3;
    const P = 100;
    const N = backend === 'cpu' ? 150 : 80;
    const analytic = linearGaussianGradient(T);
    expect(analytic).toBeCloseTo(1.46277, 4); // the spec's table
    const system = linearGaussianSystem();
    for (const name of ['rp', 'lr', 'tp', 'gr']) {
      const stats = new Welford(1);
      for (let r = 0; r < N; r++) stats.add([gradientOf(system, makePropagator(name), 1000 + r, P, T).value]);
      const se = stats.standardError()[0]!;
      const z = (stats.mean[0]! - analytic) / se;
      expect(Math.abs(z), `${name}: mean ${stats.mean[0]} ± ${se} vs ${analytic}`).toBeLessThan(5);
      // Not degenerate: a real Monte Carlo spread, and the sign/scale right within 10 %.
      expect(se).toBeGreaterThan(0);
      expect(Math.abs(stats.mean[0]! / analytic - 1)).toBeLessThan(0.1);
    }
    tf.dispose(system.params as tf.Tensor[]);
  });

  it('TP weights: k_LR in [0, 1] equals V_RP/(V_LR + V_RP) from host per-particle parts; TP = k·LR + (1−k)·RP per node', () => {
    const P = 16;
    const system = linearGaussianSystem();
    const c = { a: 0.9, b: 0.5, sigma: 0.3 };
    for (const seed of [3, 4, 5]) {
      // T = 1: every estimator's single node sees the same inbox, so the TP gradient is exactly the mixture.
      const tp = gradientOf(system, tpPropagator(), seed, P, 1);
      const rp = gradientOf(system, rpPropagator(), seed, P, 1);
      const lr = gradientOf(system, lrPropagator(), seed, P, 1);
      expect(tp.kLR).toHaveLength(1);
      const k = tp.kLR[0]!;
      expect(k).toBeGreaterThanOrEqual(0);
      expect(k).toBeLessThanOrEqual(1);
      expect(tp.value).toBeCloseTo(k * lr.value + (1 - k) * rp.value, 5);
      // Host float64 reference of the per-particle parts (same noise: x_0 drawn first, then ε).
      const rng = new Rng(seed);
      const x0 = rng.fillNormal(new Float32Array(P), 1, 0.2);
      const eps = rng.fillNormal(new Float32Array(P));
      const gain = c.a + c.b * -0.6;
      const x1 = Array.from(x0, (x, i) => gain * x + c.sigma * eps[i]!);
      const cost = x1.map((x) => x * x);
      const meanCost = cost.reduce((a, b) => a + b, 0) / P;
      const hRP = x1.map((x, i) => ((2 * x) / P) * c.b * x0[i]!);
      const hLR = cost.map((g, i) => ((g - meanCost) / (P - 1)) * (eps[i]! / c.sigma) * c.b * x0[i]!);
      const spread = (h: number[]) => {
        const m = h.reduce((a, b) => a + b, 0) / h.length;
        return h.reduce((a, v) => a + (v - m) ** 2, 0);
      };
      const expected = spread(hRP) / (spread(hLR) + spread(hRP));
      expect(k).toBeCloseTo(expected, 4);
      expect(rp.value).toBeCloseTo(
        hRP.reduce((a, b) => a + b, 0),
        4,
      );
      expect(lr.value).toBeCloseTo(
        hLR.reduce((a, b) => a + b, 0),
        4,
      );
    }
    tf.dispose(system.params as tf.Tensor[]);
  });

  it('TP reductions with the same noise: k_LR ≡ 0 is RP, k_LR ≡ 1 is LR (spec §6.1.3); RP/GR equal finite differences (§6.1.9)', () => {
    const system = linearGaussianSystem();
    const T = 4;
    const P = 12;
    const rp = gradientOf(system, rpPropagator(), 9, P, T).value;
    const lr = gradientOf(system, lrPropagator(), 9, P, T).value;
    expect(gradientOf(system, fixedTp(0), 9, P, T).value).toBeCloseTo(rp, 5);
    expect(gradientOf(system, fixedTp(1), 9, P, T).value).toBeCloseTo(lr, 5);
    expect(Math.abs(rp - lr)).toBeGreaterThan(1e-3); // the two estimators differ, so the reductions say something
    const h = 1e-2;
    for (const make of [rpPropagator, grPropagator]) {
      const objective = (theta: number) => {
        const s = linearGaussianSystem({ theta });
        const value = gradientOf(s, make(), 9, P, T).objective;
        tf.dispose(s.params as tf.Tensor[]);
        return value;
      };
      const fd = (objective(-0.6 + h) - objective(-0.6 - h)) / (2 * h);
      const pathwise = gradientOf(system, make(), 9, P, T).value;
      expect(Math.abs(pathwise - fd)).toBeLessThan(1e-2 * Math.max(1, Math.abs(fd)));
    }
    // GR through the unrolled 2×2 Cholesky (RNN, D = 2) against finite differences of β.
    const rnnObjective = (beta: number) => {
      const s = chaoticRnnSystem({ beta, sigma: 0.05 });
      const value = gradientOf(s, grPropagator(), 4, 20, 3).objective;
      tf.dispose(s.params as tf.Tensor[]);
      return value;
    };
    const rnn = chaoticRnnSystem({ sigma: 0.05 });
    const gr = gradientOf(rnn, grPropagator(), 4, 20, 3).value;
    const fdRnn = (rnnObjective(2.4 + 1e-2) - rnnObjective(2.4 - 1e-2)) / 2e-2;
    expect(Math.abs(gr - fdRnn)).toBeLessThan(2e-2 * Math.max(0.1, Math.abs(fdRnn)));
    tf.dispose([...system.params, ...rnn.params] as tf.Tensor[]);
  });

  it('is deterministic per seed and leaks no tensors', () => {
    const system = chaoticRnnSystem();
    for (const name of ['rp', 'lr', 'tp', 'gr']) {
      gradientOf(system, makePropagator(name), 1, 8, 4); // warm-up (kernels, backend caches)
      const before = tf.memory().numTensors;
      const a = gradientOf(system, makePropagator(name), 21, 8, 6);
      const b = gradientOf(system, makePropagator(name), 21, 8, 6);
      const c = gradientOf(system, makePropagator(name), 22, 8, 6);
      expect(tf.memory().numTensors, name).toBe(before);
      expect(a.value).toBe(b.value);
      expect(a.objective).toBe(b.objective);
      expect(a.value).not.toBe(c.value);
      expect(Number.isFinite(a.value)).toBe(true);
    }
    tf.dispose(system.params as tf.Tensor[]);
  });
});

describe('host helpers', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('gradientToHost concatenates the gradients in order into float64 and leaves no tensor behind', () => {
    const gradients = [
      tf.tensor1d([1, 2]),
      tf.tensor2d([
        [3, 4],
        [5, 6],
      ]),
    ];
    const before = tf.memory().numTensors;
    const host = gradientToHost(gradients);
    expect(tf.memory().numTensors).toBe(before);
    expect(host).toBeInstanceOf(Float64Array);
    expect(Array.from(host)).toEqual([1, 2, 3, 4, 5, 6]);
    tf.dispose(gradients);
  });

  it('FiniteMean averages only finite values and is NaN before any', () => {
    const mean = new FiniteMean();
    expect(mean.value).toBeNaN();
    mean.add([NaN, Infinity]);
    expect(mean.value).toBeNaN();
    mean.add([0.2, -Infinity, 0.6]);
    mean.add([0.4]);
    expect(mean.value).toBeCloseTo(0.4, 12);
  });
});
