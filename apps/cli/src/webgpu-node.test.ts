// The built `pathwise` on Node webgpu (Dawn, through the optional `webgpu` package): listed as available
// with its adapter, usable with --backend webgpu, and the process exits by itself afterwards (the GPU
// instance is dropped). Fails, never skips, when the backend is missing.
import { mkdtempSync, rmSync } from 'node:fs';
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
});
