import '@pathwise/backend-cpu';
import { Rng, tf, useBackend } from '@pathwise/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { choleskyLower } from '@pathwise/estimators';
import { cartpoleSystem, doublePendulumSystem, makePropagator, pippsGradient, type ParticleSystem } from './index.js';

tf.env().set('PROD', true);

describe('systems and helpers', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('choleskyLower matches a host float64 Cholesky and reconstructs the matrix', () => {
    const rng = new Rng(2);
    const D = 4;
    const a = Array.from({ length: D * D }, () => rng.normal());
    const S = Array.from({ length: D * D }, (_, k) => {
      const i = Math.floor(k / D),
        j = k % D;
      let s = i === j ? 0.5 : 0;
      for (let m = 0; m < D; m++) s += a[i * D + m]! * a[j * D + m]!;
      return s;
    });
    const L = new Float64Array(D * D);
    for (let i = 0; i < D; i++) {
      for (let j = 0; j <= i; j++) {
        let s = S[i * D + j]!;
        for (let k = 0; k < j; k++) s -= L[i * D + k]! * L[j * D + k]!;
        L[i * D + j] = i === j ? Math.sqrt(s) : s / L[j * D + j]!;
      }
    }
    const before = tf.memory().numTensors;
    const got = tf.tidy(() => choleskyLower(tf.tensor2d(S, [D, D])).dataSync());
    expect(tf.memory().numTensors).toBe(before);
    got.forEach((v, k) => expect(v).toBeCloseTo(L[k]!, 4));
  });

  for (const [name, make] of [
    ['cartpole', () => cartpoleSystem({ seed: 1, scale: 1 })],
    ['double-pendulum', () => doublePendulumSystem({ seed: 1, scale: 1 })],
  ] as const) {
    it(`${name}: RP gradient matches a directional finite difference; TP runs finite without leaks`, () => {
      const system: ParticleSystem = make();
      const P = 8;
      const T = 3;
      const run = (s: ParticleSystem, propagator = makePropagator('rp')) => pippsGradient(s, { particles: P, horizon: T, rng: new Rng(5), propagator });
      const rp = run(system);
      const direction = system.params.map((p, i) => new Rng(10 + i).normalTensor(p.shape));
      const shifted = (h: number): ParticleSystem => ({ ...system, params: system.params.map((p, i) => tf.tidy(() => tf.add(p, tf.mul(direction[i]!, h)))) });
      const h = 1e-2;
      const plus = shifted(h);
      const minus = shifted(-h);
      const fd = (run(plus).objective - run(minus).objective) / (2 * h);
      tf.dispose([...plus.params, ...minus.params] as tf.Tensor[]);
      const directional = tf.tidy(() => tf.addN(rp.gradients.map((g, i) => tf.sum(tf.mul(g, direction[i]!)))).dataSync()[0]!);
      expect(Math.abs(directional - fd)).toBeLessThan(0.05 * Math.abs(fd) + 2e-4);
      expect(Math.abs(fd)).toBeGreaterThan(1e-4);
      tf.dispose([...rp.gradients, ...direction]);
      const before = tf.memory().numTensors;
      const tp = run(system, makePropagator('tp'));
      expect(tp.kLR).toHaveLength(T);
      tp.kLR.forEach((k) => expect(k >= 0 && k <= 1).toBe(true));
      expect(tp.gradients.map((g) => g.shape)).toEqual(system.params.map((p) => p.shape));
      tp.gradients.forEach((g) => expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true));
      tf.dispose(tp.gradients);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose(system.params as tf.Tensor[]);
    });
  }
});
