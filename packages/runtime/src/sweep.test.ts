import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import '@pathwise/backend-cpu';
import { loadPlugins } from './plugins.js';
import { readGrid, sweep } from './sweep.js';
import { BACKEND_CPU_URL, json, lines, tempDir, writeToyPlugin } from './test-support/toy.js';

describe('sweep', () => {
  it('runs algorithms (variants too) × envs × seeds in workers, skips finished runs on a rerun, and writes the tables', async () => {
    const root = tempDir();
    const plugins = await loadPlugins([writeToyPlugin(root, 'toy-sweep')]);
    const out = join(root, 'sweep');
    const grid = { algos: ['toy-sweep-big'], envs: ['dejong', 'ackley'], seeds: [1, 2], epochs: 2, backend: 'cpu', plugins };
    const plans: unknown[] = [];
    const first = await sweep(out, grid, { preload: [BACKEND_CPU_URL], onPlan: (p) => plans.push(p) });
    expect(first).toMatchObject({ runs: 4, finishedBefore: 0, interrupted: false });
    expect(readdirSync(join(out, 'runs')).sort()).toEqual(['ackley', 'dejong']);
    expect(readdirSync(join(out, 'runs', 'dejong'))).toEqual(['toy-sweep-big']);
    const record = json(join(out, 'runs', 'ackley', 'toy-sweep-big', 'seed-2', 'config.json'));
    expect(record).toMatchObject({ algo: 'toy-sweep-big', env: 'ackley', seed: 2, backend: 'cpu', plugins, config: { epochs: 2, step: 2 } });
    expect(lines(join(out, 'runs', 'ackley', 'toy-sweep-big', 'seed-2'))).toHaveLength(3);
    const table = readFileSync(join(out, 'table.csv'), 'utf8').trim().split('\n');
    expect(table[0]).toBe('env,algo,seeds,best_mean,best_std,final_mean,final_std');
    expect(table.slice(1).map((r) => r.split(',').slice(0, 3).join(','))).toEqual(['dejong,toy-sweep-big,2', 'ackley,toy-sweep-big,2']);
    const seeds = [1, 2].map((s) => json(join(out, 'runs', 'dejong', 'toy-sweep-big', `seed-${s}`, 'summary.json')).best_reward);
    expect(Number(table[1]!.split(',')[3])).toBeCloseTo((seeds[0] + seeds[1]) / 2, 12);
    expect(readFileSync(join(out, 'table.md'), 'utf8')).toMatch(/\| dejong +\| toy-sweep-big +\| 2 +\|/);
    for (const file of ['grid.json', 'dejong.svg', 'ackley.svg']) expect(existsSync(join(out, file)), file).toBe(true);
    const again = await sweep(out, grid, { preload: [BACKEND_CPU_URL], onPlan: (p) => plans.push(p) });
    expect(again).toMatchObject({ runs: 4, finishedBefore: 4 });
    expect(plans).toEqual([
      { runs: 4, finished: 0, toRun: 4 },
      { runs: 4, finished: 4, toRun: 0 },
    ]);
  });

  it('checks every name before running anything', async () => {
    const out = join(tempDir(), 'sweep');
    await expect(sweep(out, { algos: ['nope'], envs: ['dejong'], seeds: [1], backend: 'cpu' })).rejects.toThrow(/Unknown algorithm 'nope'/);
    expect(existsSync(out)).toBe(false);
  });

  it('checks the seeds (distinct integers in [0, 2^32)) before running anything, in a grid file too', async () => {
    const out = join(tempDir(), 'sweep');
    for (const seeds of [[1.5], [1e30], [-1], [1, 1]]) {
      await expect(sweep(out, { algos: ['gippo'], envs: ['dejong64'], seeds, backend: 'cpu' })).rejects.toThrow(/Invalid config 'seeds'.*distinct integers in \[0, 2\^32\)/);
    }
    expect(existsSync(out)).toBe(false);
    const file = join(tempDir(), 'grid.json');
    writeFileSync(file, '{"algos": ["gippo"], "envs": ["dejong64"], "seeds": [1, 1e999]}');
    expect(() => readGrid(file)).toThrow(`Invalid config 'seeds (in ${file})': got [1,Infinity], expected distinct integers in [0, 2^32), e.g. [1, 2, 3].`);
  });
});
