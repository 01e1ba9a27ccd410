// `pathwise plot`: several runs' curves in one SVG, through the built CLI, on hand-written run directories.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const bin = join(__dirname, '..', 'dist', 'bin.js');
const pathwise = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 });

function runDir(root: string, name: string, file: string, csv: string, record?: object): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, file), csv);
  if (record) writeFileSync(join(dir, 'config.json'), JSON.stringify(record));
  return dir;
}

function fixture() {
  const root = mkdtempSync(join(tmpdir(), 'pathwise-plot-'));
  // A live run: its last row is half written and must be left out.
  const live = runDir(root, 'live', 'metrics.csv', 'epoch,steps,reward,best_reward,wall_s,alpha\n1,64,-5,-5,0.1,0.5\n2,128,-3,-3,0.2,0.25\n3,192,-4,-3,0.3,0.125\n4,25', {
    algo: 'gippo',
    env: 'hopper',
    seed: 1,
  });
  // A docs copy: thinned curve, no config.json.
  const thin = runDir(root, 'thin', 'metrics.thin.csv', 'epoch,steps,reward,best_reward,wall_s\n1,64,-9,-9,0.1\n10,640,-2,-2,1\n');
  return { root, live, thin };
}

describe('pathwise plot', () => {
  it('overlays the curves of a live run (complete rows only) and a thinned docs copy, labelled from config.json, with a JSON summary', () => {
    const { root, live, thin } = fixture();
    const out = join(root, 'both.svg');
    const r = pathwise('plot', live, thin, '--out', out, '--title', 'two runs', '--json');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      out,
      series: [
        { label: 'gippo (hopper, seed 1)', dir: live, file: join(live, 'metrics.csv'), points: 3, last: { x: 192, y: -4 }, max: -3 },
        { label: thin, dir: thin, file: join(thin, 'metrics.thin.csv'), points: 2, last: { x: 640, y: -2 }, max: -2 },
      ],
    });
    const svg = readFileSync(out, 'utf8');
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain('two runs');
    expect(svg).toContain('gippo (hopper, seed 1)');
    // Every reward negative: −reward on a log axis, as the sweep plots draw it.
    expect(svg).toContain('log scale');
    expect(svg).toContain('environment steps');
  });

  it('plots any column against any column, with the given labels', () => {
    const { root, live } = fixture();
    const out = join(root, 'alpha.svg');
    const r = pathwise('plot', live, '--out', out, '--y', 'alpha', '--x', 'epoch', '--labels', 'GI-PPO');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('GI-PPO: 3 points, last 0.125 at epoch 3, max 0.5');
    const svg = readFileSync(out, 'utf8');
    expect(svg).toContain('GI-PPO');
    expect(svg).toContain('>alpha<');
    expect(svg).not.toContain('log scale');
  });

  it('a `train --seeds` directory stands for its seeds, a sweep directory for its runs that have started', () => {
    const root = mkdtempSync(join(tmpdir(), 'pathwise-plot-'));
    const csv = 'epoch,steps,reward,best_reward,wall_s\n1,64,-5,-5,0.1\n2,128,-4,-4,0.2\n';
    const record = (algo: string, seed: number) => ({ algo, env: 'dejong', seed });
    const seeds = join(root, 'seeds');
    for (const seed of [2, 10]) runDir(seeds, `seed-${seed}`, 'metrics.csv', csv, record('ppo', seed));
    writeFileSync(join(seeds, 'summary.json'), '{}');
    const sweep = join(root, 'sweep');
    mkdirSync(sweep);
    writeFileSync(join(sweep, 'grid.json'), JSON.stringify({ algos: ['gippo', 'rp'], envs: ['dejong'], seeds: [1, 2] }));
    runDir(sweep, 'runs/dejong/gippo/seed-1', 'metrics.thin.csv', csv, record('gippo', 1));
    runDir(sweep, 'runs/dejong/rp/seed-2', 'metrics.csv', csv, record('rp', 2));
    mkdirSync(join(sweep, 'runs', 'dejong', 'rp', 'seed-1'), { recursive: true }); // set up, not started
    const r = pathwise('plot', seeds, sweep, '--out', join(root, 'all.svg'), '--json');
    expect(r.status, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { series: Array<{ label: string }> }).series.map((s) => s.label)).toEqual([
      'ppo (dejong, seed 2)',
      'ppo (dejong, seed 10)',
      'gippo (dejong, seed 1)',
      'rp (dejong, seed 2)',
    ]);
  });

  it('names what is wrong: an unknown column (listing the columns), a directory without a curve, a label count that does not match', () => {
    const { root, live, thin } = fixture();
    const out = join(root, 'x.svg');
    const column = pathwise('plot', live, thin, '--out', out, '--y', 'alpha');
    expect(column.status).toBe(1);
    expect(column.stderr).toContain(`${join(thin, 'metrics.thin.csv')} has no column 'alpha' (--y); its columns: epoch, steps, reward, best_reward, wall_s.`);
    const empty = pathwise('plot', root, '--out', out);
    expect(empty.status).toBe(1);
    expect(empty.stderr).toContain(`${root} holds no per-epoch curve (neither metrics.csv nor metrics.thin.csv, nor seed-<n>/ runs or a sweep's runs with one): is it a run directory?`);
    const labels = pathwise('plot', live, thin, '--out', out, '--labels', 'one');
    expect(labels.status).toBe(1);
    expect(labels.stderr).toContain('--labels names 1 curve for 2 runs; give one label per run.');
    const missing = pathwise('plot', live);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("required option '--out <file>' not specified");
  });
});
