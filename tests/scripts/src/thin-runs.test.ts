// scripts/thin-runs.mjs, which copies what docs/reproduction keeps of a sweep: the rows it keeps,
// what it leaves behind (checkpoints, JSONL, locks, per-run plots, runs not started, empty tables)
// and the redrawn sweep plot. Needs the built report and runtime packages (npm test builds first).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..', '..');
const script = join(root, 'scripts', 'thin-runs.mjs');

function write(path: string, text: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
}

/** Rows epoch 1..n: reward rises to its best at epoch `bestAt`, then falls. */
function metrics(n: number, bestAt: number): string {
  let best = -Infinity;
  const rows = ['epoch,steps,reward,best_reward,wall_s'];
  for (let e = 1; e <= n; e++) {
    const reward = e <= bestAt ? -100 + e : -100 + bestAt - (e - bestAt);
    best = Math.max(best, reward);
    rows.push(`${e},${e * 64},${reward},${best},${e / 10}`);
  }
  return `${rows.join('\n')}\n`;
}

function sweep(): string {
  const src = mkdtempSync(join(tmpdir(), 'pathwise-thin-'));
  write(join(src, 'grid.json'), JSON.stringify({ algos: ['toy'], envs: ['dejong'], seeds: [1, 2, 3], backend: 'cpu' }));
  write(join(src, 'table.csv'), 'env,algo,seeds,best_reward_mean\n');
  write(join(src, 'table.md'), '| env | algo |\n| --- | --- |\n');
  const run = (seed: number) => join(src, 'runs', 'dejong', 'toy', `seed-${seed}`);
  const config = (seed: number) => JSON.stringify({ algo: 'toy', env: 'dejong', seed, backend: 'cpu', plugins: [], config: {} });
  // Seed 1: finished, with everything a run writes.
  write(join(run(1), 'config.json'), config(1));
  write(join(run(1), 'metrics.csv'), metrics(25, 13));
  write(join(run(1), 'metrics.jsonl'), '{}\n');
  write(join(run(1), 'summary.json'), JSON.stringify({ algo: 'toy', env: 'dejong', seed: 1, backend: 'cpu', epochs: 25, final_reward: -88, best_reward: -87 }));
  write(join(run(1), 'reward.svg'), '<svg/>');
  write(join(run(1), 'checkpoint', 'state.json'), '{}');
  // Seed 2: set up by the sweep, not started.
  write(join(run(2), 'config.json'), config(2));
  // Seed 3: in flight (no summary.json), holding its lock.
  write(join(run(3), 'config.json'), config(3));
  write(join(run(3), 'metrics.csv'), metrics(12, 12));
  write(join(run(3), 'lock.json'), '{}');
  return src;
}

const thin = (...args: string[]) => execFileSync(process.execPath, [script, ...args], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('scripts/thin-runs.mjs', () => {
  it('keeps every 10th epoch plus the first, last and best rows verbatim, and leaves out checkpoints, JSONL, locks, per-run plots, runs not started and empty tables', () => {
    const src = sweep();
    const dst = join(mkdtempSync(join(tmpdir(), 'pathwise-thin-out-')), 'docs');
    thin('--unfinished', src, dst);
    const seed1 = join(dst, 'runs', 'dejong', 'toy', 'seed-1');
    expect(readdirSync(seed1).sort()).toEqual(['config.json', 'metrics.thin.csv', 'summary.json']);
    const whole = readFileSync(join(src, 'runs', 'dejong', 'toy', 'seed-1', 'metrics.csv'), 'utf8')
      .trim()
      .split('\n');
    const kept = readFileSync(join(seed1, 'metrics.thin.csv'), 'utf8').trim().split('\n');
    // Header; epochs 1, 10, 13 (the best: where best_reward first reaches its final value), 20, 25.
    expect(kept).toEqual([whole[0], whole[1], whole[10], whole[13], whole[20], whole[25]]);
    expect(existsSync(join(dst, 'runs', 'dejong', 'toy', 'seed-2'))).toBe(false);
    expect(readdirSync(join(dst, 'runs', 'dejong', 'toy', 'seed-3')).sort()).toEqual(['config.json', 'metrics.thin.csv']);
    expect(existsSync(join(dst, 'table.csv'))).toBe(false);
    expect(existsSync(join(dst, 'table.md'))).toBe(false);
    expect(readdirSync(dst).sort()).toEqual(['dejong.svg', 'grid.json', 'runs']);
    // --unfinished draws the in-flight seed beside the finished one, labelled so.
    expect(readFileSync(join(dst, 'dejong.svg'), 'utf8')).toContain('toy (unfinished: to epoch');
  });

  it('without --unfinished the plot shows finished runs only', () => {
    const src = sweep();
    const dst = join(mkdtempSync(join(tmpdir(), 'pathwise-thin-out-')), 'docs');
    thin(src, dst);
    const svg = readFileSync(join(dst, 'dejong.svg'), 'utf8');
    expect(svg).toMatch(/^<svg/);
    expect(svg).not.toContain('unfinished');
  });
});
