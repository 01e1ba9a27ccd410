// `pathwise bench rollout --json` end to end on the built binary, at one small size on cpu: both
// kernel rows in one run, the docs/architecture.md §6 shape, and exit 0 without PyTorch.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pathwise } from './test-support/cli.js';

const cwd = mkdtempSync(join(tmpdir(), 'pathwise-bench-rollout-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

describe('pathwise bench rollout', () => {
  it('--json: fused and ops rows from one run; without torch, reference [] and reference_error, exit 0', async () => {
    const { code, stdout, stderr } = await pathwise(cwd, ['bench', 'rollout', '--backend', 'cpu', '--batches', '16', '--json'], { env: { PATHWISE_PYTHON: join(cwd, 'no-such-python') } });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.what).toBe('rollout');
    expect(report.machine.cpus).toBeGreaterThan(0);
    expect(report.results.map((r: { kernel: string }) => r.kernel).sort()).toEqual(['fused', 'ops']);
    for (const row of report.results) {
      expect(Object.keys(row).sort()).toEqual(['backend', 'env', 'envs', 'kernel', 'ms_per_iter', 'steps_per_s']);
      expect(row).toMatchObject({ backend: 'cpu', env: 'cartpole-swingup', envs: 16 });
      expect(row.ms_per_iter).toBeGreaterThan(0);
      // steps_per_s and ms_per_iter are rounded separately: they agree to the rounding, not to the unit.
      expect(Math.abs(row.steps_per_s - (16 * 64) / (row.ms_per_iter / 1000)) / row.steps_per_s).toBeLessThan(1e-3);
    }
    expect(report.skipped).toEqual([]);
    expect(report.reference).toEqual([]);
    expect(report.reference_error).toMatch(/python3 could not be run/);
  });

  it('--env hopper: one fused row (its kernel is the implementation: no op path), no PyTorch twin', async () => {
    const { code, stdout } = await pathwise(cwd, ['bench', 'rollout', '--backend', 'cpu', '--env', 'hopper', '--batches', '4', '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.results).toHaveLength(1);
    expect(report.results[0]).toMatchObject({ backend: 'cpu', env: 'hopper', envs: 4, kernel: 'fused' });
    expect(report.results[0].steps_per_s).toBeGreaterThan(0);
    expect(report.reference).toEqual([]);
    expect(report.reference_error).toMatch(/no PyTorch reference for hopper/);
  });

  it('rejects a bad --batches value with exit 1, naming the flag', async () => {
    const { code, stderr } = await pathwise(cwd, ['bench', 'rollout', '--batches', '256,,1024']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/'--batches'/);
  });
});
