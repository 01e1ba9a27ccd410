import { describe, expect, it } from 'vitest';
import '@pathwise/backend-cpu';
import '@pathwise/backend-wasm';
import '@pathwise/backend-webgl';
import '@pathwise/backend-webgpu';
import { getBackend, listBackends, tf, useBackend } from '@pathwise/core';
import { defineBackendSuite } from './suite.js';

describe('backends in headless Chromium', () => {
  it('all four are available (webgpu via --enable-unsafe-webgpu, webgl via SwiftShader)', () => {
    const available = listBackends()
      .filter((b) => b.available)
      .map((b) => b.name);
    expect(available).toEqual(['cpu', 'wasm', 'webgl', 'webgpu']);
  });

  it("webgl's availability check does not make the browser drop tfjs's WebGL context", async () => {
    // Chromium keeps at most 16 live WebGL contexts per page (4 per worker) and loses the oldest:
    // a context per availability() call used to lose tfjs's, and reads then waited forever.
    await useBackend('webgl');
    const x = tf.tensor1d([1, 2, 3]);
    expect(Array.from(await x.data())).toEqual([1, 2, 3]);
    for (let i = 0; i < 20; i++) listBackends();
    await useBackend('cpu');
    for (let i = 0; i < 20; i++) expect(getBackend('webgl').availability().available).toBe(true);
    await useBackend('webgl');
    const y = tf.mul(x, 2);
    const read = await Promise.race([y.data(), new Promise<'timeout'>((done) => setTimeout(() => done('timeout'), 10_000))]);
    expect(read === 'timeout' ? read : Array.from(read)).toEqual([2, 4, 6]);
    tf.dispose([x, y]);
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
