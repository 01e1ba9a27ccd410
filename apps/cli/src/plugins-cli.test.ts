// The listing and analysis commands of the plugin packages, through the built binary.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const bin = join(__dirname, '..', 'dist', 'bin.js');
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 300_000 });
const json = (...args: string[]) => {
  const r = run(...args);
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
};

describe('listing commands (docs/architecture.md §6)', () => {
  it('envs --json lists every named env with its dims', () => {
    const envs = json('envs', '--json') as Array<Record<string, unknown>>;
    const names = envs.map((e) => e.name);
    for (const name of [
      'dejong',
      'dejong64',
      'ackley',
      'ackley64',
      'cartpole-swingup',
      'cartpole-pilco',
      'pendulum',
      'double-pendulum',
      'traffic-a',
      'traffic-b',
      'traffic-c',
      'traffic-d',
      'traffic-e',
    ]) {
      expect(names).toContain(name);
    }
    for (const e of envs) expect(Object.keys(e).sort()).toEqual(['actDim', 'description', 'episodeLength', 'name', 'obsDim']);
    expect(envs.find((e) => e.name === 'cartpole-swingup')).toMatchObject({ obsDim: 5, actDim: 1, episodeLength: 240 });
  });

  it('algos --json lists the five algorithms with defaults', () => {
    const algos = json('algos', '--json') as Array<{ name: string; description: string; defaults: Record<string, unknown> }>;
    expect(algos.map((a) => a.name).sort()).toEqual(['gippo', 'lr', 'lrp', 'ppo', 'rp']);
    expect(algos.find((a) => a.name === 'gippo')!.defaults).toMatchObject({ alpha: 1e-5, numActors: 64, horizon: 1 });
  });

  it('estimators --json lists name, requires, unbiased and options', () => {
    const list = json('estimators', '--json') as Array<Record<string, unknown>>;
    const names = list.map((e) => e.name);
    for (const name of ['lr', 'rp', 'lr+rp', 'tp', 'dice']) expect(names).toContain(name);
    for (const e of list) expect(Object.keys(e).sort()).toEqual(['name', 'options', 'requires', 'unbiased']);
    expect(list.find((e) => e.name === 'rp')).toMatchObject({ requires: ['pathwise'], unbiased: true });
  });
});

describe('envs step', () => {
  it('reproduces the De Jong 1-D reference value at u = 0.1 through a = tanh(u)', () => {
    const a = Math.tanh(0.1);
    const out = json('envs', 'step', '--env', 'dejong', '--actions', JSON.stringify([[a]]), '--backend', 'cpu', '--json');
    expect(out.rewards[0][0]).toBeCloseTo(-0.2604062252, 6);
    // The spec's gradient is d/du; ours is d/da.
    expect(out.grad[0][0][0] * (1 - a * a)).toBeCloseTo(-5.173565024, 3);
  });

  it('rejects actions of the wrong width clearly', () => {
    const r = run('envs', 'step', '--env', 'dejong64', '--actions', '[[0.1]]', '--backend', 'cpu', '--json');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/64/);
  });
});

describe('vi', () => {
  it('closed-form prints every estimator variant; RP variance of the μ-gradient is Σ_j H_ij² σ_j²', () => {
    const out = json('vi', 'closed-form', '--mu', '[0, 1]', '--sigma', '[1, 0.5]', '--grad', '[1, -1]', '--hessian', '[[-2, 0.5], [0.5, -1]]', '--json');
    expect(Object.keys(out).sort()).toEqual(['exact_gradient', 'rp', 'sf_elbo', 'sf_joint']);
    expect(out.rp.mu[0]).toBeCloseTo(4 * 1 + 0.25 * 0.25, 12);
    expect(out.rp.mu[1]).toBeCloseTo(0.25 * 1 + 1 * 0.25, 12);
    for (const key of ['mu', 'sigma', 'logsigma', 'baseline_mu', 'baseline_sigma']) expect(out.sf_joint[key]).toHaveLength(2);
    expect(Object.keys(out.exact_gradient).sort()).toEqual(['logsigma', 'mu', 'sigma_elbo', 'sigma_expectation']);
  });

  it('compare --estimators: any registered estimators; no closed form gives null in JSON and empty CSV cells; unknown names list the registered ones', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'pathwise-vi-')), 'compare');
    const out = json('vi', 'compare', '--model', 'logreg', '--data', 'diabetes', '--samples', '400', '--steps', '20', '--estimators', 'rp,lr-loo,tp', '--backend', 'cpu', '--out', dir, '--json');
    expect(out.reference).toBe('rp');
    expect(out.estimators.map((e: { column: string; prediction: string | null }) => [e.column, e.prediction === null])).toEqual([
      ['rp', false],
      ['lr-loo', true],
      ['tp', true],
    ]);
    expect(out.description).toMatch(/sampling design/);
    const groups = out.points.flatMap((p: { groups: Array<{ estimator: string; ratioPredictedMean: number | null; ratioEmpiricalMean: number }> }) => p.groups);
    expect(new Set(groups.map((g: { estimator: string }) => g.estimator))).toEqual(new Set(['lr-loo', 'tp']));
    for (const g of groups) {
      expect(g.ratioPredictedMean).toBeNull();
      expect(g.ratioEmpiricalMean).toBeGreaterThan(0);
    }
    const [header, first] = readFileSync(join(dir, 'coordinates.csv'), 'utf8').split('\n') as [string, string];
    const cells = Object.fromEntries(header.split(',').map((column, i) => [column, first.split(',')[i]]));
    expect(Number(cells.rp_predicted)).toBeGreaterThan(0);
    expect(cells['lr-loo_predicted']).toBe('');
    expect(cells.tp_predicted).toBe('');
    expect(Number(cells['lr-loo_empirical'])).toBeGreaterThan(0);

    const unknown = run('vi', 'compare', '--estimators', 'rp,no-such-estimator');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/Unknown estimator 'no-such-estimator'\. Registered: .*lr-loo.*rp.*sf-elbo, sf-joint, tp/);
  });

  it('mohamed writes its summary, tables and plots', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'pathwise-vi-')), 'mohamed');
    const r = run('vi', 'mohamed', '--out', dir, '--backend', 'cpu');
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(dir, 'summary.json'))).toBe(true);
  });
});

describe('pipps', () => {
  it('chaos writes variance.csv, summary.json and variance.svg with every method per horizon', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'pathwise-pipps-')), 'chaos');
    const summary = json('pipps', 'chaos', '--system', 'rnn', '--scale', '3', '--horizons', '5,10', '--particles', '50', '--repeats', '4', '--backend', 'cpu', '--out', dir, '--json');
    expect(summary.rows).toHaveLength(6);
    expect(new Set(summary.rows.map((r: { method: string }) => r.method))).toEqual(new Set(['rp', 'lr', 'tp']));
    for (const file of ['variance.csv', 'summary.json', 'variance.svg']) expect(existsSync(join(dir, file)), file).toBe(true);
  });
});
