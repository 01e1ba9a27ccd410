// Importing this module registers the tfjs WebGPU backend; it runs where `navigator.gpu` exists
// (Chromium: enabled by default on supported GPUs, `--enable-unsafe-webgpu` for SwiftShader).
import '@tensorflow/tfjs-backend-webgpu';
import { defineBackend, registerBackend } from '@pathwise/core';

function hasWebGPU(): { available: boolean; reason?: string } {
  const nav = (globalThis as { navigator?: { gpu?: unknown } }).navigator;
  if (nav?.gpu === undefined) {
    return { available: false, reason: 'WebGPU needs a browser with navigator.gpu (none in this runtime, e.g. Node).' };
  }
  return { available: true };
}

export const webgpuBackend = registerBackend(
  defineBackend({
    name: 'webgpu',
    packageName: '@pathwise/backend-webgpu',
    availability: hasWebGPU,
    load: async () => {},
    capabilities: () => ({ float: 'float32' }),
  }),
);
export default webgpuBackend;
