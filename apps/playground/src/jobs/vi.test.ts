import '@pathwise/backend-cpu';
import { useBackend } from '@pathwise/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { JobControl } from './control.js';
import { runViLogreg } from './vi.js';

describe('the VI panel job on logistic regression: ratios with standard errors', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('every SF/RP ratio the table shows carries its delta-method SE', async () => {
    const result = await runViLogreg({ kind: 'vi-logreg', data: 'diabetes', samples: 2000, fitSteps: 50, seed: 1 }, new JobControl(), () => {});
    expect(result.points.map((p) => p.point)).toEqual(['init', 'optimum']);
    for (const point of result.points) {
      expect(point.summary.some((s) => s.group === 'all')).toBe(true);
      for (const s of point.summary) {
        expect(s.empiricalSe, `${point.point} ${s.param} ${s.group} ${s.estimator}`).toBeGreaterThan(0);
        // 2000 draws: a few percent of the ratio, never more than it.
        expect(s.empiricalSe).toBeLessThan(0.5 * s.empirical);
      }
    }
  });
});
