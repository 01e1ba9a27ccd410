import '@pathwise/backend-cpu';
import '@pathwise/backend-wasm';
import { Rng, useBackend, tf } from '@pathwise/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { exactGradients, optimalBaselines, quadraticControlVariateVariances, rpVariances, sfVariances, type Quadratic } from './closed-form.js';
import { gaussHermiteGrid, weightedMoments } from './quadrature.js';
import { columnMoments, estimateOptimalBaselines, quadraticLogJoint, viGradient, viGradientDraws } from './vi-gradients.js';

tf.env().set('PROD', true);

function randomQuadratic(rng: Rng, d: number): { q: Quadratic; sigma: number[]; mu: number[] } {
  const H = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      const v = i === j ? -0.5 - 1.5 * rng.uniform() : 0.4 * rng.normal();
      H[i]![j] = v;
      H[j]![i] = v;
    }
  }
  return {
    // c0 kept moderate: float32 rounding of f enters every SF draw (docs/algorithms/vi.md §5.3).
    q: { c0: 2 * rng.normal(), g: Array.from({ length: d }, () => rng.normal()), H },
    sigma: Array.from({ length: d }, () => 0.4 + 0.8 * rng.uniform()),
    mu: Array.from({ length: d }, () => rng.normal()),
  };
}

