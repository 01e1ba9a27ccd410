import '@pathwise/backend-cpu';
import '@pathwise/backend-wasm';
import { useBackend, tf } from '@pathwise/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { builtinEstimators } from './registry.js';
import { testEstimator } from './conformance.js';

tf.env().set('PROD', true);

describe.each(['cpu', 'wasm'])('conformance kit on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  for (const estimator of builtinEstimators()) {
    it(`${estimator.name} passes`, async () => {
      const report = await testEstimator(estimator);
      const failed = report.checks.filter((c) => !c.passed);
      if (process.env.PATHWISE_DEBUG)
        console.log(
          estimator.name,
          report.seconds.toFixed(2),
          JSON.stringify(
            report.checks.map((c) => `${c.name}: ${c.message}`),
            null,
            1,
          ),
        );
      expect(report.backend).toBe(backend);
      expect(failed).toEqual([]);
      expect(report.passed).toBe(true);
    });
  }
});
