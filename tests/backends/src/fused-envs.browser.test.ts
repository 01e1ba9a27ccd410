// The fused env-step kernels on the GPU backends in headless Chromium (webgl on SwiftShader's GL,
// webgpu on SwiftShader's Vulkan): every env with GPU code against its op-by-op definition, values and
// gradients over a multi-step rollout, with the tensor count flat across steps and rollouts.
import { describe, expect, it } from 'vitest';
import '@pathwise/backend-cpu';
import '@pathwise/backend-webgl';
import '@pathwise/backend-webgpu';
import { tf, useBackend } from '@pathwise/core';
import { checkFusedKernels, fusedCheckFailures, gpuFusedEnvNames, GPU_FUSED_TOLERANCE } from '@pathwise/envs';

describe.each(['webgl', 'webgpu'])('fused env steps on %s', (backend) => {
  it('equal the op path in values and gradients, and leave no tensors behind', async () => {
    const expected = gpuFusedEnvNames();
    expect(expected).toEqual(expect.arrayContaining(['cartpole-swingup', 'cartpole-pilco', 'pendulum', 'double-pendulum', 'dejong64', 'ackley64']));
    const checks = await checkFusedKernels(backend, { batch: 6, horizon: 12 });
    console.log(`${backend}: ${checks.map((c) => `${c.name} value ${c.valueError.toExponential(1)} gradient ${c.gradientError.toExponential(1)}`).join('; ')}`);
    expect(fusedCheckFailures(checks, expected, GPU_FUSED_TOLERANCE)).toEqual([]);
    await useBackend('cpu');
  });
});

describe('webgpu in Chromium', () => {
  it("asks for the adapter's storage-buffer limit (SwiftShader offers 16; tfjs's default is 8), so a fused step writes its outputs in one dispatch", async () => {
    await useBackend('webgpu');
    const device = (tf.backend() as unknown as { device: { limits: { maxStorageBuffersPerShaderStage: number } } }).device;
    expect(device.limits.maxStorageBuffersPerShaderStage).toBeGreaterThan(8);
    await useBackend('cpu');
  });
});
