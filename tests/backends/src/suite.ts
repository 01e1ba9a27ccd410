// One backend-agnostic suite, run on cpu and wasm in Node and on all four backends in headless
// Chromium. Only asynchronous reads (`await t.data()`), because WebGPU has no synchronous download.
import { describe, expect, it } from 'vitest';
import { Adam, DiagGaussian, LayerNorm, Linear, MLP, Rng, gradCheck, parametersOf, tf, useBackend } from '@pathwise/core';

type Fn = (x: tf.Tensor) => tf.Scalar;

const weights = (n: number) => tf.tensor1d(Array.from({ length: n }, (_, i) => 0.3 + ((i * 37) % 11) / 7));
const weighted =
  (f: (x: tf.Tensor) => tf.Tensor): Fn =>
  (x) =>
    tf.sum(tf.mul(tf.reshape(f(x), [-1]), weights(x.size))) as tf.Scalar;

/** Element-wise and structural ops that pathwise's packages build on, each with a safe input range. */
export const OPS: Array<[string, Fn, number[]]> = [
  ['exp', weighted(tf.exp), [-1, 0.2, 1.3]],
  ['log', weighted(tf.log), [0.5, 1.2, 3]],
  ['tanh', weighted(tf.tanh), [-1.2, 0.1, 0.9]],
  ['sigmoid', weighted(tf.sigmoid), [-2, 0.3, 1.5]],
  ['elu', weighted(tf.elu), [-1.5, -0.2, 0.4, 1.1]],
  ['softplus', weighted(tf.softplus), [-1, 0.5, 2]],
  ['square', weighted(tf.square), [-1.5, 0.3, 2]],
  ['sqrt', weighted(tf.sqrt), [0.5, 1, 4]],
  ['rsqrt', weighted(tf.rsqrt), [0.5, 1, 4]],
  ['sin', weighted(tf.sin), [-1, 0.5, 2]],
  ['cos', weighted(tf.cos), [-1, 0.5, 2]],
  ['abs', weighted(tf.abs), [-1, 0.5, 2]],
  ['div', weighted((x) => tf.div(1, tf.add(x, 3))), [-1, 0.5, 2]],
  ['pow', weighted((x) => tf.pow(x, 3)), [-1, 0.5, 1.4]],
  ['maximum', weighted((x) => tf.maximum(x, 0.1)), [-1, 0.5, 2]],
  ['minimum', weighted((x) => tf.minimum(x, 0.1)), [-1, 0.5, 2]],
  ['clipByValue', weighted((x) => tf.clipByValue(x, -0.5, 0.5)), [-1, 0.2, 2]],
  ['where', weighted((x) => tf.where(tf.greater(x, 0), tf.square(x), tf.mul(x, -2))), [-1, 0.5, 2]],
  ['sum/mean', (x) => tf.add(tf.sum(tf.square(x)), tf.mean(x)) as tf.Scalar, [-1, 0.5, 2, 0.1]],
  [
    'moments',
    (x) => {
      const { mean, variance } = tf.moments(x);
      return tf.add(tf.mul(mean, 3), variance) as tf.Scalar;
    },
    [-1, 0.5, 2, 0.1],
  ],
  [
    'matMul',
    (x) =>
      tf.sum(
        tf.square(
          tf.matMul(
            tf.reshape(x, [2, 2]),
            tf.tensor2d([
              [1, 2],
              [-1, 0.5],
            ]),
          ),
        ),
      ) as tf.Scalar,
    [0.3, -0.7, 1.1, 0.2],
  ],
  [
    'concat/split/reshape',
    (x) => {
      const [a, b] = tf.split(x, 2);
      return tf.sum(tf.mul(tf.concat([tf.square(b!), a!]), weights(4))) as tf.Scalar;
    },
    [0.3, -0.7, 1.1, 0.2],
  ],
  [
    'transpose',
    (x) =>
      tf.sum(
        tf.mul(
          tf.transpose(tf.reshape(x, [2, 2])),
          tf.tensor2d([
            [1, 2],
            [3, 4],
          ]),
        ),
      ) as tf.Scalar,
    [0.3, -0.7, 1.1, 0.2],
  ],
  ['logSumExp', (x) => tf.logSumExp(x) as tf.Scalar, [0.3, -0.7, 1.1, 0.2]],
  ['cumsum', weighted((x) => tf.cumsum(tf.square(x))), [0.3, -0.7, 1.1, 0.2]],
];

async function values(t: tf.Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

/** A fixed computation exercising nn, distributions and Adam; returns every number it produced. */
export async function referenceComputation(): Promise<number[]> {
  const rng = new Rng(123);
  const mlp = new MLP({ inputDim: 3, hidden: [16, 16], outputDim: 4, layerNorm: true, rng, name: 'ref' });
  const x = rng.normalTensor([8, 3]);
  const params = parametersOf(mlp);
  const adam = new Adam(params, { lr: 1e-2, betas: [0.7, 0.95], maxGradNorm: 1 });
  const noise = rng.normalTensor([8, 2]);
  const out: number[] = [];
  for (let step = 0; step < 3; step++) {
    const loss = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        const [mean, logStd] = tf.split(mlp.apply(x), 2, 1);
        const dist = DiagGaussian.fromLogStd(mean!, logStd!);
        const sample = dist.transform(noise);
        return tf.mean(tf.add(dist.logProb(sample), tf.sum(tf.square(sample), 1))) as tf.Scalar;
      }, params);
      adam.step(grads).dispose();
      return value;
    });
    out.push(...(await values(loss)));
    loss.dispose();
  }
  for (const p of params) out.push(...(await values(p)));
  mlp.dispose();
  adam.dispose();
  x.dispose();
  noise.dispose();
  return out;
}

