import '@pathwise/backend-cpu';
import { Rng, useBackend, tf } from '@pathwise/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { fitMeanField } from './fit.js';
import { meanFieldOptimum, taylorOfGlobal } from './closed-form.js';
import { quadraticLogJoint } from './vi-gradients.js';

tf.env().set('PROD', true);

describe('ELBO optimisation with Adam', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });
  // Correlated Gaussian target f = −½θᵀAθ + bᵀθ: the mean-field optimum is μ* = A⁻¹b, σ*² = 1/A_jj.
  const A = [
    [2, 0.6, 0.1],
    [0.6, 1.5, -0.3],
    [0.1, -0.3, 1],
  ];
  const b = [1, -2, 0.5];
  const optimum = meanFieldOptimum(A, b);
  const logJoint = quadraticLogJoint(taylorOfGlobal(A, b, 0, [0, 0, 0]), [0, 0, 0]);

  for (const [estimator, steps, tol] of [
    ['rp', 1500, 0.05],
    ['sf-joint', 3000, 0.12],
    ['sf-elbo', 3000, 0.12],
  ] as const) {
    it(`${estimator} converges to the mean-field optimum`, async () => {
      const before = tf.memory().numTensors;
      const fit = await fitMeanField({ logJoint, init: { mu: [0, 0, 0], sigma: [1, 1, 1] }, estimator, steps, samples: 64, lr: 0.05, rng: new Rng(2) });
      expect(tf.memory().numTensors).toBe(before);
      fit.mu.forEach((m, i) => expect(Math.abs(m - optimum.mu[i]!), `mu[${i}] ${m} vs ${optimum.mu[i]}`).toBeLessThan(tol * (1 + Math.abs(optimum.mu[i]!))));
      fit.sigma.forEach((s, i) => expect(Math.abs(s - optimum.sigma[i]!), `sigma[${i}] ${s} vs ${optimum.sigma[i]}`).toBeLessThan(tol * optimum.sigma[i]! * 2));
      // Exact ELBO: at the start (μ = 0, σ = 1) −½ΣA_jj + (d/2)(1 + log 2π) = 2.0068; at the optimum
      // (Aμ* = b, σ_j² = 1/A_jj) ½bᵀμ* − d/2 + Σ log σ_j + (d/2)(1 + log 2π). The 256-draw estimate has sd < 0.05.
      const d = 3;
      const exactOptimum = 0.5 * b.reduce((a, v, i) => a + v * optimum.mu[i]!, 0) + optimum.sigma.reduce((a, s) => a + Math.log(s), 0) - d / 2 + (d / 2) * (1 + Math.log(2 * Math.PI));
      const last = fit.elboTrace[fit.elboTrace.length - 1]!.elbo;
      expect(Math.abs(last - exactOptimum)).toBeLessThan(0.1);
      expect(last).toBeGreaterThan(2.0068 + 1);
    });
  }
});
