import { describe, expect, it } from 'vitest';
import '@pathwise/backend-cpu';
import '@pathwise/backend-wasm';
import '@pathwise/backend-webgl';
import '@pathwise/backend-webgpu';
import { BackendUnavailableError, listBackends, tf, useBackend } from '@pathwise/core';
import { defineBackendSuite } from './suite.js';

tf.env().set('PROD', true);

describe('backends in Node', () => {
  it('lists cpu and wasm (with SIMD) as available, webgl and webgpu as unavailable with a reason', () => {
    const byName = Object.fromEntries(listBackends().map((b) => [b.name, b]));
    expect(byName.cpu?.available).toBe(true);
    expect(byName.wasm).toMatchObject({ available: true, capabilities: { simd: true, float: 'float32' } });
    for (const name of ['webgl', 'webgpu']) {
      expect(byName[name]?.available).toBe(false);
      expect(byName[name]?.reason).toMatch(/browser/);
    }
  });

  it('refuses webgl and webgpu in Node with a clear error', async () => {
    await expect(useBackend('webgl')).rejects.toThrow(BackendUnavailableError);
    await expect(useBackend('webgpu')).rejects.toThrow(/navigator\.gpu/);
  });

  it("'auto' picks an available backend by measurement", async () => {
    const name = await useBackend('auto', { repeats: 3 });
    expect(['cpu', 'wasm']).toContain(name);
  });
});

defineBackendSuite('cpu');
defineBackendSuite('wasm');
