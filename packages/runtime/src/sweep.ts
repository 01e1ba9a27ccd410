// Sweeps: algorithms × envs × seeds, each cell a self-contained run directory under
// runs/<env>/<algo>/seed-<n>/ (finished ones are skipped, interrupted ones resumed), run in worker
// threads; then table.csv, table.md and one <env>.svg per env from the finished runs.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { algorithms, ConfigError } from '@pathwise/core';
import { getEnv } from '@pathwise/envs';
import { csvHeader, csvRow, formatMeanStd, isRunFinished, markdownTable, readSummary, writeFileAtomic, writeJsonAtomic, writePlot, type RunSummary } from '@pathwise/report/node';
import { withRunLock } from './lock.js';
import { loadPlugins } from './plugins.js';
import { runPool, StopSignal } from './pool.js';
import { activateBackend, hasRunRecord, resolveRun, writeRunRecord } from './run-record.js';
import { combineSummaries, meanCurve, rewardPlotSvg } from './summaries.js';
import { checkSeeds, plannedEpochs, trapStopSignals, type ExecutionOptions } from './train.js';

/** grid.json: algorithms (or variants) × envs × seeds, with settings every run shares. */
export interface SweepGrid {
  algos: string[];
  envs: string[];
  seeds: number[];
  /** Sets each algorithm's epochs key. */
  epochs?: number;
  /** Sets the config key `estimator` of every algorithm. */
  estimator?: string;
  backend: string;
  overrides?: Record<string, unknown>;
  /** Plugin records (absolute paths or package names) every run imports. */
  plugins?: string[];
}

export const GRID_JSON = 'grid.json';
export const SWEEP_TABLE_COLUMNS = ['env', 'algo', 'seeds', 'best_mean', 'best_std', 'final_mean', 'final_std'] as const;

export function sweepRunDir(out: string, env: string, algo: string, seed: number): string {
  return join(out, 'runs', env, algo, `seed-${seed}`);
}

/** Reads and checks a grid file (a sweep's grid.json, or one written by hand). */
export function readGrid(path: string): SweepGrid {
  let grid: SweepGrid;
  try {
    grid = JSON.parse(readFileSync(path, 'utf8')) as SweepGrid;
  } catch (error) {
    throw new ConfigError('--grid', path, `a readable JSON file (${(error as Error).message})`);
  }
  for (const key of ['algos', 'envs', 'seeds'] as const) {
    if (!Array.isArray(grid[key]) || grid[key].length === 0) throw new ConfigError(`${key} (in ${path})`, grid[key], 'a non-empty list');
  }
  checkSeeds(grid.seeds, `seeds (in ${path})`);
  return grid;
}

export interface SweepOptions extends ExecutionOptions {
  /** Called as each run finishes (index among this call's runs, and their count). */
  onRunDone?: (done: number, runs: number) => void;
  /** Before training: how many runs the grid has and how many are already finished. */
  onPlan?: (plan: { runs: number; finished: number; toRun: number }) => void;
}

export interface SweepResult {
  rows: Array<Record<string, string | number>>;
  runs: number;
  finishedBefore: number;
  interrupted: boolean;
}

/** A sweep directory made ready to run: the unfinished runs (seed-major) and the grid's size. */
export interface PreparedSweep {
  /** Run directories still to train, each with its config.json. */
  dirs: string[];
  /** Runs in the grid. */
  runs: number;
  /** Runs that already have a summary.json. */
  finished: number;
}

/**
 * Prepares a sweep in `out` without training: imports the grid's plugins, checks every name, writes
 * grid.json and the config.json of every unfinished run that has none (seed-major, so a partial
 * sweep has every cell for its first seeds). The embedded pool and the queue share it.
 */
export async function prepareSweep(out: string, grid: SweepGrid): Promise<PreparedSweep> {
  await checkGrid(grid);
  // The sweep directory's lock while its records are written (the embedded sweep holds it throughout).
  return withRunLock(out, 'sweep', () => writeSweepRecords(out, grid));
}

/** Imports the grid's plugins and checks its seeds and every name, before anything is written. */
async function checkGrid(grid: SweepGrid): Promise<void> {
  checkSeeds(grid.seeds, 'seeds');
  await loadPlugins(grid.plugins ?? []);
  for (const algo of grid.algos) algorithms.lookup(algo);
  for (const env of grid.envs) getEnv(env);
}

