// `pathwise pipps train` through the built binary (build @pathwise/pipps and @pathwise/cli first).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const bin = join(__dirname, '..', 'dist', 'bin.js');
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 300_000 });
const tiny = ['--trials', '2', '--particles', '10', '--horizon', '4', '--policy-steps', '2', '--eval-episodes', '3', '--backend', 'cpu'];

describe('pathwise pipps train', () => {
  it('writes metrics.csv, summary.json, cost.svg, trajectory.svg and a checkpoint; --resume of a finished run reprints its summary', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'pathwise-pipps-train-')), 'run');
    const first = run('pipps', 'train', '--method', 'tp', '--model', 'gp', ...tiny, '--seed', '3', '--out', out, '--json');
    expect(first.status, first.stderr).toBe(0);
    const summary = JSON.parse(first.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({ method: 'tp', model: 'gp', seed: 3, backend: 'cpu', trials: 2, particles: 10, horizon: 4, nonfinite_steps: 0 });
    expect(summary.final_cost as number).toBeGreaterThan(0);
    const csv = readFileSync(join(out, 'metrics.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('trial,eval_cost_mean,eval_cost_std,model_nll,policy_steps,wall_s');
    expect(csv.slice(1).map((line) => line.split(',')[0])).toEqual(['1', '2']);
    expect(csv[2]!.split(',')[4]).toBe('2');
    for (const file of ['summary.json', 'config.json', 'cost.svg', 'trajectory.svg', 'checkpoint/pipps.json']) expect(existsSync(join(out, file)), file).toBe(true);
    expect(readFileSync(join(out, 'trajectory.svg'), 'utf8')).toContain('model mean ± 2 std');
    expect(readFileSync(join(out, 'cost.svg'), 'utf8')).not.toContain('NaN');

    const again = run('pipps', 'train', '--resume', '--out', out, '--json', '--backend', 'cpu');
    expect(again.status, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual(summary);
    // --report-only trains nothing: it redraws the plots from the checkpoint and reports progress.
    rmSync(join(out, 'cost.svg'));
    const report = run('pipps', 'train', '--report-only', '--out', out, '--json');
    expect(report.status, report.stderr).toBe(0);
    expect(JSON.parse(report.stdout)).toMatchObject([{ seed: 3, finished: true, trials_done: 2, trials: 2 }]);
    expect(existsSync(join(out, 'cost.svg'))).toBe(true);
    // Without --resume or --force an existing run is not overwritten.
    const refused = run('pipps', 'train', ...tiny, '--out', out);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/already holds a run: pass --resume/);
  });

  it('two seeds: one run directory per seed and a combined summary with mean ± std', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'pathwise-pipps-seeds-')), 'run');
    const r = run('pipps', 'train', '--method', 'rp', '--model', 'true', ...tiny.slice(0, 1), '1', ...tiny.slice(2), '--seeds', '1,2', '--out', out, '--json');
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as { seeds: number[]; final_cost: { mean: number; std: number; per_seed: number[] } };
    expect(summary.seeds).toEqual([1, 2]);
    expect(summary.final_cost.per_seed).toHaveLength(2);
    expect(summary.final_cost.std).toBeGreaterThan(0);
    for (const s of ['seed-1', 'seed-2']) expect(existsSync(join(out, s, 'metrics.csv'))).toBe(true);
    expect(existsSync(join(out, 'cost.svg'))).toBe(true);
  });

  it('unknown --method and --model are clear errors listing what exists', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'pathwise-pipps-bad-')), 'run');
    const method = run('pipps', 'train', '--method', 'sgd', '--out', out);
    expect(method.status).toBe(1);
    expect(method.stderr).toMatch(/--method.*"sgd".*rp, lr, tp, gr/);
    const model = run('pipps', 'train', '--model', 'pilco', '--out', out);
    expect(model.status).toBe(1);
    expect(model.stderr).toMatch(/--model.*"pilco".*gp, ensemble, true/);
    expect(existsSync(out)).toBe(false);
  });
});
