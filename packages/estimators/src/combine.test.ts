import '@pathwise/backend-cpu';
import { Rng, useBackend, tf } from '@pathwise/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { inverseVarianceWeight, spreadAcrossParticles, totalPropagationWeights } from './combine.js';
import { expectClose, values } from './test-helpers.js';

tf.env().set('PROD', true);

const scalar = async (t: tf.Tensor) => (await t.data())[0]!;

describe('total-propagation combination primitive (pipps §6.1 invariants 1, 2, 7)', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });
  const rng = new Rng(7);
  const P = 12;
  const make = (scale: number) => [rng.normalTensor([P, 3, 2], 0, scale), rng.normalTensor([P, 4], 0.5, scale)];
  const lr = make(2);
  const rp = make(0.5);

  it('k_LR = V_RP/(V_LR + V_RP) over all tensors; equals the ratio of mean per-coordinate unbiased variances', async () => {
    const { kLR, kRP } = totalPropagationWeights(lr, rp);
    const k = await scalar(kLR);
    expect(k).toBeGreaterThan(0);
    expect(k).toBeLessThan(1);
    expect(k + (await scalar(kRP))).toBeCloseTo(1, 7);
    // Host reference: per-coordinate unbiased variances averaged over coordinates (the factors cancel).
    const meanVar = async (tensors: tf.Tensor[]) => {
      let sum = 0;
      let count = 0;
      for (const t of tensors) {
        const data = await values(t);
        const per = t.size / P;
        for (let c = 0; c < per; c++) {
          const col = Array.from({ length: P }, (_, p) => data[p * per + c]!);
          const m = col.reduce((a, b) => a + b, 0) / P;
          sum += col.reduce((a, b) => a + (b - m) ** 2, 0) / (P - 1);
          count++;
        }
      }
      return sum / count;
    };
    const vLR = await meanVar(lr);
    const vRP = await meanVar(rp);
    expect(Math.abs(k - vRP / (vLR + vRP)) / k).toBeLessThan(1e-5);
    tf.dispose([kLR, kRP]);
  });

  it('is invariant to common scaling, per-coordinate shifts and particle permutations', async () => {
    const base = await scalar(totalPropagationWeights(lr, rp).kLR);
    const scaled = await scalar(
      totalPropagationWeights(
        lr.map((t) => tf.mul(t, 3.5)),
        rp.map((t) => tf.mul(t, 3.5)),
      ).kLR,
    );
    const shifted = await scalar(
      totalPropagationWeights(
        lr.map((t) => tf.add(t, tf.onesLike(tf.slice(t, 0, 1)))),
        rp,
      ).kLR,
    );
    const perm = tf.tensor1d(Array.from(rng.permutation(P)), 'int32');
    const permuted = await scalar(
      totalPropagationWeights(
        lr.map((t) => tf.gather(t, perm)),
        rp.map((t) => tf.gather(t, perm)),
      ).kLR,
    );
    for (const k of [scaled, shifted, permuted]) expect(Math.abs(k - base)).toBeLessThan(1e-5);
  });

  it('degenerate cases: both zero → 0.5 (tp) or 0 (gippo); V_LR = 0 → 1; V_RP = 0 → 0', async () => {
    const zero = [tf.zeros([P, 2])];
    const noisy = [rng.normalTensor([P, 2])];
    expect(await scalar(totalPropagationWeights(zero, zero).kLR)).toBe(0.5);
    expect(await scalar(totalPropagationWeights(zero, noisy).kLR)).toBe(1);
    expect(await scalar(totalPropagationWeights(noisy, zero).kLR)).toBe(0);
    expect(await scalar(inverseVarianceWeight(tf.scalar(0), tf.scalar(0), { rule: 'gippo' }))).toBe(0);
    expect(await scalar(inverseVarianceWeight(tf.scalar(NaN), tf.scalar(1)))).toBe(0.5);
    expect(await scalar(inverseVarianceWeight(tf.scalar(1), tf.scalar(3), { rule: 'gippo', eps: 1e-8 }))).toBeCloseTo(0.75, 6);
  });

  it('gives the same weight from host numbers as from tensors, under both rules', async () => {
    for (const [vLR, vRP] of [
      [3, 1],
      [5, 0],
      [0, 2],
      [0, 0],
      [1e-6, 4e3],
    ] as const) {
      for (const rule of ['gippo', 'tp'] as const) {
        const host = inverseVarianceWeight(vLR, vRP, { rule });
        expect(host).toBeCloseTo(await scalar(inverseVarianceWeight(tf.scalar(vLR), tf.scalar(vRP), { rule })), 6);
        expect(host).toBeGreaterThanOrEqual(0);
        expect(host).toBeLessThanOrEqual(1);
      }
    }
    expect(inverseVarianceWeight(3, 1, { rule: 'gippo' })).toBeCloseTo(0.25, 8);
    expect(inverseVarianceWeight(0, 0, { rule: 'tp' })).toBe(0.5);
    expect(inverseVarianceWeight(0, 0, { rule: 'gippo' })).toBe(0);
  });

  it('spread is the sum of squared deviations from the particle mean', async () => {
    const t = tf.tensor2d([1, 2, 3, 6], [2, 2]);
    expect(await scalar(spreadAcrossParticles([t]))).toBeCloseTo((1 - 2) ** 2 + (3 - 2) ** 2 + (2 - 4) ** 2 + (6 - 4) ** 2, 6);
  });
});
