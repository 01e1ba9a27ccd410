import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from './tf.js';
import { autoChoice, defineBackend, getBackend, listBackends, registerBackend, useBackend } from './backend.js';
import { BackendUnavailableError, UnknownNameError } from './errors.js';
import { useCpu } from './test-helpers.js';

beforeAll(useCpu);

// Core never imports its backend packages; here the plain tfjs cpu backend is wrapped by hand.
let loads = 0;
const cpu = registerBackend(
  defineBackend({
    name: 'cpu',
    load: async () => {
      loads++;
    },
    capabilities: () => ({ simd: false, threads: false, float: 'float32' }),
  }),
);
registerBackend(
  defineBackend({
    name: 'webgpu',
    availability: () => ({ available: false, reason: 'no navigator.gpu here' }),
    load: async () => {
      throw new Error('must not be called');
    },
    capabilities: () => ({ float: 'float32' }),
  }),
);

describe('backend registry', () => {
  it('lists registered backends with availability, reasons and capabilities', () => {
    const list = listBackends();
    expect(list.find((b) => b.name === 'cpu')).toEqual({ name: 'cpu', available: true, capabilities: { simd: false, threads: false, float: 'float32' } });
    expect(list.find((b) => b.name === 'webgpu')).toEqual({ name: 'webgpu', available: false, reason: 'no navigator.gpu here', capabilities: { float: 'float32' } });
  });

  it('switches by name or by object and loads the backend', async () => {
    const before = loads;
    expect(await useBackend('cpu')).toBe('cpu');
    expect(await useBackend(cpu)).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(loads).toBe(before + 2);
    expect(getBackend('cpu').packageName).toBe('@pathwise/backend-cpu');
  });

  it('an unregistered known backend names the package to install', async () => {
    await expect(useBackend('wasm')).rejects.toThrow(UnknownNameError);
    await expect(useBackend('wasm')).rejects.toThrow(/Registered: cpu, webgpu\. Install and import '@pathwise\/backend-wasm'/);
  });

  it('an unknown name lists what is registered and the backend packages', async () => {
    await expect(useBackend('tpu')).rejects.toThrow(/Unknown backend 'tpu'\. Registered: cpu, webgpu\. Known backend packages: @pathwise\/backend-cpu/);
  });

  it('an unavailable backend says why, and is not loaded', async () => {
    await expect(useBackend('webgpu')).rejects.toThrow(BackendUnavailableError);
    await expect(useBackend('webgpu')).rejects.toThrow(/no navigator.gpu here/);
    expect(tf.getBackend()).toBe('cpu');
  });

  it("'auto' measures the available candidates and keeps the fastest", async () => {
    let calls = 0;
    const name = await useBackend('auto', {
      repeats: 3,
      workload: () => {
        calls++;
        return tf.sum(tf.ones([4]));
      },
    });
    expect(name).toBe('cpu'); // webgpu is unavailable, so not a candidate
    expect(calls).toBe(4); // one warm-up and three timed runs
    const choice = autoChoice()!;
    expect(Object.keys(choice.timings)).toEqual(['cpu']);
    expect(choice.timings.cpu).toBeGreaterThan(0);
  });

  it("'auto' skips a software GPU adapter (found by probe) and a backend that declines, without loading either", async () => {
    const probed: string[] = [];
    const refuse = async () => {
      throw new Error('must not be loaded');
    };
    registerBackend(
      defineBackend({
        name: 'soft-gpu',
        load: refuse,
        probe: async () => void probed.push('soft-gpu'),
        capabilities: () => ({ float: 'float32', adapter: { vendor: 'mesa', architecture: 'llvmpipe', software: true } }),
      }),
    );
    registerBackend(defineBackend({ name: 'declines', load: refuse, probe: async () => void probed.push('declines'), autoCandidate: () => false, capabilities: () => ({ float: 'float32' }) }));
    expect(await useBackend('auto', { repeats: 1 })).toBe('cpu');
    expect(Object.keys(autoChoice()!.timings)).toEqual(['cpu']);
    expect(probed).toEqual(['soft-gpu']);
  });
});
