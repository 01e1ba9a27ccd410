import '@pathwise/backend-cpu';
import { tf, useBackend } from '@pathwise/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { chaosStudy, gradientStatistics } from './index.js';

tf.env().set('PROD', true);

describe('chaos study (spec §3.3)', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('host statistics: trace of the covariance, IQR spread and cosine on known vectors', () => {
    const s = gradientStatistics([Float64Array.from([1, 0]), Float64Array.from([3, 0]), Float64Array.from([2, 2]), Float64Array.from([2, -2])]);
    expect(s.trace_var).toBeCloseTo(2 / 3 + 8 / 3, 12);
    expect(s.spread).toBeCloseTo(0.5 + 1, 12); // IQRs of [1,2,2,3] and [-2,0,0,2] (linear interpolation)
    expect(s.cosine).toBeCloseTo((1 + 1 + 2 / Math.SQRT2 / 2 + 2 / Math.SQRT2 / 2) / 4, 12);
  });

  it('RNN at a short horizon: RP, LR and TP agree in mean; TP stays close to RP in variance', () => {
    const rows = chaosStudy({ system: 'rnn', horizons: [10], particles: 100, repeats: 30, seed: 3 });
    const by = Object.fromEntries(rows.map((r) => [r.method, r]));
    for (const [a, b] of [
      ['rp', 'lr'],
      ['rp', 'tp'],
      ['lr', 'tp'],
    ] as const) {
      const z = Math.abs(by[a]!.mean_first - by[b]!.mean_first) / Math.hypot(by[a]!.se_first, by[b]!.se_first);
      expect(z, `${a} vs ${b}`).toBeLessThan(4);
    }
    expect(by.lr!.trace_var).toBeGreaterThan(10 * by.rp!.trace_var); // LR is the noisy one here
    expect(by.tp!.trace_var).toBeLessThan(5 * by.rp!.trace_var);
    expect(by.tp!.mean_k_lr).toBeGreaterThanOrEqual(0);
    expect(by.tp!.mean_k_lr).toBeLessThan(0.3);
    for (const r of rows) expect(r.nonfinite).toBe(0);
  });

  it('strongly chaotic RNN (β = 3): RP variance grows far faster with the horizon than LR; TP stays below RP', () => {
    const rows = chaosStudy({ system: 'rnn', scale: 3, horizons: [5, 30], particles: 50, repeats: 12, seed: 5 });
    const get = (T: number, method: string) => rows.find((r) => r.T === T && r.method === method)!;
    const growth = (method: string, key: 'trace_var' | 'spread') => get(30, method)[key] / get(5, method)[key];
    expect(growth('rp', 'trace_var')).toBeGreaterThan(1000 * growth('lr', 'trace_var'));
    expect(growth('rp', 'spread')).toBeGreaterThan(20 * growth('lr', 'spread'));
    expect(get(30, 'tp').trace_var).toBeLessThan(get(30, 'rp').trace_var / 100);
    expect(get(30, 'tp').mean_k_lr).toBeGreaterThan(get(5, 'tp').mean_k_lr);
  });
});
