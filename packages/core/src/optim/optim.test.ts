import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../tf.js';
import { Adam } from './adam.js';
import { clipGradNorm, globalNorm, nanToZero } from './clip.js';
import { constantSchedule, linearSchedule } from './schedule.js';
import { ConfigError, ShapeError } from '../errors.js';
import { useCpu, tensorCountAround } from '../test-helpers.js';

beforeAll(useCpu);

/** torch.optim.Adam (amsgrad=False, weight_decay=0) written out in float64. */
function referenceAdam(params: number[], grads: number[][], lr: number, betas: [number, number], eps: number, maxNorm?: number): number[] {
  const p = [...params];
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  grads.forEach((gRaw, k) => {
    const t = k + 1;
    let g = [...gRaw];
    if (maxNorm !== undefined) {
      const norm = Math.sqrt(g.reduce((a, x) => a + x * x, 0));
      const coef = Math.min(maxNorm / (norm + 1e-6), 1);
      g = g.map((x) => x * coef);
    }
    for (let i = 0; i < p.length; i++) {
      m[i] = betas[0] * m[i]! + (1 - betas[0]) * g[i]!;
      v[i] = betas[1] * v[i]! + (1 - betas[1]) * g[i]! ** 2;
      const bc1 = 1 - betas[0] ** t;
      const bc2 = 1 - betas[1] ** t;
      const denom = Math.sqrt(v[i]!) / Math.sqrt(bc2) + eps;
      p[i] = p[i]! - (lr / bc1) * (m[i]! / denom);
    }
  });
  return p;
}

describe('Adam (PyTorch semantics, fused over a flat vector)', () => {
  const gradSequence = [
    [0.5, -1, 2, 1e-3, 0],
    [0.4, -0.9, -3, 2e-3, 1e-9],
    [10, 0.1, 0.2, -1e-3, -1e-9],
    [0.01, 0.02, 0.03, 0.04, 0.05],
  ];

  it.each([
    ['default betas', [0.9, 0.999] as [number, number], undefined],
    ['GI-PPO betas (0.7, 0.95) with clipping', [0.7, 0.95] as [number, number], 1.0],
  ])('matches the float64 reference: %s', (_name, betas, maxNorm) => {
    const a = tf.variable(
      tf.tensor2d([
        [1, 2],
        [3, 4],
      ]),
    );
    const b = tf.variable(tf.tensor1d([5]));
    const adam = new Adam([a, b], { lr: 0.01, betas, maxGradNorm: maxNorm });
    for (const g of gradSequence) {
      tf.tidy(() => {
        adam.step([tf.tensor2d(g.slice(0, 4), [2, 2]), tf.tensor1d(g.slice(4))]);
      });
    }
    const got = [...a.dataSync(), ...b.dataSync()];
    const want = referenceAdam([1, 2, 3, 4, 5], gradSequence, 0.01, betas, 1e-8, maxNorm);
    got.forEach((x, i) => expect(x).toBeCloseTo(want[i]!, 5));
    expect(adam.stepCount).toBe(4);
    adam.dispose();
  });

  it('uses eps 1e-8 (tfjs uses 1e-7): a tiny gradient gives an almost full step', () => {
    const x = tf.variable(tf.tensor1d([0]));
    const adam = new Adam([x], { lr: 1 });
    tf.tidy(() => {
      adam.step([tf.tensor1d([1e-6])]);
    });
    // step = lr * g / (|g| + eps) = 1e-6 / (1e-6 + 1e-8)
    expect(-x.dataSync()[0]!).toBeCloseTo(1e-6 / (1e-6 + 1e-8), 4);
    adam.dispose();
  });

  it('accepts the grads map of tf.variableGrads and returns the pre-clip norm', () => {
    const w = tf.variable(tf.tensor1d([3, 4]));
    const adam = new Adam([w], { lr: 0.1, maxGradNorm: 1 });
    const norm = tf.tidy(() => {
      const { grads } = tf.variableGrads(() => tf.sum(tf.square(w)) as tf.Scalar, [w]);
      return adam.step(grads);
    });
    expect(norm.dataSync()[0]).toBeCloseTo(10, 5); // |2w| = |(6, 8)|
    norm.dispose();
    adam.dispose();
  });

  it('NaN gradients become zero with nanToZero', () => {
    const w = tf.variable(tf.tensor1d([1, 1]));
    const adam = new Adam([w], { lr: 0.1, nanToZero: true });
    tf.tidy(() => {
      adam.step([tf.tensor1d([Number.NaN, 1])]);
    });
    const [a, b] = w.dataSync();
    expect(a).toBe(1);
    expect(b).toBeCloseTo(0.9, 5);
    adam.dispose();
  });

  it('state() and load() resume exactly', async () => {
    const run = async (split: boolean) => {
      const w = tf.variable(tf.tensor1d([1, -2, 3]));
      let adam = new Adam([w], { lr: 0.05, betas: [0.7, 0.95] });
      for (let k = 0; k < 6; k++) {
        if (split && k === 3) {
          const saved = JSON.parse(JSON.stringify(await adam.state()));
          adam.dispose();
          adam = new Adam([w], { lr: 0.05, betas: [0.7, 0.95] });
          adam.load(saved);
        }
        tf.tidy(() => {
          adam.step([tf.mul(w, tf.scalar(k + 1))]);
        });
      }
      adam.dispose();
      const out = Array.from(w.dataSync());
      w.dispose();
      return out;
    };
    expect(await run(true)).toEqual(await run(false));
  });

  it('rejects bad options and mismatched gradients', () => {
    const w = tf.variable(tf.tensor1d([1, 2]));
    expect(() => new Adam([w], { lr: -1 })).toThrow(ConfigError);
    expect(() => new Adam([w], { lr: 1, betas: [1, 0.9] })).toThrow(/\[0, 1\)/);
    expect(() => new Adam([w], { lr: 1, maxGradNorm: 0 })).toThrow(ConfigError);
    const adam = new Adam([w], { lr: 1 });
    expect(() => adam.step([tf.zeros([3])])).toThrow(ShapeError);
    expect(() => adam.step([])).toThrow(/got 0 gradients for 1/);
    expect(() => adam.step({})).toThrow(/no gradient for variable/);
    expect(() => adam.load({ step: 1, lr: 1, m: [0], v: [0] })).toThrow(ShapeError);
    adam.dispose();
  });

  it('leaks no tensors over 100 steps, even inside a caller tidy', () => {
    const w = tf.variable(tf.ones([8, 8]));
    const adam = new Adam([w], { lr: 0.01, maxGradNorm: 1, nanToZero: true });
    const { before, after } = tensorCountAround(() => {
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => tf.sum(tf.square(w)) as tf.Scalar, [w]);
        adam.step(grads);
      });
    });
    expect(after).toBe(before);
    adam.dispose();
  });
});

