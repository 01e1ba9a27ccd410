import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from './tf.js';
import { DiagGaussian } from './distributions.js';
import { Rng } from './rng.js';
import { ConfigError, ShapeError } from './errors.js';
import { gradCheck } from './gradcheck.js';
import { useCpu, tensorCountAround } from './test-helpers.js';

beforeAll(useCpu);

const LOG_2PI = Math.log(2 * Math.PI);

describe('DiagGaussian', () => {
  const mean = () =>
    tf.tensor2d([
      [0.5, -1],
      [2, 0],
    ]);
  const std = () =>
    tf.tensor2d([
      [1.5, 0.2],
      [1, 3],
    ]);

  it('logProb, entropy and KL match closed forms (float64 reference)', () => {
    const d = new DiagGaussian(mean(), std());
    const x = tf.tensor2d([
      [1, -1.1],
      [0, 4],
    ]);
    const m = [
      [0.5, -1],
      [2, 0],
    ];
    const s = [
      [1.5, 0.2],
      [1, 3],
    ];
    const xs = [
      [1, -1.1],
      [0, 4],
    ];
    const lp = d.logProb(x).arraySync() as number[];
    const ent = d.entropy().arraySync() as number[];
    for (let r = 0; r < 2; r++) {
      let want = 0;
      let wantEnt = 0;
      for (let c = 0; c < 2; c++) {
        want += -0.5 * ((xs[r]![c]! - m[r]![c]!) / s[r]![c]!) ** 2 - Math.log(s[r]![c]!) - 0.5 * LOG_2PI;
        wantEnt += 0.5 + 0.5 * LOG_2PI + Math.log(s[r]![c]!);
      }
      expect(lp[r]).toBeCloseTo(want, 5);
      expect(ent[r]).toBeCloseTo(wantEnt, 5);
    }
    const other = new DiagGaussian(
      tf.tensor2d([
        [0, 0],
        [1, 1],
      ]),
      tf.tensor2d([
        [1, 1],
        [2, 0.5],
      ]),
    );
    const kl = d.kl(other).arraySync() as number[];
    const om = [
      [0, 0],
      [1, 1],
    ];
    const os = [
      [1, 1],
      [2, 0.5],
    ];
    for (let r = 0; r < 2; r++) {
      let want = 0;
      for (let c = 0; c < 2; c++) {
        want += Math.log(os[r]![c]! / s[r]![c]!) + (s[r]![c]! ** 2 + (m[r]![c]! - om[r]![c]!) ** 2) / (2 * os[r]![c]! ** 2) - 0.5;
      }
      expect(kl[r]).toBeCloseTo(want, 4);
    }
    expect(d.kl(d).arraySync()).toEqual([0, 0]);
  });

  it('rsample returns the noise it used and sample = mean + std * noise', () => {
    const d = new DiagGaussian(mean(), std());
    const { sample, noise } = d.rsample(new Rng(11));
    const again = d.transform(noise);
    expect(Array.from(sample.dataSync())).toEqual(Array.from(again.dataSync()));
    const n = noise.arraySync() as number[][];
    const want = n.map((row, r) =>
      row.map(
        (e, c) =>
          [
            [0.5, -1],
            [2, 0],
          ][r]![c]! +
          [
            [1.5, 0.2],
            [1, 3],
          ][r]![c]! *
            e,
      ),
    );
    (sample.arraySync() as number[][]).forEach((row, r) => row.forEach((v, c) => expect(v).toBeCloseTo(want[r]![c]!, 5)));
  });

  it('rsample is differentiable, sample is not', () => {
    const m = tf.tensor2d([[0.3, 0.4]]);
    const s = tf.tensor2d([[0.5, 2]]);
    const gRsample = tf.grads((mm: tf.Tensor, ss: tf.Tensor) => tf.sum(new DiagGaussian(mm, ss).rsample(new Rng(1)).sample))([m, s]);
    expect(Array.from(gRsample[0]!.dataSync())).toEqual([1, 1]);
    const noise = new DiagGaussian(m, s).rsample(new Rng(1)).noise.dataSync();
    Array.from(gRsample[1]!.dataSync()).forEach((g, i) => expect(g).toBeCloseTo(noise[i]!, 6));
    const gSample = tf.grad((mm: tf.Tensor) => tf.sum(new DiagGaussian(mm, s).sample(new Rng(1))))(m);
    expect(Array.from(gSample.dataSync())).toEqual([0, 0]);
  });

  it('sample moments match the parameters', () => {
    const n = 20_000;
    const d = new DiagGaussian(tf.fill([n, 1], 1.5), tf.fill([n, 1], 0.7));
    const x = Array.from(d.sample(new Rng(2)).dataSync());
    const mu = x.reduce((a, b) => a + b, 0) / n;
    const variance = x.reduce((a, b) => a + (b - mu) ** 2, 0) / (n - 1);
    expect(Math.abs(mu - 1.5)).toBeLessThan((5 * 0.7) / Math.sqrt(n));
    expect(Math.abs(variance - 0.49)).toBeLessThan(5 * 0.49 * Math.sqrt(2 / n));
  });

  it('logProb gradients pass finite-difference checks in mean, std and x', async () => {
    const x = tf.tensor2d([[0.2, -0.7, 1.1]]);
    const m = tf.tensor2d([[0.1, -0.5, 0.3]]);
    const s = tf.tensor2d([[0.8, 1.3, 0.6]]);
    for (const [which, f] of [
      ['mean', (v: tf.Tensor) => tf.sum(new DiagGaussian(v, s).logProb(x)) as tf.Scalar],
      ['std', (v: tf.Tensor) => tf.sum(new DiagGaussian(m, v).logProb(x)) as tf.Scalar],
      ['x', (v: tf.Tensor) => tf.sum(new DiagGaussian(m, s).logProb(v)) as tf.Scalar],
      ['kl', (v: tf.Tensor) => tf.sum(new DiagGaussian(v, s).kl(new DiagGaussian(m, tf.onesLike(m)))) as tf.Scalar],
    ] as const) {
      const at = which === 'std' ? s : which === 'x' ? x : m;
      const result = await gradCheck(f, at, { eps: 1e-2, rtol: 2e-2, atol: 2e-3 });
      expect(result.ok, `${which}: ${JSON.stringify(result)}`).toBe(true);
    }
  });

  it('broadcasts a [D] std over a [B, D] mean', () => {
    const d = new DiagGaussian(tf.zeros([3, 2]), tf.tensor1d([1, 2]));
    expect(d.logProb(tf.zeros([3, 2])).shape).toEqual([3]);
    expect(d.entropy().shape).toEqual([3]);
    expect(d.dim).toBe(2);
  });

  it('rejects wrong shapes with clear errors', () => {
    expect(() => new DiagGaussian(tf.zeros([3, 2]), tf.ones([3]))).toThrow(ShapeError);
    expect(() => new DiagGaussian(tf.scalar(0), tf.scalar(1))).toThrow(/rank >= 1/);
    const d = new DiagGaussian(tf.zeros([3, 2]), tf.ones([3, 2]));
    expect(() => d.logProb(tf.zeros([3, 3]))).toThrow(/expected \[3,2\]/);
    expect(() => d.transform(tf.zeros([2]))).toThrow(ShapeError);
    expect(() => d.kl(new DiagGaussian(tf.zeros([1, 2]), tf.ones([1, 2])))).toThrow(ShapeError);
  });

  it('rejects a std that is not finite and > 0: a number always, a small tensor on the host backends', () => {
    const mean = tf.zeros([3, 2]);
    for (const std of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => new DiagGaussian(mean, std)).toThrow(ConfigError);
    expect(() => new DiagGaussian(mean, Number.NaN)).toThrow(`Invalid config 'DiagGaussian std': got NaN, expected a finite number > 0.`);
    expect(() => new DiagGaussian(mean, tf.tensor1d([1, 0]))).toThrow(`Invalid config 'DiagGaussian std[1]': got 0, expected finite and > 0 (a standard deviation).`);
    expect(() => new DiagGaussian(mean, tf.tensor1d([Number.NaN, 1]))).toThrow(/std\[0\]': got NaN/);
    expect(() => new DiagGaussian(mean, tf.scalar(-2))).toThrow(/'DiagGaussian std': got -2/);
    // A number std is a scalar tensor; the log-density equals the tensor form's.
    const x = tf.tensor2d([
      [0.5, -1],
      [1, 2],
      [0, 0],
    ]);
    expect(Array.from(new DiagGaussian(mean, 0.7).logProb(x).dataSync())).toEqual(Array.from(new DiagGaussian(mean, tf.fill([3, 2], 0.7)).logProb(x).dataSync()));
    // fromLogStd is positive by construction and not read back.
    expect(DiagGaussian.fromLogStd(mean, tf.zeros([2])).std.shape).toEqual([2]);
  });

  it('leaks no tensors over 100 calls of every method', () => {
    const m = mean();
    const s = std();
    const x = tf.zeros([2, 2]);
    const rng = new Rng(0);
    const { before, after } = tensorCountAround(() => {
      tf.tidy(() => {
        const d = new DiagGaussian(m, s);
        d.sample(rng);
        d.rsample(rng);
        d.logProb(x);
        d.entropy();
        d.kl(d);
        DiagGaussian.fromLogStd(m, s).logProb(x);
      });
      const d = new DiagGaussian(m, s);
      d.logProb(x).dispose();
      d.entropy().dispose();
      d.sample(rng).dispose();
      const r = d.rsample(rng);
      r.sample.dispose();
      r.noise.dispose();
    });
    expect(after).toBe(before);
  });
});
