import { describe, expect, it } from 'vitest';
import '@pathwise/backend-cpu';
import '@pathwise/backend-wasm';
import '@pathwise/backend-webgl';
import '@pathwise/backend-webgpu';
import { listBackends } from '@pathwise/core';
import { defineBackendSuite } from './suite.js';

describe('backends in headless Chromium', () => {
  it('all four are available (webgpu via --enable-unsafe-webgpu, webgl via SwiftShader)', () => {
    const available = listBackends().filter((b) => b.available).map((b) => b.name);
    expect(available).toEqual(['cpu', 'wasm', 'webgl', 'webgpu']);
  });
});

for (const backend of ['cpu', 'wasm', 'webgl', 'webgpu']) defineBackendSuite(backend);

describe('wasm in the browser', () => {
  it('loads its .wasm files through the bundler and uses SIMD', async () => {
    const { useBackend } = await import('@pathwise/core');
    await useBackend('wasm');
    const wasm = listBackends().find((b) => b.name === 'wasm')!;
    expect(wasm.capabilities.simd).toBe(true);
    // Not cross-origin isolated here, so no threads; the playground serves COOP/COEP to get them.
    expect(wasm.capabilities.threads).toBe(crossOriginIsolated);
  });
});
