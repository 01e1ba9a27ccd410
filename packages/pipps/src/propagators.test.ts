import '@pathwise/backend-cpu';
import { CapabilityError, Rng, tf, useBackend } from '@pathwise/core';
import { defineEstimator, getEstimator, registerEstimator } from '@pathwise/estimators';
import { beforeAll, describe, expect, it } from 'vitest';
import { chaoticRnnSystem, linearGaussianSystem, makePropagator, pippsGradient, PIPPS_METHODS, propagatorFromEstimator, type Propagator } from './index.js';

tf.env().set('PROD', true);

const c = { a: 0.9, b: 0.5, sigma: 0.3, theta: -0.6 };

/**
 * Closed forms of docs/algorithms/pipps.md §2.2, §2.3 and §2.5 for the linear-Gaussian chain
 * x_{t+1} = (a + bθ) x_t + σ ε, cost x_t², in float64 on the host from the same noise as the tape
 * (x_0 first, then ε_1, ..., ε_T). Returns dĴ/dθ and TP's k_LR per node (forward order).
 */
function hostGradients(seed: number, P: number, T: number): { rp: number; lr: number; tp: number; kLR: number[] } {
  const rng = new Rng(seed);
  const x: number[][] = [Array.from(rng.fillNormal(new Float32Array(P), 1, 0.2))];
  const eps: number[][] = [];
  const k = c.a + c.b * c.theta;
  for (let t = 0; t < T; t++) {
    const e = Array.from(rng.fillNormal(new Float32Array(P)));
    eps.push(e);
    x.push(x[t]!.map((v, i) => k * v + c.sigma * e[i]!));
  }
  // Return-to-go G_{t+1} = Σ_{h ≥ t+1} x_h².
  const G: number[][] = new Array(T + 1);
  G[T] = x[T]!.map((v) => v * v);
  for (let t = T - 1; t >= 1; t--) G[t] = G[t + 1]!.map((g, i) => g + x[t]![i]! ** 2);
  const loo = (g: number[]) => {
    const m = g.reduce((s, v) => s + v, 0) / P;
    return g.map((v) => (v - m) / (P - 1));
  };
  const sum = (v: number[]) => v.reduce((s, u) => s + u, 0);
  const spread = (h: number[]) => {
    const m = sum(h) / h.length;
    return sum(h.map((v) => (v - m) ** 2));
  };
  // RP: forward sensitivities dx_t/dθ.
  let dx = new Array<number>(P).fill(0);
  let rp = 0;
  for (let t = 0; t < T; t++) {
    dx = dx.map((d, i) => c.b * x[t]![i]! + k * d);
    rp += sum(x[t + 1]!.map((v, i) => (2 * v * dx[i]!) / P));
  }
  // LR: Σ_t Σ_i (G − b)/P · ε/σ · b x_t.
  let lr = 0;
  for (let t = 0; t < T; t++) {
    const A = loo(G[t + 1]!);
    lr += sum(A.map((a, i) => ((a * eps[t]![i]!) / c.sigma) * c.b * x[t]![i]!));
  }
  // TP: backwards, the combined message γ = ∂Ĵ/∂x_{t+1}.
  let gamma = x[T]!.map((v) => (2 * v) / P);
  let tp = 0;
  const kLR: number[] = [];
  for (let t = T - 1; t >= 0; t--) {
    const A = loo(G[t + 1]!);
    const aLR = A.map((a, i) => (a * eps[t]![i]!) / c.sigma); // ∂/∂mean of the LR message
    const hLR = aLR.map((v, i) => v * c.b * x[t]![i]!);
    const hRP = gamma.map((v, i) => v * c.b * x[t]![i]!);
    const [vLR, vRP] = [spread(hLR), spread(hRP)];
    const kl = vLR + vRP > 0 ? Math.min(Math.max(vRP / (vLR + vRP), 0), 1) : 0.5;
    kLR.unshift(kl);
    tp += kl * sum(hLR) + (1 - kl) * sum(hRP);
    if (t >= 1) gamma = gamma.map((g, i) => kl * aLR[i]! * k + (1 - kl) * g * k + (2 * x[t]![i]!) / P);
  }
  return { rp, lr, tp, kLR };
}

const gradientOf = (system: ReturnType<typeof linearGaussianSystem> | ReturnType<typeof chaoticRnnSystem>, propagator: Propagator, seed: number, P: number, T: number) => {
  const result = pippsGradient(system, { particles: P, horizon: T, rng: new Rng(seed), propagator });
  const value = Array.from(result.gradients[0]!.dataSync());
  tf.dispose(result.gradients);
  return { value: value[0]!, values: value, objective: result.objective, kLR: result.kLR };
};

