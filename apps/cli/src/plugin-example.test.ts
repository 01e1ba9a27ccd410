// The example third-party estimator (examples/plugin-estimator, antithetic RP) through all three
// consumers from the CLI: VI, the PIPPS particle tape and the policy-gradient loss. Each check asserts
// numbers that differ from the built-in `rp` on the same seed, so a silent fallback would fail it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const bin = join(__dirname, '..', 'dist', 'bin.js');
const example = join(__dirname, '..', '..', '..', 'examples', 'plugin-estimator');
const run = (...args: string[]) => {
  const r = spawnSync(process.execPath, [bin, '--plugin', example, ...args], { encoding: 'utf8', timeout: 300_000 });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
};
const tmp = () => mkdtempSync(join(tmpdir(), 'pathwise-plugin-'));

describe('examples/plugin-estimator through the CLI', () => {
  it('is listed by estimators --json', () => {
    const rows = JSON.parse(run('estimators', '--json')) as Array<{ name: string; requires: string[]; unbiased: boolean }>;
    expect(rows.find((r) => r.name === 'antithetic-rp')).toMatchObject({ requires: ['pathwise'], unbiased: true });
  });

  it('VI: vi compare reports its empirical variances beside rp, with no closed-form prediction', () => {
    const out = tmp();
    const summary = JSON.parse(run('vi', 'compare', '--model', 'logreg', '--data', 'breast-cancer', '--samples', '200', '--steps', '20', '--estimators', 'rp,antithetic-rp', '--out', out, '--json'));
    const groups = (summary.points as Array<{ groups: Array<{ estimator: string; ratioEmpiricalMean: number; ratioPredictedMean: number | null }> }>).flatMap((p) => p.groups);
    const mine = groups.filter((g) => g.estimator === 'antithetic-rp');
    expect(mine.length).toBeGreaterThan(0);
    for (const g of mine) {
      expect(g.ratioPredictedMean).toBeNull();
      expect(Number.isFinite(g.ratioEmpiricalMean)).toBe(true);
    }
    // Variance ratios to rp on the same draws: a fallback to rp would give exactly 1 everywhere.
    expect(mine.some((g) => g.ratioEmpiricalMean !== 1)).toBe(true);
    const csv = readFileSync(join(out, 'coordinates.csv'), 'utf8').trim().split('\n');
    const header = csv[0]!.split(',');
    const predicted = header.indexOf('antithetic-rp_predicted');
    expect(predicted).toBeGreaterThan(0);
    for (const line of csv.slice(1)) expect(line.split(',')[predicted]).toBe('');
  });

  it('PIPPS: pipps chaos runs it in the particle tape, with a smaller short-horizon variance than rp', () => {
    const out = tmp();
    const summary = JSON.parse(run('pipps', 'chaos', '--system', 'rnn', '--methods', 'rp,lr,tp,antithetic-rp', '--horizons', '3,6', '--particles', '16', '--repeats', '6', '--out', out, '--json'));
    const at = (method: string, T: number) => summary.rows.find((r: { method: string; T: number }) => r.method === method && r.T === T);
    expect(summary.methods).toEqual(['rp', 'lr', 'tp', 'antithetic-rp']);
    expect(at('antithetic-rp', 3).trace_var).toBeGreaterThan(0);
    expect(at('antithetic-rp', 3).trace_var).toBeLessThan(at('rp', 3).trace_var / 10);
    expect(readFileSync(join(out, 'variance.csv'), 'utf8')).toContain('3,antithetic-rp,');
  });

  it('policy gradients: train --algo pg --estimator trains with it and records it', () => {
    const metrics = (estimator: string) => {
      const out = tmp();
      run('train', '--algo', 'pg', '--estimator', estimator, '--env', 'dejong', '--epochs', '3', '--seed', '2', '--backend', 'cpu', '--out', out);
      const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
      const rows = readFileSync(join(out, 'metrics.csv'), 'utf8').trim().split('\n');
      const header = rows[0]!.split(',');
      const drop = header.indexOf('wall_s');
      return {
        config,
        rows: rows.map((r) =>
          r
            .split(',')
            .filter((_, i) => i !== drop)
            .join(','),
        ),
      };
    };
    const plugin = metrics('antithetic-rp');
    const builtin = metrics('rp');
    expect(plugin.config).toMatchObject({ algo: 'pg', plugins: [example], config: { estimator: 'antithetic-rp' } });
    expect(plugin.rows).toHaveLength(4);
    expect(plugin.rows.slice(1)).not.toEqual(builtin.rows.slice(1));
  });
});
