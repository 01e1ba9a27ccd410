import { beforeAll, describe, expect, it } from 'vitest';
import { tf, ConfigError } from '@pathwise/core';
import { useTestBackend } from './test-support.js';
import { benchEnvs, mujocoReference } from './bench.js';
import { envBrowserSuite, compareBrowserSuites } from './envs.browser-suite.js';

beforeAll(() => useTestBackend('cpu'));

describe('benchEnvs', () => {
  it('reports env-steps per second with and without backprop per env × batch, and leaks nothing', async () => {
    const seen: number[] = [];
    await benchEnvs({ envs: ['traffic-a'], batches: [2], steps: 1 }); // traffic keeps a few constant tensors after first use
    const before = tf.memory().numTensors;
    const results = await benchEnvs({ envs: ['pendulum', 'traffic-a'], batches: [2, 8], steps: 3, onResult: (_r, done) => seen.push(done) });
    expect(tf.memory().numTensors).toBe(before);
    expect(results.map((r) => `${r.env}/${r.batch}`)).toEqual(['pendulum/2', 'pendulum/8', 'traffic-a/2', 'traffic-a/8']);
    expect(seen).toEqual([1, 2, 3, 4]);
    for (const r of results) {
      expect(Object.keys(r).sort()).toEqual(['batch', 'env', 'kernel', 'steps', 'steps_per_s', 'steps_per_s_backprop']);
      expect(r.steps_per_s).toBeGreaterThan(0);
      expect(r.steps_per_s_backprop).toBeGreaterThan(0);
    }
    await expect(benchEnvs({ envs: ['pendulum'], batches: [0] })).rejects.toThrow(ConfigError);
  });

  it('times the step kernels asked for side by side, one row per kernel that runs', async () => {
    const results = await benchEnvs({ envs: ['double-pendulum', 'hopper'], batches: [4], steps: 2, kernels: ['ops', 'fused', 'auto'], rounds: 1 });
    // On cpu 'auto' is the double pendulum's fused kernel; the hopper always steps with its kernel.
    expect(results.map((r) => `${r.env}/${r.kernel}`)).toEqual(['double-pendulum/ops', 'double-pendulum/fused', 'hopper/fused']);
    for (const r of results) expect(r.steps_per_s_backprop).toBeGreaterThan(0);
    await expect(benchEnvs({ envs: ['pendulum'], batches: [2], kernels: ['fast' as 'ops'] })).rejects.toThrow(ConfigError);
    await expect(benchEnvs({ envs: ['pendulum'], batches: [2], rounds: 0 })).rejects.toThrow(ConfigError);
  });
});

describe('mujocoReference', () => {
  it('times MuJoCo-wasm stepping the hopper (mujoco-js is a dev dependency here); envs without a MuJoCo twin get no row', async () => {
    const { reference, reference_error } = await mujocoReference(['pendulum', 'hopper'], 0.05);
    expect(reference_error).toBeUndefined();
    expect(reference.map((r) => [r.impl, r.env])).toEqual([['mujoco-wasm', 'hopper']]);
    expect(reference[0]!.steps_per_s).toBeGreaterThan(0);
  });

  it('without mujoco-js: no rows, and the reason', async () => {
    const { reference, reference_error } = await mujocoReference(['hopper'], 0.05, 'no-such-mujoco-module');
    expect(reference).toEqual([]);
    expect(reference_error).toMatch(/no-such-mujoco-module could not be loaded.*dev dependency/);
  });
});

describe('envBrowserSuite', () => {
  it('is deterministic, and compareBrowserSuites flags a difference', async () => {
    const a = await envBrowserSuite('cpu', { envs: ['pendulum', 'traffic-b'], steps: 3, batch: 2 });
    const b = await envBrowserSuite('cpu', { envs: ['pendulum', 'traffic-b'], steps: 3, batch: 2 });
    expect(a).toEqual(b);
    expect(compareBrowserSuites(a, b)).toEqual([]);
    const changed = { ...b, rewards: { ...b.rewards, pendulum: b.rewards['pendulum']!.map((r) => r + 0.1) } };
    expect(compareBrowserSuites(a, changed)).toEqual(['pendulum']);
  });
});