describe.each(['cpu', 'wasm'])('VI estimators on quadrature nodes (%s)', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it('tfjs per-draw terms reproduce the closed-form means and variances at the 5^d Gauss–Hermite nodes', async () => {
    const rng = new Rng(5);
    for (const d of [1, 2, 3]) {
      const { q, sigma, mu } = randomQuadratic(rng, d);
      const { points, weights } = gaussHermiteGrid(d);
      const noise = tf.tensor2d(points.flat(), [points.length, d]);
      const logJoint = quadraticLogJoint(q, mu);
      const b = { mu: mu.map((_, i) => 1 + i), sigma: mu.map((_, i) => -1 - i) };
      const exact = exactGradients(q, sigma);
      const cases = [
        { estimator: 'rp' as const, baseline: 0, v: rpVariances(q, sigma) },
        { estimator: 'sf-joint' as const, baseline: b, v: sfVariances(q, sigma, b) },
        { estimator: 'sf-elbo' as const, baseline: b, v: sfVariances(q, sigma, b, 'elbo') },
      ];
      for (const c of cases) {
        const g = viGradient({ logJoint, mu, sigma, estimator: c.estimator, baseline: c.baseline, samples: points.length, rng, noise });
        const data = { mu: await g.perSample.mu.data(), sigma: await g.perSample.sigma.data(), logsigma: await g.perSample.logsigma.data() };
        g.dispose();
        for (let i = 0; i < d; i++) {
          const column = (key: 'mu' | 'sigma' | 'logsigma') =>
            weightedMoments(
              points.map((_, k) => data[key][k * d + i]!),
              weights,
            );
          const tol = (e: number) => 2e-4 * (1 + Math.abs(e)); // float32 per-draw terms
          expect(Math.abs(column('mu').mean - exact.mu[i]!)).toBeLessThan(tol(exact.mu[i]!));
          expect(Math.abs(column('sigma').mean - exact.sigmaElbo[i]!)).toBeLessThan(tol(exact.sigmaElbo[i]!));
          expect(Math.abs(column('logsigma').mean - exact.logsigmaElbo[i]!)).toBeLessThan(tol(exact.logsigmaElbo[i]!));
          for (const key of ['mu', 'sigma', 'logsigma'] as const) {
            const want = c.v[key][i]!;
            expect(Math.abs(column(key).variance - want), `${c.estimator} ${key}[${i}] d=${d}`).toBeLessThan(1e-3 * (1 + want));
          }
        }
      }
      noise.dispose();
    }
  });

  it('§2.9 control variates from the exact quadratic: SF delta → variance 0; RP linear response → μ 0, σ g²', async () => {
    const rng = new Rng(8);
    const { q, sigma, mu } = randomQuadratic(rng, 3);
    const logJoint = quadraticLogJoint(q, mu);
    const cvVariances = quadraticControlVariateVariances(q, sigma);
    const exact = exactGradients(q, sigma);
    for (const [estimator, kind, want] of [
      ['sf-joint', 'delta', cvVariances.sfDelta],
      ['rp', 'linear-response', cvVariances.rpLinearResponse],
    ] as const) {
      const draws = await viGradientDraws({ logJoint, mu, sigma, estimator, controlVariate: { kind, quadratic: q }, draws: 4000, rng });
      for (const key of ['mu', 'sigma'] as const) {
        const m = columnMoments(draws[key], draws.n, draws.d);
        for (let i = 0; i < 3; i++) {
          // Zero-variance cases are zero up to float32 rounding of f (|f| ~ 10, eps ~ 1e-6).
          expect(Math.abs(m.variance[i]! - want[key][i]!)).toBeLessThan(5 * m.seVariance[i]! + 1e-6);
          const target = key === 'mu' ? exact.mu[i]! : exact.sigmaElbo[i]!;
          expect(Math.abs(m.mean[i]! - target)).toBeLessThan(5 * m.seMean[i]! + 1e-4);
        }
      }
    }
  });

  it('leaves no tensors behind', () => {
    const rng = new Rng(1);
    const { q, sigma, mu } = randomQuadratic(rng, 2);
    const logJoint = quadraticLogJoint(q, mu);
    const before = tf.memory().numTensors;
    for (const estimator of ['rp', 'sf-joint', 'sf-elbo'] as const) viGradient({ logJoint, mu, sigma, estimator, samples: 5, rng }).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('VI estimators: Monte Carlo against the closed forms on random quadratics, d = 1..10 (cpu)', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });
  const rng = new Rng(31);
  for (let d = 1; d <= 10; d++) {
    it(`d = ${d}: means and single-draw variances within 5 standard errors`, async () => {
      const { q, sigma, mu } = randomQuadratic(rng, d);
      const logJoint = quadraticLogJoint(q, mu);
      const exact = exactGradients(q, sigma);
      const optimal = optimalBaselines(q, sigma);
      const pilot = await estimateOptimalBaselines({ logJoint, mu, sigma, variant: 'joint', draws: 20000, rng });
      // The pilot estimate of the optimal baseline converges to the closed form.
      pilot.mu.forEach((v, i) => expect(Math.abs(v - optimal.mu[i]!)).toBeLessThan(0.1 * (1 + Math.abs(optimal.mu[i]!))));
      const cases = [
        { name: 'rp', estimator: 'rp' as const, baseline: 0 as const, v: rpVariances(q, sigma) },
        { name: 'sf-joint b=0', estimator: 'sf-joint' as const, baseline: 0, v: sfVariances(q, sigma, 0) },
        { name: 'sf-joint b*', estimator: 'sf-joint' as const, baseline: optimal, v: sfVariances(q, sigma, optimal) },
        { name: 'sf-elbo b=0', estimator: 'sf-elbo' as const, baseline: 0, v: sfVariances(q, sigma, 0, 'elbo') },
      ];
      for (const c of cases) {
        const draws = await viGradientDraws({ logJoint, mu, sigma, estimator: c.estimator, baseline: c.baseline, draws: 40000, chunk: 10000, rng });
        for (const key of ['mu', 'sigma', 'logsigma'] as const) {
          const m = columnMoments(draws[key], draws.n, draws.d);
          const target = key === 'mu' ? exact.mu : key === 'sigma' ? exact.sigmaElbo : exact.logsigmaElbo;
          for (let i = 0; i < d; i++) {
            const label = `${c.name} ${key}[${i}]`;
            expect(Math.abs(m.mean[i]! - target[i]!), `${label} mean`).toBeLessThan(5 * m.seMean[i]! + 1e-5);
            expect(Math.abs(m.variance[i]! - c.v[key][i]!), `${label} variance ${m.variance[i]} vs ${c.v[key][i]}`).toBeLessThan(5 * m.seVariance[i]! + 1e-6);
          }
        }
      }
    });
  }
});
