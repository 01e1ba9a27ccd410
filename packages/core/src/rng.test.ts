import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from './rng.js';
import { tf } from './tf.js';
import { ConfigError } from './errors.js';
import { useCpu, tensorCountAround } from './test-helpers.js';

beforeAll(useCpu);

describe('Rng', () => {
  it('is reproducible: same seed, same stream', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const xs = Array.from({ length: 20 }, () => a.nextUint32());
    expect(Array.from({ length: 20 }, () => b.nextUint32())).toEqual(xs);
    expect(new Rng(43).nextUint32()).not.toBe(xs[0]);
  });

  it('state() / fromState() continue the exact stream', () => {
    const a = new Rng(7);
    a.normal();
    const saved = JSON.parse(JSON.stringify(a.state()));
    const expected = [a.normal(), a.uniform(), a.nextUint32()];
    const b = Rng.fromState(saved);
    expect([b.normal(), b.uniform(), b.nextUint32()]).toEqual(expected);
  });

  it('forks are deterministic, independent of each other and do not advance the parent', () => {
    const parent = new Rng(1);
    const before = parent.state();
    const f1 = parent.fork(1).uniform();
    const f1again = parent.fork(1).uniform();
    const f2 = parent.fork(2).uniform();
    expect(parent.state()).toEqual(before);
    expect(f1).toBe(f1again);
    expect(f2).not.toBe(f1);
    expect(parent.uniform()).not.toBe(f1);
  });

  it('normal draws have mean 0 and variance 1 (within 5 standard errors)', () => {
    const n = 200_000;
    const x = new Rng(3).fillNormal(new Float64Array(n));
    const mean = x.reduce((a, b) => a + b, 0) / n;
    const variance = x.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
    const fourth = x.reduce((a, b) => a + b ** 4, 0) / n;
    expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(variance - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(Math.abs(fourth - 3)).toBeLessThan(5 * Math.sqrt(96 / n));
  });

  it('uniform draws lie in [0, 1) with mean 1/2', () => {
    const n = 100_000;
    const x = new Rng(5).fillUniform(new Float64Array(n));
    expect(Math.min(...x)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...x)).toBeLessThan(1);
    const mean = x.reduce((a, b) => a + b, 0) / n;
    expect(Math.abs(mean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
  });

  it('permutation is a permutation', () => {
    const p = Array.from(new Rng(9).permutation(50)).sort((a, b) => a - b);
    expect(p).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('makes float32 tensors of the requested shape without leaking', () => {
    const rng = new Rng(0);
    const t = rng.normalTensor([3, 4], 2, 0.5);
    expect(t.shape).toEqual([3, 4]);
    expect(t.dtype).toBe('float32');
    t.dispose();
    const { before, after } = tensorCountAround(() => {
      rng.normalTensor([8]).dispose();
      rng.uniformTensor([8], -1, 1).dispose();
    });
    expect(after).toBe(before);
  });

  it('rejects bad seeds, states and shapes clearly', () => {
    expect(() => new Rng(Number.NaN)).toThrow(ConfigError);
    // seedWords keeps the integer part: 1.5 would silently be seed 1 (and recorded as 1.5).
    expect(() => new Rng(1.5)).toThrow(/Invalid config 'seed': got 1.5, expected an integer in \[0, 9007199254740991\]/);
    expect(() => new Rng(1e30)).toThrow(ConfigError);
    expect(() => new Rng(-1)).toThrow(ConfigError);
    expect(() => new Rng(Number.POSITIVE_INFINITY)).toThrow(/got Infinity/);
    expect(new Rng(2 ** 32 + 5).nextUint32()).not.toBe(new Rng(5).nextUint32());
    expect(() => Rng.fromState({ algorithm: 'xoshiro128**', words: [0, 0, 0, 0] })).toThrow(/not all zero/);
    expect(() => Rng.fromState({ words: [1] } as never)).toThrow(ConfigError);
    expect(() => new Rng(0).normalTensor([2, -1])).toThrow(/non-negative integer/);
    expect(() => new Rng(0).int(0)).toThrow(ConfigError);
    expect(tf.memory().numTensors).toBeGreaterThanOrEqual(0);
  });
});