/** Registers the suite for `backend` (its package must already be imported). */
export function defineBackendSuite(backend: string, options: { compareWith?: string } = {}): void {
  const compareWith = options.compareWith ?? 'cpu';

  describe(`backend ${backend}`, () => {
    it('activates', async () => {
      expect(await useBackend(backend)).toBe(backend);
      expect(tf.getBackend()).toBe(backend);
    });

    it.each(OPS)('gradient of %s matches central differences', async (_name, f, at) => {
      await useBackend(backend);
      const x = tf.tensor1d(at);
      const result = await gradCheck(f, x, { eps: 5e-3, rtol: 2e-2, atol: 2e-3 });
      x.dispose();
      expect(result.ok, JSON.stringify(result)).toBe(true);
    });

    it('second derivatives through exp, tanh and sigmoid are right', async () => {
      await useBackend(backend);
      const xs = [-0.8, 0.3, 1.1];
      const cases: Array<[(x: tf.Tensor) => tf.Tensor, (v: number) => number]> = [
        [tf.exp, (v) => Math.exp(v)],
        [tf.tanh, (v) => -2 * Math.tanh(v) * (1 - Math.tanh(v) ** 2)],
        [
          tf.sigmoid,
          (v) => {
            const s = 1 / (1 + Math.exp(-v));
            return s * (1 - s) * (1 - 2 * s);
          },
        ],
      ];
      for (const [fn, second] of cases) {
        const d2 = tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(tf.grad((y: tf.Tensor) => tf.sum(fn(y)))(x)))(tf.tensor1d(xs)));
        const got = await values(d2);
        d2.dispose();
        got.forEach((g, i) => expect(g).toBeCloseTo(second(xs[i]!), 4));
      }
    });

    it('nn layers and distributions pass gradient checks', async () => {
      await useBackend(backend);
      const rng = new Rng(5);
      const linear = new Linear(3, 2, { rng });
      const norm = new LayerNorm(3);
      const mlp = new MLP({ inputDim: 3, hidden: [6], outputDim: 2, layerNorm: true, rng });
      const x = tf.tensor2d([
        [0.3, -1.2, 2.0],
        [1, 0.2, -0.5],
      ]);
      const m = tf.tensor2d([
        [0.1, -0.5],
        [0.3, 0.2],
      ]);
      const s = tf.tensor2d([
        [0.8, 1.3],
        [0.6, 1.1],
      ]);
      const target = tf.tensor2d([
        [0.2, -0.7],
        [1.1, 0],
      ]);
      const checks: Array<[string, Fn, tf.Tensor]> = [
        ['Linear', (v) => tf.sum(tf.square(linear.apply(v))) as tf.Scalar, x],
        [
          'LayerNorm',
          (v) =>
            tf.sum(
              tf.mul(
                norm.apply(v),
                tf.tensor2d([
                  [1, 2, 3],
                  [-1, 0.5, 2],
                ]),
              ),
            ) as tf.Scalar,
          x,
        ],
        ['MLP', (v) => tf.sum(tf.square(mlp.apply(v))) as tf.Scalar, x],
        ['DiagGaussian.logProb(mean)', (v) => tf.sum(new DiagGaussian(v, s).logProb(target)) as tf.Scalar, m],
        ['DiagGaussian.logProb(std)', (v) => tf.sum(new DiagGaussian(m, v).logProb(target)) as tf.Scalar, s],
        ['DiagGaussian.kl', (v) => tf.sum(new DiagGaussian(v, s).kl(new DiagGaussian(m, tf.onesLike(m)))) as tf.Scalar, m],
      ];
      for (const [name, f, at] of checks) {
        const result = await gradCheck(f, at, { eps: 1e-2, rtol: 3e-2, atol: 3e-3 });
        expect(result.ok, `${name}: ${JSON.stringify(result)}`).toBe(true);
      }
      [linear, norm, mlp].forEach((mod) => mod.dispose());
      [x, m, s, target].forEach((t) => t.dispose());
    });

    it(`agrees with ${compareWith} on a network + distribution + Adam computation (float32 tolerance)`, async () => {
      await useBackend(compareWith);
      const reference = await referenceComputation();
      await useBackend(backend);
      const got = await referenceComputation();
      expect(got.length).toBe(reference.length);
      got.forEach((v, i) => expect(Math.abs(v - reference[i]!)).toBeLessThan(1e-4 + 1e-3 * Math.abs(reference[i]!)));
    });

    it('is deterministic: same seed, same numbers', async () => {
      await useBackend(backend);
      expect(await referenceComputation()).toEqual(await referenceComputation());
    });

    it('leaks no tensors over 100 calls of the public tensor-making functions', async () => {
      await useBackend(backend);
      const rng = new Rng(1);
      const mlp = new MLP({ inputDim: 2, hidden: [8], outputDim: 2, layerNorm: true, rng });
      const params = parametersOf(mlp);
      const adam = new Adam(params, { lr: 1e-3, maxGradNorm: 1, nanToZero: true });
      const x = tf.ones([4, 2]);
      const once = () => {
        tf.tidy(() => {
          const { grads } = tf.variableGrads(() => {
            const out = mlp.apply(x);
            const d = new DiagGaussian(out, tf.onesLike(out));
            const { sample } = d.rsample(rng);
            d.sample(rng);
            d.entropy();
            d.kl(d);
            return tf.mean(d.logProb(sample)) as tf.Scalar;
          }, params);
          adam.step(grads);
        });
      };
      once();
      const probe = tf.scalar(0);
      await probe.data();
      probe.dispose();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 100; i++) once();
      expect(tf.memory().numTensors).toBe(before);
      mlp.dispose();
      adam.dispose();
      x.dispose();
    });
  });
}