async function writeSweepRecords(out: string, grid: SweepGrid): Promise<PreparedSweep> {
  writeJsonAtomic(join(out, GRID_JSON), grid);
  const dirs: string[] = [];
  let backend: string | undefined;
  for (const seed of grid.seeds) {
    for (const env of grid.envs) {
      for (const algo of grid.algos) {
        const dir = sweepRunDir(out, env, algo, seed);
        if (isRunFinished(dir)) continue;
        if (!hasRunRecord(dir)) {
          const { config } = resolveRun({
            algo,
            env,
            overrides: grid.overrides ?? {},
            ...(grid.epochs !== undefined ? { epochs: grid.epochs } : {}),
            ...(grid.estimator !== undefined ? { estimator: grid.estimator } : {}),
          });
          backend ??= await activateBackend(grid.backend);
          writeRunRecord(dir, { algo, env, seed, backend, plugins: grid.plugins ?? [], config });
        }
        dirs.push(dir);
      }
    }
  }
  const runs = grid.envs.length * grid.algos.length * grid.seeds.length;
  return { dirs, runs, finished: runs - dirs.length };
}

/**
 * Runs a sweep into `out` (prepareSweep), trains the unfinished runs in worker threads and writes
 * the tables.
 */
export async function sweep(out: string, grid: SweepGrid, options: SweepOptions = {}): Promise<SweepResult> {
  await checkGrid(grid);
  // One sweep process per directory (its runs are locked one by one as they train).
  return withRunLock(out, 'sweep', () => runSweep(out, grid, options));
}

async function runSweep(out: string, grid: SweepGrid, options: SweepOptions): Promise<SweepResult> {
  const { dirs, runs } = await prepareSweep(out, grid);
  options.onPlan?.({ runs, finished: runs - dirs.length, toRun: dirs.length });
  const stop = options.stop ?? new StopSignal();
  const untrap = options.stop ? () => {} : trapStopSignals(stop);
  let interrupted = false;
  try {
    const done = new Array<number>(dirs.length).fill(0);
    const totals = dirs.map(plannedEpochs);
    let finished = 0;
    const results = await runPool(dirs, {
      ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
      preload: options.preload ?? [],
      stop,
      onEpoch: (task, report) => {
        done[task] = report.epoch;
        options.onEpoch?.(report, { done: done.reduce((a, b) => a + b, 0), total: totals.reduce((a, b) => a + b, 0) });
      },
      onDone: () => options.onRunDone?.(++finished, dirs.length),
    });
    interrupted = results.some((r) => r.interrupted);
  } finally {
    untrap();
  }
  return { rows: writeSweepTables(out, grid), runs, finishedBefore: runs - dirs.length, interrupted };
}

/** table.csv, table.md and <env>.svg from the finished runs of a sweep directory; returns the table rows. */
export function writeSweepTables(out: string, grid: SweepGrid): Array<Record<string, string | number>> {
  const rows: Array<Record<string, string | number>> = [];
  for (const env of grid.envs) {
    const series = [];
    for (const algo of grid.algos) {
      const dirs = grid.seeds.map((s) => sweepRunDir(out, env, algo, s)).filter((d) => isRunFinished(d));
      if (dirs.length === 0) continue;
      const summary = combineSummaries(
        dirs.map((d) => readSummary(d) as RunSummary),
        0,
      );
      rows.push({
        env,
        algo,
        seeds: dirs.length,
        best_mean: summary.best_reward.mean,
        best_std: summary.best_reward.std,
        final_mean: summary.final_reward.mean,
        final_std: summary.final_reward.std,
      });
      series.push(meanCurve(algo, dirs));
    }
    if (series.length > 0) writePlot(join(out, `${env}.svg`), rewardPlotSvg(`${env}: mean ± std over seeds`, series));
  }
  writeFileAtomic(join(out, 'table.csv'), csvHeader(SWEEP_TABLE_COLUMNS) + rows.map((r) => csvRow(SWEEP_TABLE_COLUMNS, r)).join(''));
  writeFileAtomic(
    join(out, 'table.md'),
    markdownTable(
      ['env', 'algo', 'seeds', 'best reward (mean ± std)', 'final reward (mean ± std)'],
      rows.map((r) => [String(r.env), String(r.algo), String(r.seeds), formatMeanStd(Number(r.best_mean), Number(r.best_std), 4), formatMeanStd(Number(r.final_mean), Number(r.final_std), 4)]),
    ),
  );
  return rows;
}

/** How many of a grid's runs have finished (for report-only listings). */
export function finishedRuns(out: string, grid: SweepGrid): number {
  let count = 0;
  for (const seed of grid.seeds) for (const env of grid.envs) for (const algo of grid.algos) if (isRunFinished(sweepRunDir(out, env, algo, seed))) count++;
  return count;
}

/** Whether `out` holds a sweep (its grid.json). */
export function hasGrid(out: string): boolean {
  return existsSync(join(out, GRID_JSON));
}