describe('the generic propagator (any registered estimator on the particle tape)', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('rp, lr, tp equal the closed forms of §2.2, §2.3 and §2.5 on the linear-Gaussian chain (T = 1, 3)', () => {
    const system = linearGaussianSystem();
    for (const [seed, P, T] of [
      [3, 9, 1],
      [5, 12, 3],
      [8, 20, 3],
    ] as const) {
      const host = hostGradients(seed, P, T);
      const rp = gradientOf(system, makePropagator('rp'), seed, P, T);
      const lr = gradientOf(system, makePropagator('lr'), seed, P, T);
      const tp = gradientOf(system, makePropagator('tp'), seed, P, T);
      const close = (got: number, want: number) => expect(Math.abs(got - want)).toBeLessThan(1e-4 * Math.max(1, Math.abs(want)));
      close(rp.value, host.rp);
      close(lr.value, host.lr);
      close(tp.value, host.tp);
      expect(tp.kLR).toHaveLength(T);
      tp.kLR.forEach((k, t) => expect(Math.abs(k - host.kLR[t]!)).toBeLessThan(1e-4));
      expect(rp.kLR).toEqual([]);
      expect(lr.kLR).toEqual([]);
      expect(Math.abs(host.rp - host.lr)).toBeGreaterThan(1e-3); // distinct estimators: the checks say something
    }
    tf.dispose(system.params as tf.Tensor[]);
  });

  it('maps the PIPPS method names (lr is lr-loo) and accepts estimator names as they are', () => {
    expect(PIPPS_METHODS).toEqual({ rp: 'rp', lr: 'lr-loo', tp: 'tp', gr: 'gr' });
    expect(makePropagator('lr').estimator!.name).toBe('lr-loo');
    expect(makePropagator('lr').pathwiseCost).toBe(false);
    expect(makePropagator('lr+rp').estimator!.name).toBe('lr+rp');
    const system = linearGaussianSystem();
    // lr and lr-loo are one estimator.
    expect(gradientOf(system, makePropagator('lr-loo'), 4, 10, 3).value).toBe(gradientOf(system, makePropagator('lr'), 4, 10, 3).value);
    // lr+rp (GI-PPO's rule, variances from the first 16 particles) runs and reports its k_LR per node.
    const lrp = gradientOf(system, makePropagator('lr+rp'), 4, 24, 3);
    expect(lrp.kLR).toHaveLength(3);
    expect(Number.isFinite(lrp.value)).toBe(true);
    tf.dispose(system.params as tf.Tensor[]);
  });

  it('runs a plugin estimator defined with defineEstimator, registered by name', () => {
    // A scaled RP: 2·∇f, registered and looked up through makePropagator like a built-in.
    registerEstimator(
      defineEstimator({
        name: 'test-double-rp',
        requires: ['pathwise'],
        unbiased: false,
        gradient: (inputs) => {
          const { gradX } = inputs.pathwise();
          return { mean: tf.mul(gradX, 2), logStd: tf.mul(gradX, tf.mul(2, tf.mul(inputs.std(), inputs.noise))) };
        },
      }),
    );
    const system = linearGaussianSystem();
    const rp = gradientOf(system, makePropagator('rp'), 6, 10, 1).value;
    const doubled = gradientOf(system, makePropagator('test-double-rp'), 6, 10, 1).value;
    expect(doubled).toBeCloseTo(2 * rp, 5);
    tf.dispose(system.params as tf.Tensor[]);
  });

  it('refuses DiCE (surrogate) and the moving-average LR (stateful) with a CapabilityError naming what is missing', () => {
    const refuse = (name: string, what: RegExp) => {
      let error: unknown;
      try {
        makePropagator(name);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(CapabilityError);
      expect(String((error as Error).message)).toMatch(/PIPPS particle tape/);
      expect(String((error as Error).message)).toMatch(what);
    };
    refuse('dice', /surrogate/);
    refuse('lr-moving-average', /state/);
    expect(() => makePropagator('no-such-estimator')).toThrow(/no-such-estimator/);
  });

  it('gr in the tape: the resampled particles are the estimator’s transform; the gradient equals a finite difference', () => {
    const gr = getEstimator('gr');
    const rnn = chaoticRnnSystem({ sigma: 0.05 });
    const P = 20;
    const T = 3;
    const value = gradientOf(rnn, propagatorFromEstimator(gr), 4, P, T).value;
    const objective = (beta: number) => {
      const s = chaoticRnnSystem({ beta, sigma: 0.05 });
      const v = gradientOf(s, makePropagator('gr'), 4, P, T).objective;
      tf.dispose(s.params as tf.Tensor[]);
      return v;
    };
    const fd = (objective(2.4 + 1e-2) - objective(2.4 - 1e-2)) / 2e-2;
    expect(Math.abs(value - fd)).toBeLessThan(2e-2 * Math.max(0.1, Math.abs(fd)));
    // Too few particles for a covariance: a ConfigError from the transform.
    expect(() => gradientOf(rnn, makePropagator('gr'), 4, 2, 2)).toThrow(/more than the dimension/);
    tf.dispose(rnn.params as tf.Tensor[]);
  });

  it('leaks no tensors for rp, lr, tp, gr and a plugin', () => {
    const system = chaoticRnnSystem();
    for (const name of ['rp', 'lr', 'tp', 'gr', 'lr+rp', 'test-double-rp']) {
      gradientOf(system, makePropagator(name), 1, 20, 3);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) gradientOf(system, makePropagator(name), 2 + i, 20, 4);
      expect(tf.memory().numTensors, name).toBe(before);
    }
    tf.dispose(system.params as tf.Tensor[]);
  });
});
