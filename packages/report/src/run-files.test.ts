import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { linePlotSvg } from './plot/line-plot.js';
import { isRunFinished, readSummary, writePlot, writeSummary } from './run-files.js';
import { seedStats } from './seed-stats.js';
import { isMultiSeedSummary, seedDirName, type MultiSeedSummary, type RunSummary } from './summary.js';
import { useTempDirs } from './test-support/temp-dir.js';

const tempDir = useTempDirs('run-files');

describe('run files', () => {
  it('a run is finished exactly when its summary has been written', () => {
    const runDir = tempDir();
    expect(isRunFinished(runDir)).toBe(false);
    expect(readSummary(runDir)).toBeUndefined();
    const summary: RunSummary = { algo: 'gippo', env: 'dejong', seed: 1, backend: 'cpu', epochs: 10, final_reward: -1.5, best_reward: -1.25, wall_s: 3.5 };
    writeSummary(runDir, summary);
    expect(isRunFinished(runDir)).toBe(true);
    expect(readSummary(runDir)).toEqual(summary);
    expect(readdirSync(runDir)).toEqual(['summary.json']);
  });

  it('stores the several-seed shape with N−1 std and reads a diverged seed back as NaN', () => {
    const runDir = tempDir();
    const best = [-1, -2, -4];
    const summary: MultiSeedSummary = {
      algo: 'ppo',
      env: 'ackley',
      backend: 'wasm',
      epochs: 5,
      seeds: [1, 2, 3],
      best_reward: seedStats(best),
      final_reward: seedStats([-2, Number.NaN, -5]),
      wall_s: 9,
    };
    writeSummary(runDir, summary);
    const raw = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8'));
    expect(raw.best_reward.std).toBeCloseTo(Math.sqrt(((1 - 7 / 3) ** 2 + (2 - 7 / 3) ** 2 + (4 - 7 / 3) ** 2) / 2), 12);
    expect(raw.final_reward.mean).toBe('NaN');
    const read = readSummary(runDir) as MultiSeedSummary;
    expect(isMultiSeedSummary(read)).toBe(true);
    expect(Number.isNaN(read.final_reward.mean)).toBe(true);
    expect(seedDirName(3)).toBe('seed-3');
  });

  it('writes a plot file', () => {
    const path = join(tempDir(), 'reward.svg');
    const svg = linePlotSvg({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 'a', x: [1, 2], y: [3, 4] }] });
    writePlot(path, svg);
    expect(readFileSync(path, 'utf8')).toBe(svg);
  });
});
