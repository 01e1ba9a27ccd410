// WebGPU in Node through Dawn (the optional `webgpu` package), on whatever adapter this machine has:
// Mesa's llvmpipe through OpenGL ES here and in CI (.ci/run installs Mesa EGL), a GPU's Vulkan driver
// elsewhere. These tests fail, never skip, when the backend is missing: npm test must cover it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '@pathwise/backend-cpu';
import { tf, getBackend, listBackends, useBackend, autoChoice } from '@pathwise/core';
import { envBrowserSuite, compareBrowserSuites, checkFusedKernels, fusedCheckFailures, gpuFusedEnvNames, GPU_FUSED_TOLERANCE } from '@pathwise/envs';
import { webgpuBackend } from './index.js';

beforeAll(async () => {
  tf.env().set('PROD', true);
  delete process.env['EGL_PLATFORM']; // the backend sets what Dawn needs itself
  await webgpuBackend.probe!();
});
afterAll(() => useBackend('cpu'));

describe('webgpu in Node', () => {
  it('is available and reports its adapter {vendor, architecture, software}', () => {
    const info = listBackends().find((b) => b.name === 'webgpu')!;
    expect(info.reason).toBeUndefined();
    expect(info.available).toBe(true);
    const adapter = info.capabilities.adapter!;
    expect(typeof adapter.vendor).toBe('string');
    expect(adapter.architecture.length).toBeGreaterThan(0);
    expect(typeof adapter.software).toBe('boolean');
  });

  it('matMul and its gradient match the cpu backend', async () => {
    // Read back asynchronously: tfjs-webgpu's dataSync needs an OffscreenCanvas, which Node lacks.
    const run = async () => {
      const a = tf.tensor2d(
        Array.from({ length: 48 * 32 }, (_, i) => Math.sin(i)),
        [48, 32],
      );
      const b = tf.tensor2d(
        Array.from({ length: 32 * 16 }, (_, i) => Math.cos(i)),
        [32, 16],
      );
      const grad = tf.grad((x: tf.Tensor) => tf.sum(tf.tanh(tf.matMul(x as tf.Tensor2D, b))))(a);
      const product = tf.matMul(a, b);
      const values = [...(await product.data()), ...(await grad.data())];
      tf.dispose([a, b, grad, product]);
      return values;
    };
    await useBackend('cpu');
    const cpu = await run();
    await useBackend('webgpu');
    expect(tf.getBackend()).toBe('webgpu');
    const gpu = await run();
    expect(gpu).toHaveLength(cpu.length);
    gpu.forEach((v, i) => expect(Math.abs(v - cpu[i]!)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(cpu[i]!))));
  });

  it('runs every env with gradients and agrees with cpu (the cross-backend env suite)', async () => {
    const cpu = await envBrowserSuite('cpu', { steps: 5, batch: 3 });
    const gpu = await envBrowserSuite('webgpu', { steps: 5, batch: 3 });
    expect(gpu.backend).toBe('webgpu');
    // The rigid-body envs step with a host kernel only (cpu, wasm): the suite skips them here and says so.
    expect(gpu.skipped.sort()).toEqual(['ant', 'hopper']);
    expect(Object.keys(gpu.rewards).sort()).toEqual(
      Object.keys(cpu.rewards)
        .filter((name) => !gpu.skipped.includes(name))
        .sort(),
    );
    expect(compareBrowserSuites(gpu, cpu, 1e-4, 1e-4)).toEqual([]);
  });

  it("asks for the adapter's storage-buffer limit (llvmpipe and GPUs offer 16 or more; tfjs's default is 8)", async () => {
    await useBackend('webgpu');
    const device = (tf.backend() as unknown as { device: { limits: { maxStorageBuffersPerShaderStage: number } } }).device;
    expect(device.limits.maxStorageBuffersPerShaderStage).toBeGreaterThan(8);
  });

  it('runs every fused env-step kernel as WGSL programs, equal to the op path in values and gradients, without leaks', async () => {
    const expected = gpuFusedEnvNames();
    expect(expected).toEqual(expect.arrayContaining(['cartpole-swingup', 'cartpole-pilco', 'pendulum', 'double-pendulum', 'dejong64', 'ackley64']));
    const checks = await checkFusedKernels('webgpu', { batch: 6, horizon: 12 });
    expect(fusedCheckFailures(checks, expected, GPU_FUSED_TOLERANCE)).toEqual([]);
  });

  it("useBackend('auto') times a hardware adapter and skips a software one", async () => {
    await useBackend('auto', { candidates: ['cpu', 'webgpu'], repeats: 1 });
    const timed = Object.keys(autoChoice()!.timings);
    expect(timed).toContain('cpu');
    expect(timed.includes('webgpu')).toBe(!getBackend('webgpu').capabilities().adapter!.software);
  });
});
