import { beforeAll, describe, expect, it } from 'vitest';
import { tf, stopGradient } from './tf.js';
import { useCpu, tensorCountAround } from './test-helpers.js';

beforeAll(useCpu);

const at = (xs: number[]) => tf.tensor1d(xs);

describe('trainable tf', () => {
  it('has gradients registered (tfjs-core alone has none)', () => {
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.exp(x)))(at([0, 1]));
    expect(Array.from(g.dataSync())).toEqual([1, Math.fround(Math.E)]);
  });

  it.each([
    ['exp', (x: tf.Tensor) => tf.exp(x), (v: number) => Math.exp(v)],
    ['tanh', (x: tf.Tensor) => tf.tanh(x), (v: number) => -2 * Math.tanh(v) * (1 - Math.tanh(v) ** 2)],
    [
      'sigmoid',
      (x: tf.Tensor) => tf.sigmoid(x),
      (v: number) => {
        const s = 1 / (1 + Math.exp(-v));
        return s * (1 - s) * (1 - 2 * s);
      },
    ],
  ])('second derivative through %s matches the closed form', (_name, fn, second) => {
    const xs = [-1.3, -0.2, 0.4, 1.7];
    const d2 = tf.grad((x: tf.Tensor) => tf.sum(tf.grad((y: tf.Tensor) => tf.sum(fn(y)))(x)))(at(xs));
    const got = Array.from(d2.dataSync());
    xs.forEach((v, i) => expect(got[i]).toBeCloseTo(second(v), 5));
  });

  it('third derivative of exp is exp', () => {
    const d1 = (f: (x: tf.Tensor) => tf.Tensor) => (x: tf.Tensor) => tf.grad((y: tf.Tensor) => tf.sum(f(y)))(x);
    const d3 = d1(d1(d1((x) => tf.exp(x))));
    expect(d3(at([0.5])).dataSync()[0]).toBeCloseTo(Math.exp(0.5), 5);
  });

  it('stopGradient passes values and blocks gradients', () => {
    const x = at([2, 3]);
    expect(Array.from(stopGradient(x).dataSync())).toEqual([2, 3]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(v, stopGradient(v))))(x);
    expect(Array.from(g.dataSync())).toEqual([2, 3]); // d/dv [v * sg(v)] = sg(v)
  });

  it('leaks no tensors', () => {
    const x = at([0.1, 0.2]);
    const { before, after } = tensorCountAround(() => {
      tf.tidy(() => {
        tf.grad((v: tf.Tensor) => tf.sum(tf.grad((y: tf.Tensor) => tf.sum(tf.tanh(y)))(v)))(x);
        stopGradient(x);
      });
    });
    expect(after).toBe(before);
  });
});

describe('gradients through comparisons', () => {
  it('tf.where with a comparison condition is differentiable (zero gradient through the condition)', () => {
    const f = (x: tf.Tensor) => tf.sum(tf.where(tf.logicalAnd(tf.greater(x, 0), tf.lessEqual(x, 5)), tf.square(x), tf.mul(x, -2)));
    const g = tf.grad(f)(tf.tensor1d([-1, 0.5, 2, 7]));
    expect(Array.from(g.dataSync())).toEqual([-2, 1, 4, -2]);
    // tf.all / tf.any reductions of a condition, as finiteness guards use them.
    const rows = (x: tf.Tensor) => tf.sum(tf.where(tf.reshape(tf.all(tf.isFinite(x), 1), [-1, 1]), tf.square(x), tf.zerosLike(x)));
    expect(
      Array.from(
        tf
          .grad(rows)(
            tf.tensor2d([
              [1, 2],
              [3, 4],
            ]),
          )
          .dataSync(),
      ),
    ).toEqual([2, 4, 6, 8]);
    const any = (x: tf.Tensor) => tf.sum(tf.where(tf.any(tf.greater(x, 2)), x, tf.neg(x)));
    expect(
      Array.from(
        tf
          .grad(any)(tf.tensor1d([1, 3]))
          .dataSync(),
      ),
    ).toEqual([1, 1]);
  });
});
