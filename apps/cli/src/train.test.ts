// End-to-end training runs through the built CLI: run directory contract, resume exactness, seeds, sweep.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const bin = join(__dirname, '..', 'dist', 'bin.js');
const pathwise = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 300_000 });
const tmp = () => mkdtempSync(join(tmpdir(), 'pathwise-train-'));
const rows = (dir: string) => readFileSync(join(dir, 'metrics.csv'), 'utf8').trim().split('\n');
/** Every column but wall_s, which measures time. */
const withoutWall = (lines: string[]) => {
  const header = lines[0]!.split(',');
  const wall = header.indexOf('wall_s');
  return lines.map((line) =>
    line
      .split(',')
      .filter((_, i) => i !== wall)
      .join(','),
  );
};

describe('pathwise train', () => {
  it('writes the docs/architecture.md §6 run directory and summary', () => {
    const out = join(tmp(), 'run');
    const r = pathwise('train', '--algo', 'gippo', '--env', 'dejong', '--epochs', '4', '--backend', 'cpu', '--seed', '2', '--out', out, '--json');
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(Object.keys(summary).sort()).toEqual(['algo', 'backend', 'best_reward', 'env', 'epochs', 'final_reward', 'seed', 'wall_s']);
    expect(summary).toMatchObject({ algo: 'gippo', env: 'dejong', seed: 2, backend: 'cpu', epochs: 4 });
    for (const file of ['config.json', 'metrics.csv', 'summary.json', 'reward.svg', 'checkpoint']) expect(existsSync(join(out, file)), file).toBe(true);
    const lines = rows(out);
    expect(lines[0]).toBe('epoch,steps,reward,best_reward,wall_s,actor_loss,critic_loss,actor_lr,critic_lr,alpha,lr_alpha,alpha_loss,oorr,bias,det_min,det_max');
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(['1', '2', '3', '4']);
    expect(lines.slice(1).map((l) => Number(l.split(',')[1]))).toEqual([64, 128, 192, 256]);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ algo: 'gippo', env: 'dejong', seed: 2, backend: 'cpu' });
    expect(config.config.alpha).toBe(1e-5);
    expect(readFileSync(join(out, 'reward.svg'), 'utf8')).toMatch(/^<svg/);
  });

  it('an interrupted run resumes exactly as the uninterrupted run (SIGINT, then --resume)', async () => {
    const base = tmp();
    const straight = join(base, 'straight');
    expect(pathwise('train', '--algo', 'ppo', '--env', 'dejong', '--epochs', '12', '--backend', 'cpu', '--out', straight).status).toBe(0);
    const cut = join(base, 'cut');
    // Interrupt once the first rows are out; the run checkpoints and exits 130.
    const child = spawn(process.execPath, [bin, 'train', '--algo', 'ppo', '--env', 'dejong', '--epochs', '12', '--backend', 'cpu', '--out', cut]);
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (existsSync(join(cut, 'metrics.csv')) && rows(cut).length >= 3) {
          clearInterval(poll);
          child.kill('SIGINT');
          resolve();
        }
      }, 20);
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(130);
    expect(existsSync(join(cut, 'summary.json'))).toBe(false);
    expect(rows(cut).length).toBeLessThan(13);
    const resumed = pathwise('train', '--resume', cut, '--backend', 'cpu');
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(withoutWall(rows(cut))).toEqual(withoutWall(rows(straight)));
  });

  it('several seeds run in workers and give the combined summary', () => {
    const out = join(tmp(), 'multi');
    const r = pathwise('train', '--algo', 'rp', '--env', 'dejong', '--epochs', '3', '--seeds', '1,2', '--backend', 'cpu', '--out', out, '--json');
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.seeds).toEqual([1, 2]);
    expect(summary.best_reward.per_seed).toHaveLength(2);
    const perSeed = [1, 2].map((s) => JSON.parse(readFileSync(join(out, `seed-${s}`, 'summary.json'), 'utf8')));
    expect(summary.best_reward.mean).toBeCloseTo((perSeed[0].best_reward + perSeed[1].best_reward) / 2, 10);
    expect(summary.best_reward.std).toBeCloseTo(Math.abs(perSeed[0].best_reward - perSeed[1].best_reward) / Math.SQRT2, 8);
    expect(existsSync(join(out, 'reward.svg'))).toBe(true);
  });

  it('bad input gets clear errors', () => {
    const unknownEnv = pathwise('train', '--env', 'moon', '--epochs', '1', '--backend', 'cpu', '--out', join(tmp(), 'x'));
    expect(unknownEnv.status).toBe(1);
    expect(unknownEnv.stderr).toMatch(/Unknown env 'moon'\. Registered: .*dejong64/);
    const badAlgo = pathwise('train', '--algo', 'sac', '--epochs', '1', '--backend', 'cpu', '--out', join(tmp(), 'x'));
    expect(badAlgo.status).toBe(1);
    expect(badAlgo.stderr).toMatch(/Unknown algorithm 'sac'\. Registered: gippo, lr, lrp, pg, pipps, ppo, rp\b/);
    const dir = tmp();
    const config = join(dir, 'bad.json');
    require('node:fs').writeFileSync(config, JSON.stringify({ e_clip: -1 }));
    const badConfig = pathwise('train', '--config', config, '--epochs', '1', '--backend', 'cpu', '--out', join(dir, 'run'));
    expect(badConfig.stderr).toMatch(/Invalid config 'eClip': got -1, expected a finite number >= 0/);
  });
});

describe('pathwise sweep', () => {
  it('runs a grid, skips finished runs on a rerun, and writes the tables and plots', () => {
    const out = join(tmp(), 'sweep');
    const args = ['sweep', '--algos', 'lr,rp', '--envs', 'dejong', '--seeds', '1,2', '--epochs', '2', '--backend', 'cpu', '--out', out];
    const first = pathwise(...args);
    expect(first.status, first.stderr).toBe(0);
    expect(readdirSync(join(out, 'runs', 'dejong')).sort()).toEqual(['lr', 'rp']);
    const table = readFileSync(join(out, 'table.csv'), 'utf8').trim().split('\n');
    expect(table[0]).toBe('env,algo,seeds,best_mean,best_std,final_mean,final_std');
    expect(table).toHaveLength(3);
    expect(readFileSync(join(out, 'table.md'), 'utf8')).toMatch(/\| dejong +\| lr +\| 2 +\|/);
    expect(existsSync(join(out, 'dejong.svg'))).toBe(true);
    expect(JSON.parse(readFileSync(join(out, 'grid.json'), 'utf8'))).toMatchObject({ algos: ['lr', 'rp'], envs: ['dejong'], seeds: [1, 2] });
    const again = pathwise(...args);
    expect(again.stderr).toMatch(/4 runs, 4 already finished, 0 to run/);
  });
});
