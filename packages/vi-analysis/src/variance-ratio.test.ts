import { Rng } from '@pathwise/core';
import { describe, expect, it } from 'vitest';
import { independentRatioSe, varianceRatioMean, varianceRatios } from './variance-ratio.js';
import { columnMoments } from './vi-gradients.js';

/** n × d Gaussian draws with column standard deviations `sds`. */
function gaussian(rng: Rng, n: number, sds: readonly number[]): Float64Array {
  const out = new Float64Array(n * sds.length);
  for (let r = 0; r < n; r++) sds.forEach((s, j) => (out[r * sds.length + j] = s * rng.normal()));
  return out;
}

describe('variance ratios with delta-method standard errors', () => {
  it('independent Gaussian columns: the SE is the closed form r·sqrt(2/N + 2/N) and the 4th-moment formula', () => {
    const rng = new Rng(3);
    const n = 20000;
    const a = gaussian(rng, n, [3, 1]);
    const b = gaussian(rng, n, [1, 2]);
    const { ratio, se } = varianceRatios({ a, b, n, d: 2 });
    [9, 0.25].forEach((r, j) => {
      // Gaussian: m4 = 3v², so (m4 − v²)/v² = 2 for each variance.
      expect(se[j]! / (r * Math.sqrt(4 / n))).toBeCloseTo(1, 1);
      expect(Math.abs(ratio[j]! - r)).toBeLessThan(5 * se[j]!);
      const ma = columnMoments(a, n, 2);
      const mb = columnMoments(b, n, 2);
      expect(se[j]! / independentRatioSe(ma.variance[j]!, ma.seVariance[j]!, mb.variance[j]!, mb.seVariance[j]!)).toBeCloseTo(1, 1);
    });
  });

  it('the SE matches the spread of the ratio over independent repetitions (heavy tails too)', () => {
    const rng = new Rng(5);
    const n = 2000;
    const ratios: number[] = [];
    const ses: number[] = [];
    for (let rep = 0; rep < 300; rep++) {
      // a has Laplace-like tails (a product of two normals): its m4 is 9v², so the SE is larger than Gaussian.
      const a = new Float64Array(n).map(() => rng.normal() * rng.normal());
      const b = gaussian(rng, n, [0.5]);
      const e = varianceRatioMean({ a, b, n, d: 1 }, [0]);
      ratios.push(e.ratio);
      ses.push(e.se);
    }
    const mean = ratios.reduce((x, y) => x + y, 0) / ratios.length;
    const sd = Math.sqrt(ratios.reduce((x, y) => x + (y - mean) ** 2, 0) / (ratios.length - 1));
    const typicalSe = ses.reduce((x, y) => x + y, 0) / ses.length;
    expect(Math.abs(mean - 4)).toBeLessThan((5 * sd) / Math.sqrt(ratios.length));
    // Closed form for these draws: r·sqrt(8/N + 2/N); the delta method and the empirical spread agree within ~15 %.
    expect(typicalSe / (4 * Math.sqrt(10 / n))).toBeCloseTo(1, 1);
    expect(Math.abs(typicalSe / sd - 1)).toBeLessThan(0.15);
  });

  it('common random numbers: identical columns have ratio 1 and SE 0; correlated ones less SE than independent', () => {
    const rng = new Rng(7);
    const n = 5000;
    const a = gaussian(rng, n, [1, 1]);
    const same = varianceRatioMean({ a, b: a, n, d: 2 }, [0, 1]);
    expect(same.ratio).toBe(1);
    expect(same.se).toBeLessThan(1e-12); // 0 up to rounding
    const b = a.map((v) => 2 * v + 0.1 * rng.normal());
    const paired = varianceRatioMean({ a, b, n, d: 2 }, [0]);
    const ma = columnMoments(a, n, 2);
    const mb = columnMoments(b, n, 2);
    expect(paired.se).toBeLessThan(0.2 * independentRatioSe(ma.variance[0]!, ma.seVariance[0]!, mb.variance[0]!, mb.seVariance[0]!));
  });

  it('the mean over columns: the mean of the per-column ratios, with an SE that sees correlated columns', () => {
    const rng = new Rng(9);
    const n = 10000;
    const z = gaussian(rng, n, [1]);
    // Two perfectly correlated columns: averaging them does not shrink the SE.
    const a = new Float64Array(2 * n).map((_, k) => 2 * z[k >> 1]!);
    const b = gaussian(rng, n, [1, 1]);
    const both = varianceRatioMean({ a, b, n, d: 2 }, [0, 1]);
    const per = varianceRatios({ a, b, n, d: 2 });
    expect(both.ratio).toBeCloseTo((per.ratio[0]! + per.ratio[1]!) / 2, 12);
    expect(both.se).toBeGreaterThan(0.7 * per.se[0]!);
  });

  it('refuses mismatched shapes and empty or out-of-range columns', () => {
    const a = new Float64Array(6);
    expect(() => varianceRatioMean({ a, b: new Float64Array(4), n: 3, d: 2 }, [0])).toThrow(/expected 3 x 2/);
    expect(() => varianceRatioMean({ a, b: a, n: 3, d: 2 }, [])).toThrow(/columns/);
    expect(() => varianceRatioMean({ a, b: a, n: 3, d: 2 }, [2])).toThrow(/columns/);
  });
});
