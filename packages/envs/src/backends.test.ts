// Every env on the cpu and wasm backends: both run, and they agree within float32 tolerance.
import { afterAll, describe, expect, it } from 'vitest';
import { tf } from '@pathwise/core';
import { useTestBackend } from './test-support.js';
import { envBrowserSuite, compareBrowserSuites } from './envs.browser-suite.js';
import { stepReport } from './step-report.js';
import { BUILTIN_ENV_NAMES } from './registry.js';

afterAll(() => useTestBackend('cpu'));

describe('cpu and wasm', () => {
  it('every env runs 5 steps (with gradients) on both, and the summed rewards and gradients agree', async () => {
    await useTestBackend('cpu');
    const cpu = await envBrowserSuite('cpu', { steps: 5, batch: 3 });
    await useTestBackend('wasm');
    const wasm = await envBrowserSuite('wasm', { steps: 5, batch: 3 });
    expect(wasm.backend).toBe('wasm');
    expect(Object.keys(wasm.rewards).sort()).toEqual([...BUILTIN_ENV_NAMES].sort());
    for (const name of BUILTIN_ENV_NAMES) {
      expect(wasm.rewards[name]!.every(Number.isFinite)).toBe(true);
      expect(wasm.gradAbsSum[name]).toBeGreaterThan(0);
    }
    expect(compareBrowserSuites(wasm, cpu, 1e-4, 1e-4)).toEqual([]);
  });

  it.each(['cartpole-swingup', 'double-pendulum', 'traffic-d', 'ackley64'])('%s: per-step rewards and per-action gradients agree', async (env) => {
    const actions = Array.from({ length: 8 }, (_, k) =>
      Array.from({ length: 2 }, (_, b) => Array.from({ length: env === 'ackley64' ? 64 : env.startsWith('traffic') ? 2 : 1 }, (_, j) => 0.7 * Math.cos(k + 2 * b + j))),
    );
    await useTestBackend('cpu');
    const cpu = await stepReport({ env, actions, seed: 3 });
    await useTestBackend('wasm');
    expect(tf.getBackend()).toBe('wasm');
    const wasm = await stepReport({ env, actions, seed: 3 });
    const close = (a: number, b: number, scale: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-4 * Math.abs(b) + 1e-5 * scale);
    const rewardScale = Math.max(...cpu.rewards.flat().map(Math.abs));
    const gradScale = Math.max(...cpu.grad.flat(2).map(Math.abs));
    cpu.rewards.flat().forEach((r, i) => close(wasm.rewards.flat()[i]!, r, rewardScale));
    cpu.grad.flat(2).forEach((g, i) => close(wasm.grad.flat(2)[i]!, g, gradScale));
    expect(wasm.done).toEqual(cpu.done);
  });
});
