// `pathwise bench envs --kernels` end to end on the built binary, at one small size on cpu: one row
// per kernel from one run, each saying which ran (a bad --kernels value: hostile.test.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pathwise } from './test-support/cli.js';

const cwd = mkdtempSync(join(tmpdir(), 'pathwise-bench-envs-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

describe('pathwise bench envs', () => {
  it('--kernels ops,fused --json: both rows per env and batch, with a kernel field', async () => {
    const { code, stdout, stderr } = await pathwise(cwd, [
      'bench',
      'envs',
      '--backend',
      'cpu',
      '--envs',
      'traffic-a',
      '--batches',
      '2',
      '--steps',
      '2',
      '--kernels',
      'ops,fused',
      '--rounds',
      '1',
      '--no-mujoco',
      '--json',
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.results.map((r: { kernel: string }) => r.kernel)).toEqual(['ops', 'fused']);
    for (const row of report.results) {
      expect(Object.keys(row).sort()).toEqual(['backend', 'batch', 'env', 'kernel', 'steps_per_s', 'steps_per_s_backprop']);
      expect(row).toMatchObject({ backend: 'cpu', env: 'traffic-a', batch: 2 });
      expect(row.steps_per_s_backprop).toBeGreaterThan(0);
    }
  });
});
