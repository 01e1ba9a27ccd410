// `pathwise bench train --json` end to end on the built binary, one short round on cpu: the §6 shape,
// and exit 0 without PyTorch (reference [] and reference_error).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pathwise } from './test-support/cli.js';

const cwd = mkdtempSync(join(tmpdir(), 'pathwise-bench-train-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

describe('pathwise bench train', () => {
  it('--json: the §6 shape; without torch, reference [] and reference_error, exit 0', async () => {
    const args = ['bench', 'train', '--backend', 'cpu', '--algos', 'ppo', '--epochs', '1', '--rounds', '1', '--variants', 'auto', '--json'];
    const { code, stdout, stderr } = await pathwise(cwd, args, { env: { PATHWISE_PYTHON: join(cwd, 'no-such-python') } });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ what: 'train', env: 'dejong64', epochs: 1, rounds: 1, env_kernel: 'auto' });
    expect(report.results.map((r: { variant: string }) => r.variant)).toEqual(['auto']);
    for (const row of report.results) {
      expect(row).toMatchObject({ algo: 'ppo', backend: 'cpu' });
      expect(row.ms_per_epoch).toBeGreaterThan(0);
      expect(row.kernels_per_epoch).toBeGreaterThan(0);
      expect(row.vs_torch).toBeUndefined();
    }
    expect(report.reference).toEqual([]);
    expect(report.reference_error).toMatch(/python3 could not be run/);
  });

  it('--env-kernel ops,fused: one row per env kernel, side by side in each round', async () => {
    const args = ['bench', 'train', '--backend', 'cpu', '--algos', 'ppo', '--epochs', '1', '--rounds', '1', '--variants', 'auto', '--env-kernel', 'ops,fused', '--no-torch', '--json'];
    const { code, stdout } = await pathwise(cwd, args);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.env_kernel).toBe('ops,fused');
    expect(report.results.map((r: { env_kernel: string }) => r.env_kernel)).toEqual(['ops', 'fused']);
    const bad = await pathwise(cwd, ['bench', 'train', '--env-kernel', 'ops,gpu']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/'--env-kernel'/);
  });

  it('rejects a bad --variants value with exit 1, naming the flag', async () => {
    const { code, stderr } = await pathwise(cwd, ['bench', 'train', '--variants', 'auto,gpu']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/'--variants'/);
  });
});
