import { describe, expect, it } from 'vitest';
import { Welford } from './welford.js';
import { RunningMeanStd } from './running-mean-std.js';
import { Rng } from '../rng.js';
import { ShapeError } from '../errors.js';

function twoPass(rows: number[][]): { mean: number[]; variance: number[] } {
  const n = rows.length;
  const dim = rows[0]!.length;
  const mean = Array.from({ length: dim }, (_, i) => rows.reduce((a, r) => a + r[i]!, 0) / n);
  const variance = Array.from({ length: dim }, (_, i) => rows.reduce((a, r) => a + (r[i]! - mean[i]!) ** 2, 0) / (n - 1));
  return { mean, variance };
}

describe('Welford (float64)', () => {
  it('matches a two-pass computation, also when merged from parts', () => {
    const rng = new Rng(4);
    const rows = Array.from({ length: 500 }, () => [rng.normal() * 3 + 1, rng.normal() * 1e-3 + 1e4]);
    const w = new Welford(2);
    rows.forEach((r) => w.add(r));
    const { mean, variance } = twoPass(rows);
    w.mean.forEach((m, i) => expect(m).toBeCloseTo(mean[i]!, 9));
    w.variance().forEach((v, i) => expect(v / variance[i]!).toBeCloseTo(1, 9));
    expect(w.traceCovariance()).toBeCloseTo(variance[0]! + variance[1]!, 9);
    const a = new Welford(2);
    const b = new Welford(2);
    rows.slice(0, 123).forEach((r) => a.add(r));
    b.addBatch(rows.slice(123).flat(), rows.length - 123);
    a.merge(b);
    a.variance().forEach((v, i) => expect(v / variance[i]!).toBeCloseTo(1, 9));
    expect(a.count).toBe(500);
  });

  it('keeps precision where a naive float32 sum-of-squares loses it', () => {
    const w = new Welford(1);
    for (let i = 0; i < 1000; i++) w.add([1e8 + (i % 2)]);
    expect(w.variance()[0]).toBeCloseTo(0.25 * (1000 / 999), 9);
  });

  it('reports NaN with too few samples and rejects wrong dimensions', () => {
    const w = new Welford(3);
    expect(Number.isNaN(w.variance()[0]!)).toBe(true);
    expect(() => w.add([1, 2])).toThrow(ShapeError);
    expect(() => w.addBatch([1, 2, 3, 4], 2)).toThrow(ShapeError);
    expect(() => new Welford(0)).toThrow(ShapeError);
  });
});

describe('RunningMeanStd (GI-PPO reference semantics)', () => {
  it('starts at mean 0, var 1, count 1e-4 and uses the parallel formula with the biased batch variance', () => {
    const r = new RunningMeanStd(1);
    expect(r.state()).toEqual({ mean: [0], var: [1], count: 1e-4 });
    r.update([1, 2, 3, 4], 4);
    // batch mean 2.5, biased batch var 1.25; count 1e-4 → 4.0001
    const total = 4.0001;
    const delta = 2.5;
    const wantMean = (delta * 4) / total;
    const wantVar = (1 * 1e-4 + 1.25 * 4 + (delta * delta * 1e-4 * 4) / total) / total;
    expect(r.mean[0]).toBeCloseTo(wantMean, 12);
    expect(r.var[0]).toBeCloseTo(wantVar, 12);
    expect(r.count).toBeCloseTo(total, 12);
    const x = r.normalize([3])[0]!;
    expect(x).toBeCloseTo((3 - wantMean) / Math.sqrt(wantVar + 1e-5), 12);
    expect(r.denormalize([x])[0]).toBeCloseTo(3, 12);
  });

  it('clone is frozen and state round-trips', () => {
    const r = new RunningMeanStd(2);
    r.update([1, 2, 3, 4], 2);
    const frozen = r.clone();
    r.update([10, 20], 1);
    expect(frozen.mean[0]).not.toBe(r.mean[0]);
    const copy = new RunningMeanStd(2);
    copy.load(JSON.parse(JSON.stringify(r.state())));
    expect(copy.normalize([5, 6])).toEqual(r.normalize([5, 6]));
    expect(() => copy.load({ mean: [0], var: [1], count: 1 })).toThrow(ShapeError);
    expect(() => r.update([1, 2, 3], 2)).toThrow(ShapeError);
  });
});
