import { describe, expect, it } from 'vitest';
import { seededRandom } from '../test-support/prng.js';
import { linearTicks, logDecadeTicks, niceStep } from './ticks.js';

const isOneTwoFive = (step: number): boolean => {
  const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
  return [1, 2, 5, 10].some((nice) => Math.abs(mantissa - nice) < 1e-9);
};

describe('axis ticks', () => {
  it('niceStep rounds up to 1-2-5 × 10^k', () => {
    expect(niceStep(0.13)).toBeCloseTo(0.2, 12);
    expect(niceStep(3)).toBe(5);
    expect(niceStep(7)).toBe(10);
    expect(niceStep(1)).toBe(1);
    expect(niceStep(420)).toBe(500);
  });

  it('linear ticks cover the data with evenly spaced 1-2-5 steps and distinct labels', () => {
    const random = seededRandom(3);
    for (let trial = 0; trial < 300; trial += 1) {
      const scale = 10 ** Math.floor(random() * 16 - 8);
      const a = (random() - 0.5) * scale;
      const b = a + random() * scale;
      const axis = linearTicks(a, b);
      expect(axis.min).toBeLessThanOrEqual(a);
      expect(axis.max).toBeGreaterThanOrEqual(b);
      const step = (axis.ticks[1] as number) - (axis.ticks[0] as number);
      expect(isOneTwoFive(step), `step ${step} for [${a}, ${b}]`).toBe(true);
      expect(axis.ticks.length).toBeGreaterThanOrEqual(2);
      expect(axis.ticks.length).toBeLessThanOrEqual(12);
      expect(new Set(axis.labels).size, `labels ${axis.labels.join(' ')}`).toBe(axis.labels.length);
    }
  });

  it('widens a zero-width range instead of dividing by zero', () => {
    expect(linearTicks(5, 5).ticks.length).toBeGreaterThanOrEqual(2);
    expect(linearTicks(0, 0).min).toBeLessThan(0);
  });

  it('labels small steps without float noise', () => {
    // 3 × 0.2 is 0.6000000000000001 and 3 × 0.05 is 0.15000000000000002 in float64.
    expect(linearTicks(0, 0.7).labels).toEqual(['0', '0.2', '0.4', '0.6', '0.8']);
    expect(linearTicks(0, 0.25).labels).toEqual(['0', '0.05', '0.10', '0.15', '0.20', '0.25']);
    expect(linearTicks(-3e-7, 3e-7).labels).toContain('-2e-7');
  });

  it('log ticks sit on decades covering the data', () => {
    const axis = logDecadeTicks(0.003, 250);
    expect(axis.ticks).toEqual([0.001, 0.01, 0.1, 1, 10, 100, 1000]);
    expect(axis.labels).toEqual(['0.001', '0.01', '0.1', '1', '10', '100', '1000']);
    expect(logDecadeTicks(1e-12, 1e12).ticks.length).toBeLessThanOrEqual(8);
    expect(logDecadeTicks(1e-12, 1e12).ticks.every((tick) => Number.isInteger(Math.log10(tick)))).toBe(true);
    expect(logDecadeTicks(5, 5).ticks).toEqual([1, 10]);
    expect(logDecadeTicks(1000, 1000).ticks).toEqual([1000, 10000]);
    expect(() => logDecadeTicks(0, 1)).toThrow(/positive/);
  });
});
