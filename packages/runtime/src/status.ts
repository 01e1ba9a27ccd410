// Where the runs of a directory stand, read from their files without training: for reports of
// unfinished runs (e.g. `pathwise pipps train --report-only`).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PathwiseError } from '@pathwise/core';
import { isRunFinished, METRICS_CSV, readCheckpoint, readMetrics, writePlot } from '@pathwise/report/node';
import { loadPlugins } from './plugins.js';
import { PROGRESS_FILE } from './run.js';
import { readRunRecord } from './run-record.js';
import { rewardPlotSvg, seedDir } from './summaries.js';
import { plannedEpochs, runDirsIn } from './train.js';

export interface RunStatus {
  seed: number;
  dir: string;
  finished: boolean;
  /** Epochs the latest checkpoint holds. */
  epochs_done: number;
  /** Epochs the run trains in all. */
  epochs: number;
  /** The last metrics row (as written, possibly past the checkpoint), if any. */
  last?: Record<string, unknown>;
}

/** The status of the run in `dir` (or of its seed-<n>/ runs); redraws each run's reward.svg from its metrics. */
export async function runStatus(dir: string): Promise<RunStatus[]> {
  const { single, seeds } = runDirsIn(dir);
  if (!single && seeds.length === 0) throw new PathwiseError(`${dir} holds no run (neither ${join(dir, 'config.json')} nor seed-<n>/config.json).`);
  const dirs = single ? [dir] : seeds.map((s) => seedDir(dir, s));
  await loadPlugins(readRunRecord(dirs[0]!).plugins); // the algorithm says how many epochs a run has
  return dirs.map((runDir) => {
    const record = readRunRecord(runDir);
    const progress = readCheckpoint(runDir)?.[PROGRESS_FILE];
    const rows = existsSync(join(runDir, METRICS_CSV)) ? readMetrics(runDir) : [];
    if (rows.length > 0) {
      writePlot(
        join(runDir, 'reward.svg'),
        rewardPlotSvg(`${record.algo} on ${record.env} (seed ${record.seed}, ${record.backend})`, [{ name: record.algo, x: rows.map((r) => Number(r.steps)), y: rows.map((r) => Number(r.reward)) }]),
      );
    }
    return {
      seed: record.seed,
      dir: runDir,
      finished: isRunFinished(runDir),
      epochs_done: typeof progress === 'string' ? (JSON.parse(progress) as { epoch: number }).epoch : 0,
      epochs: plannedEpochs(runDir),
      ...(rows.length > 0 ? { last: rows[rows.length - 1] } : {}),
    };
  });
}
