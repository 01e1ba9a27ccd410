import { describe, expect, it } from 'vitest';
import '@pathwise/backend-cpu';
import '@pathwise/backend-wasm';
import '@pathwise/backend-webgl';
import '@pathwise/backend-webgpu';
import { BackendUnavailableError, listBackends, tf, useBackend } from '@pathwise/core';
import { defineBackendSuite } from './suite.js';

tf.env().set('PROD', true);

describe('backends in Node', () => {
  it('lists cpu, wasm (with SIMD) and webgpu (Dawn, with its adapter) as available, webgl as unavailable with a reason', () => {
    const byName = Object.fromEntries(listBackends().map((b) => [b.name, b]));
    expect(byName.cpu?.available).toBe(true);
    expect(byName.wasm).toMatchObject({ available: true, capabilities: { simd: true, float: 'float32' } });
    expect(byName.webgl?.available).toBe(false);
    expect(byName.webgl?.reason).toMatch(/browser/);
    // Fails, never skips, when the optional package 'webgpu' or Mesa's EGL is missing (.ci/run installs it).
    expect(byName.webgpu?.reason).toBeUndefined();
    expect(byName.webgpu?.available).toBe(true);
  });

  it('refuses webgl in Node with a clear error', async () => {
    await expect(useBackend('webgl')).rejects.toThrow(BackendUnavailableError);
  });

  it("'auto' picks an available backend by measurement", async () => {
    const name = await useBackend('auto', { repeats: 3 });
    expect(['cpu', 'wasm']).toContain(name);
  });
});

defineBackendSuite('cpu');
defineBackendSuite('wasm');
// Node webgpu through Dawn: Mesa's llvmpipe here and in CI, a GPU's Vulkan driver where there is one.
defineBackendSuite('webgpu');
