// The plugin packages on the browser backends: every env steps and differentiates on webgl and
// webgpu like on cpu (same page, same seed), and the estimator conformance kit passes for RP and LR.
import { describe, expect, it } from 'vitest';
import '@pathwise/backend-cpu';
import '@pathwise/backend-wasm';
import '@pathwise/backend-webgl';
import '@pathwise/backend-webgpu';
import { tf, useBackend } from '@pathwise/core';
import { compareBrowserSuites, envBrowserSuite } from '@pathwise/envs';
import { estimatorBrowserSuite } from '@pathwise/estimators';
import { getEnv } from '@pathwise/envs';
import { createTrainer, resolveTrainerConfig } from '@pathwise/gippo';

describe('envs in the browser', () => {
  it.each(['wasm', 'webgl', 'webgpu'])('every env on %s agrees with cpu (rewards and action gradients, 5 steps)', async (backend) => {
    const reference = await envBrowserSuite('cpu');
    const got = await envBrowserSuite(backend);
    expect(Object.keys(got.rewards).length).toBeGreaterThanOrEqual(13);
    expect(compareBrowserSuites(got, reference)).toEqual([]);
  });
});

describe('estimators in the browser', () => {
  it.each(['webgl', 'webgpu'])('the conformance kit passes for RP and LR on %s', async (backend) => {
    await useBackend(backend);
    const reports = await estimatorBrowserSuite();
    for (const report of reports) {
      expect(report.backend).toBe(backend);
      expect(report.passed, JSON.stringify(report.checks.filter((c) => !c.passed))).toBe(true);
    }
  });
});

describe('GI-PPO in the browser', () => {
  it.each(['webgl', 'webgpu'])('a GI-PPO epoch on De Jong 64-D runs on %s without leaking', async (backend) => {
    await useBackend(backend);
    const config = resolveTrainerConfig('dejong64', 'gippo', { actorHidden: [16, 16], criticHidden: [16, 16], criticIterations: 2 });
    const trainer = createTrainer({ env: getEnv('dejong64'), algo: 'gippo', config, seed: 1 });
    await trainer.epoch();
    const before = tf.memory().numTensors;
    const m = await trainer.epoch();
    expect(Number.isFinite(m.reward)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    trainer.dispose();
  });
});