describe('clipGradNorm (clip_grad_norm_ semantics)', () => {
  it('scales by min(1, max/(norm + 1e-6)) over all tensors together', () => {
    const { grads, norm } = clipGradNorm([tf.tensor1d([3, 0]), tf.tensor1d([4])], 1);
    expect(norm.dataSync()[0]).toBeCloseTo(5, 6);
    const coef = 1 / (5 + 1e-6);
    expect(grads[0]!.dataSync()[0]).toBeCloseTo(3 * coef, 6);
    expect(grads[1]!.dataSync()[0]).toBeCloseTo(4 * coef, 6);
    const small = clipGradNorm([tf.tensor1d([0.3, 0.4])], 1);
    expect(Array.from(small.grads[0]!.dataSync())).toEqual([Math.fround(0.3), Math.fround(0.4)]);
    expect(globalNorm([tf.tensor1d([1, 2, 2])]).dataSync()[0]).toBeCloseTo(3, 6);
  });

  it('replaces NaN before clipping when asked', () => {
    const g = nanToZero(tf.tensor1d([Number.NaN, 2]));
    expect(Array.from(g.dataSync())).toEqual([0, 2]);
    const { norm } = clipGradNorm([tf.tensor1d([Number.NaN, 2])], 1, { nanToZero: true });
    expect(norm.dataSync()[0]).toBeCloseTo(2, 6);
  });
});

describe('schedules', () => {
  it('linear reproduces the GI-PPO reference lr(e) = lr0 + (1e-5 − lr0)·e/max_epochs', () => {
    const s = linearSchedule({ from: 1e-3, to: 1e-5, steps: 2000 });
    expect(s(0)).toBe(1e-3);
    expect(s(1)).toBeCloseTo(1e-3 + (1e-5 - 1e-3) / 2000, 15);
    expect(s(2000)).toBeCloseTo(1e-5, 15);
    expect(s(2001)).toBeCloseTo(1e-5, 15);
    expect(constantSchedule(0.3)(77)).toBe(0.3);
    expect(() => linearSchedule({ from: 1, to: 0, steps: 0 })).toThrow(ConfigError);
    expect(() => constantSchedule(Number.NaN)).toThrow(ConfigError);
  });
});
