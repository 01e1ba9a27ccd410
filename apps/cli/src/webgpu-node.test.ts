// The built `pathwise` on Node webgpu (Dawn, through the optional `webgpu` package): listed as available
// with its adapter, usable with --backend webgpu, and the process exits by itself afterwards (the GPU
// instance is dropped). Fails, never skips, when the backend is missing.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pathwise } from './test-support/cli.js';

const cwd = mkdtempSync(join(tmpdir(), 'pathwise-webgpu-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));
// The user sets nothing: the backend chooses Dawn's headless OpenGL ES path itself where it needs it.
const env = { EGL_PLATFORM: '' };

describe('pathwise on Node webgpu', () => {
  it('backends --json: webgpu is available and reports capabilities.adapter {vendor, architecture, software}', async () => {
    const { code, stdout } = await pathwise(cwd, ['backends', '--json'], { env });
    expect(code).toBe(0);
    const webgpu = JSON.parse(stdout).find((b: { name: string }) => b.name === 'webgpu');
    expect(webgpu.available).toBe(true);
    expect(Object.keys(webgpu.capabilities.adapter).sort()).toEqual(['architecture', 'software', 'vendor']);
  });

  it('--backend webgpu envs step runs a differentiable rollout and the process exits by itself', async () => {
    const { code, stdout } = await pathwise(cwd, ['--backend', 'webgpu', 'envs', 'step', '--env', 'cartpole-swingup', '--actions', '[[0.5],[-0.3]]', '--steps', '3', '--json'], {
      env,
      timeoutMs: 110_000,
    });
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.grad.flat(2).every(Number.isFinite)).toBe(true);
    expect(report.grad.flat(2).some((g: number) => g !== 0)).toBe(true);
  });
  it('--backend webgpu train runs a GI-PPO cart-pole epoch (fused GPU env step) and agrees with wasm', async () => {
    const run = async (backend: string) => {
      const out = join(cwd, `train-${backend}`);
      const result = await pathwise(cwd, ['--backend', backend, 'train', '--algo', 'gippo', '--env', 'cartpole-swingup', '--epochs', '1', '--out', out], { env, timeoutMs: 170_000 });
      expect(result.code).toBe(0);
      const [header, row] = readFileSync(join(out, 'metrics.csv'), 'utf8').trim().split('\n');
      const metrics = Object.fromEntries(header!.split(',').map((key, i) => [key, Number(row!.split(',')[i])]));
      return { stdout: result.stdout, metrics };
    };
    const gpu = await run('webgpu');
    const wasm = await run('wasm');
    // Cart-pole episodes last 240 steps, so one 32-step epoch finishes none: the CLI says so instead of printing NaN.
    expect(gpu.stdout).toContain('no episode finished in its 1 epoch, so no reward yet');
    // Same seed, same algorithm: the first epoch's losses agree to float32 noise across the two backends.
    // OORR counts samples out of 2 048: a few may cross the clip boundary either way.
    const tolerance: Record<string, number> = { critic_loss: 1e-3, alpha_loss: 1e-3, det_min: 1e-3, det_max: 1e-3, oorr: 8 / 2048 };
    for (const [key, rtol] of Object.entries(tolerance)) {
      expect(Number.isFinite(gpu.metrics[key]), key).toBe(true);
      expect(Math.abs(gpu.metrics[key]! - wasm.metrics[key]!), key).toBeLessThanOrEqual(rtol * Math.max(1, Math.abs(wasm.metrics[key]!)));
    }
  }, 400_000);
});
