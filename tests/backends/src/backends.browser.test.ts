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
