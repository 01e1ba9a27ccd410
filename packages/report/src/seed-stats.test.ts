import { describe, expect, it } from 'vitest';
import { seedStats } from './seed-stats.js';

describe('seedStats', () => {
  it('matches hand-computed mean and N−1 standard deviation', () => {
    // mean 2.5; squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5; 5 / 3; sqrt.
    const stats = seedStats([1, 2, 3, 4]);
    expect(stats.mean).toBe(2.5);
    expect(stats.std).toBeCloseTo(Math.sqrt(5 / 3), 15);
    expect(stats.per_seed).toEqual([1, 2, 3, 4]);
    // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, squared deviations sum 32, / 7.
    expect(seedStats([2, 4, 4, 4, 5, 5, 7, 9]).std).toBeCloseTo(Math.sqrt(32 / 7), 15);
  });

  it('gives std 0 for one seed and copies the inputs', () => {
    const values = [-3.25];
    const stats = seedStats(values);
    expect(stats).toEqual({ mean: -3.25, std: 0, per_seed: [-3.25] });
    values[0] = 1;
    expect(stats.per_seed).toEqual([-3.25]);
  });

  it('keeps float64 precision where a sum of squares would cancel', () => {
    const stats = seedStats([1e9 + 1, 1e9 + 2, 1e9 + 3]);
    expect(stats.mean).toBe(1e9 + 2);
    expect(stats.std).toBe(1);
  });

  it('refuses an empty list and lets a diverged seed show', () => {
    expect(() => seedStats([])).toThrow(/at least one value/);
    expect(Number.isNaN(seedStats([1, Number.NaN]).mean)).toBe(true);
  });
});
