import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tf } from './tf.js';
import { matMulT, setTransposeStrategy, type TransposeStrategy } from './matmul.js';
import { gradCheck } from './gradcheck.js';
import { Rng } from './rng.js';
import { useCpu } from './test-helpers.js';

beforeAll(useCpu);
afterEach(() => setTransposeStrategy('auto'));

const flagCases = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
] as const;

describe('matMulT', () => {
  it.each(['flags', 'explicit'] as TransposeStrategy[])('equals matMul for every transpose pair, rank 2 and 3, without leaks (%s)', async (strategy) => {
    setTransposeStrategy(strategy);
    const rng = new Rng(5);
    for (const batch of [[], [3]]) {
      for (const [ta, tb] of flagCases) {
        const a = rng.normalTensor([...batch, ...(ta ? [4, 2] : [2, 4])]);
        const b = rng.normalTensor([...batch, ...(tb ? [5, 4] : [4, 5])]);
        const expected = tf.matMul(a, b, ta, tb);
        const before = tf.memory().numTensors;
        const got = matMulT(a, b, ta, tb);
        expect(tf.memory().numTensors).toBe(before + 1); // the product only: no transposed copies left
        expect(got.shape).toEqual(expected.shape);
        const [g, e] = [got.dataSync(), expected.dataSync()];
        for (let i = 0; i < e.length; i++) expect(g[i]).toBeCloseTo(e[i]!, 5);
        tf.dispose([a, b, expected, got]);
      }
    }
  });

  it.each(['flags', 'explicit'] as TransposeStrategy[])('the registered BatchMatMul gradient matches finite differences in both operands (%s)', async (strategy) => {
    setTransposeStrategy(strategy);
    const rng = new Rng(9);
    for (const [ta, tb] of flagCases) {
      const a = rng.normalTensor(ta ? [3, 2] : [2, 3]);
      const b = rng.normalTensor(tb ? [4, 3] : [3, 4]);
      const w = rng.normalTensor([2, 4]); // a random linear functional of the product
      const wrtA = await gradCheck((x) => tf.sum(tf.mul(tf.matMul(x, b, ta, tb), w)), a);
      const wrtB = await gradCheck((x) => tf.sum(tf.mul(tf.matMul(a, x, ta, tb), w)), b);
      expect(wrtA.ok, `d/da with transposeA=${ta}, transposeB=${tb}: worst ratio ${wrtA.worstRatio}`).toBe(true);
      expect(wrtB.ok, `d/db with transposeA=${ta}, transposeB=${tb}: worst ratio ${wrtB.worstRatio}`).toBe(true);
      tf.dispose([a, b, w]);
    }
  });
});
