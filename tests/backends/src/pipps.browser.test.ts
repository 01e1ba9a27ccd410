// Total propagation on a browser backend: one TP backward pass (particle tape, two messages per
// node, inverse-variance weights) on webgl agrees with the same pass on cpu, same seed and noise.
import { describe, expect, it } from 'vitest';
import '@pathwise/backend-cpu';
import '@pathwise/backend-webgl';
import { Rng, tf, useBackend } from '@pathwise/core';
import { cartpoleSystem, gradientToHost, linearGaussianSystem, pippsGradient, makePropagator } from '@pathwise/pipps';

async function tpPass(backend: string, system: 'linear' | 'cartpole') {
  await useBackend(backend);
  const sys = system === 'linear' ? linearGaussianSystem() : cartpoleSystem({ seed: 3, scale: 0.141 });
  const before = tf.memory().numTensors;
  const result = pippsGradient(sys, { particles: 64, horizon: system === 'linear' ? 10 : 5, rng: new Rng(11), propagator: makePropagator('tp') });
  const flat = Array.from(gradientToHost(result.gradients));
  tf.dispose(result.gradients);
  const leaked = tf.memory().numTensors - before;
  tf.dispose(sys.params as tf.Tensor[]);
  return { backend: tf.getBackend(), flat, objective: result.objective, kLR: result.kLR, leaked };
}

describe('PIPPS total propagation in the browser', () => {
  it.each(['linear', 'cartpole'] as const)('a TP backward pass on webgl matches cpu (%s system)', async (system) => {
    const reference = await tpPass('cpu', system);
    const got = await tpPass('webgl', system);
    expect(got.backend).toBe('webgl');
    expect(got.leaked).toBe(0);
    expect(got.objective).toBeCloseTo(reference.objective, 3);
    expect(got.kLR.length).toBe(reference.kLR.length);
    got.kLR.forEach((k, i) => {
      expect(k).toBeGreaterThanOrEqual(0);
      expect(k).toBeLessThanOrEqual(1);
      expect(Math.abs(k - reference.kLR[i]!)).toBeLessThan(2e-3);
    });
    const norm = Math.hypot(...reference.flat);
    const diff = Math.hypot(...got.flat.map((v, i) => v - reference.flat[i]!));
    expect(norm).toBeGreaterThan(0);
    expect(diff / norm, `relative gradient difference ${diff / norm}`).toBeLessThan(5e-3);
  });
});
