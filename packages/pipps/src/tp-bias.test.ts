import '@pathwise/backend-cpu';
import { Rng, tf, useBackend, Welford } from '@pathwise/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { linearGaussianGradient, linearGaussianSystem, makePropagator, pippsGradient } from './index.js';

tf.env().set('PROD', true);

/**
 * Spec §6.2 test 14: TP's weights are estimated from the same particles as the estimates, so TP
 * is biased by O(1/P). Spec measurements at T = 10 (Proppo agrees): −7.3 % (P = 30), −1.2 %
 * (P = 300). We check both within ±1.5 percentage points, and that the bias shrinks with P.
 */
describe('total propagation bias on the linear-Gaussian chain (spec §6.2 test 14)', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  const relativeBias = (P: number, N: number) => {
    const T = 10;
    const analytic = linearGaussianGradient(T);
    const system = linearGaussianSystem();
    const stats = new Welford(1);
    const propagator = makePropagator('tp');
    for (let r = 0; r < N; r++) {
      const result = pippsGradient(system, { particles: P, horizon: T, rng: new Rng(50_000 + r), propagator });
      stats.add([result.gradients[0]!.dataSync()[0]!]);
      tf.dispose(result.gradients);
    }
    tf.dispose(system.params as tf.Tensor[]);
    return { bias: stats.mean[0]! / analytic - 1, se: stats.standardError()[0]! / analytic };
  };

  it('is −7.3 % ± 1.5 pp at P = 30 and −1.2 % ± 1.5 pp at P = 300, shrinking with P', () => {
    const small = relativeBias(30, 1000);
    const large = relativeBias(300, 300);
    const report = `P=30: ${(100 * small.bias).toFixed(2)} % ± ${(100 * small.se).toFixed(2)}; P=300: ${(100 * large.bias).toFixed(2)} % ± ${(100 * large.se).toFixed(2)}`;
    console.log(report);
    expect(small.bias, report).toBeGreaterThan(-0.088);
    expect(small.bias, report).toBeLessThan(-0.058);
    expect(large.bias, report).toBeGreaterThan(-0.027);
    expect(large.bias, report).toBeLessThan(0.003);
    expect(large.bias - small.bias, report).toBeGreaterThan(3 * Math.hypot(small.se, large.se));
  });
});
