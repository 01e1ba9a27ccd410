// Training runs as a command sees them: one seed in this process, several seeds in worker threads
// (one run directory each under seed-<n>/ and a combined summary), resume of either, and
// SIGINT/SIGTERM (every run checkpoints and stops; the result says `interrupted`).
import { existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { algorithms, ConfigError, PathwiseError } from '@pathwise/core';
import { isRunFinished, readSummary, writePlot, writeSummary, type RunSummary, type Summary } from '@pathwise/report/node';
import { loadPlugins } from './plugins.js';
import { acquireRunLock, withRunLock } from './lock.js';
import { runPool, StopSignal } from './pool.js';
import { runInDir, type EpochReport, type RunResult } from './run.js';
import { activateBackend, clearRunDirectory, hasRunRecord, readRunRecord, resolveRun, writeRunRecord, type RunRequest } from './run-record.js';
import { combineSummaries, meanCurve, rewardPlotSvg, seedDir } from './summaries.js';

/** How far a command's runs are: epochs done and to do over all its runs (totals grow as runs report). */
export interface TrainProgress {
  done: number;
  total: number;
}

/** How runs execute: shared by new runs, resumes and sweeps. */
export interface ExecutionOptions {
  /** Modules worker threads import first (backends, built-in algorithm packages); see PoolOptions. */
  preload?: string[];
  /** Runs at a time in worker threads (default: one per core). */
  concurrency?: number;
  onEpoch?: (report: EpochReport, progress: TrainProgress) => void;
  /** Stops the runs (checkpointing them). Default: one that SIGINT and SIGTERM set while training. */
  stop?: StopSignal;
}

export interface TrainOptions extends RunRequest, ExecutionOptions {
  /** One seed trains in this process into `out`; several in workers into `out/seed-<n>/`. */
  seeds: number[];
  /** `auto` measures; the run records the backend in use. */
  backend: string;
  out: string;
  /** Plugin records (from `loadPlugins`) the runs re-import. */
  plugins?: string[];
  /** Replace a run already in `out`. */
  force?: boolean;
}

export interface TrainResult {
  dir: string;
  algo: string;
  env: string;
  seeds: number[];
  /** summary.json (the one-seed or the several-seed shape); absent when interrupted. */
  summary?: Summary;
  runs: RunResult[];
  /** Stopped by a signal: every run wrote a checkpoint; resume the directory to continue. */
  interrupted: boolean;
}

/**
 * Starts a training run (one or several seeds) in `options.out`. Everything is validated (names,
 * config, backend) before the directory is touched; then its lock is taken, and only then does
 * `force` empty it, and only if it is recognisably a run directory.
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const seeds = checkSeeds(options.seeds);
  // Bad names and values fail before anything on disk changes.
  const { lookup, config } = resolveRun(options);
  const backend = await activateBackend(options.backend);
  const plugins = options.plugins ?? [];
  return withRunLock(options.out, 'train', async () => {
    if (options.force) clearRunDirectory(options.out);
    const existing = runDirsIn(options.out);
    if (existing.single || existing.seeds.length > 0 || existsSync(join(options.out, 'summary.json'))) {
      throw new PathwiseError(`${options.out} already holds a run: pass --resume to continue it, --force to replace it, or choose another --out.`);
    }
    const record = (seed: number) => ({ algo: lookup.name, env: options.env, seed, backend, plugins, config });
    if (seeds.length === 1) {
      writeRunRecord(options.out, record(seeds[0]!));
    } else {
      for (const seed of seeds) writeRunRecord(seedDir(options.out, seed), record(seed));
    }
    return execute(options.out, seeds.length === 1 ? undefined : seeds, options);
  });
}

/**
 * Continues the run in `dir` (one seed, or the seed-<n>/ runs of several) from its checkpoints; a
 * finished run just gives its summary back. `backend`, when given and not `auto`, must be the one
 * the run was made on. `epochs`, when given, must be the run's own: a finished run is not extended.
 */
export async function resume(dir: string, options: ExecutionOptions & { backend?: string } = {}): Promise<TrainResult> {
  const { single, seeds } = runDirsIn(dir);
  if (!single && seeds.length === 0) {
    throw new PathwiseError(`Cannot resume: ${dir} holds no run (neither ${join(dir, 'config.json')} nor seed-<n>/config.json).`);
  }
  const lock = acquireRunLock(dir, 'resume');
  try {
    const records = single ? [readRunRecord(dir)] : seeds.map((s) => readRunRecord(seedDir(dir, s)));
    for (const record of records) {
      if (options.backend !== undefined && options.backend !== 'auto' && options.backend !== record.backend) {
        throw new PathwiseError(`This run was made on '${record.backend}'; resume it on the same backend (--backend ${record.backend}) to continue it exactly.`);
      }
    }
    // Imported here too, so a missing plugin fails before any worker starts.
    await loadPlugins(records[0]!.plugins);
    return await execute(dir, single ? undefined : seeds, options);
  } finally {
    lock.release();
  }
}

/** Runs the prepared run directory `dir` (seeds undefined) or its seed-<n>/ directories. */
async function execute(dir: string, seeds: number[] | undefined, options: ExecutionOptions): Promise<TrainResult> {
  const stop = options.stop ?? new StopSignal();
  const untrap = options.stop ? () => {} : trapStopSignals(stop);
  const start = performance.now();
  try {
    if (seeds === undefined) {
      const result = await runInDir(dir, {
        onEpoch: (report) => options.onEpoch?.(report, { done: report.epoch, total: report.epochs }),
        shouldStop: () => stop.stopped,
      });
      const record = readRunRecord(dir);
      return { dir, algo: record.algo, env: record.env, seeds: [record.seed], runs: [result], interrupted: result.interrupted, ...(result.summary ? { summary: result.summary } : {}) };
    }
    const dirs = seeds.map((s) => seedDir(dir, s));
    const record = readRunRecord(dirs[0]!);
    // The combined summary is written once every seed has finished: a run that has it is done.
    if (isRunFinished(dir)) {
      const runs = dirs.map((d) => ({ dir: d, interrupted: false, summary: readSummary(d) as RunSummary }));
      return { dir, algo: record.algo, env: record.env, seeds, runs, interrupted: false, summary: readSummary(dir)! };
    }
    // Seeds that finished before an interruption are read back, not started again in a worker.
    const runs: RunResult[] = dirs.map((d) => ({ dir: d, interrupted: false, ...(isRunFinished(d) ? { summary: readSummary(d) as RunSummary } : {}) }));
    const pending = dirs.flatMap((d, i) => (isRunFinished(d) ? [] : [i]));
    const totals = dirs.map(plannedEpochs);
    const done = dirs.map((d, i) => (isRunFinished(d) ? totals[i]! : 0));
    const results = await runPool(
      pending.map((i) => dirs[i]!),
      {
        ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
        preload: options.preload ?? [],
        stop,
        onEpoch: (task, report) => {
          done[pending[task]!] = report.epoch;
          options.onEpoch?.(report, { done: sum(done), total: Math.max(sum(totals), sum(done)) });
        },
      },
    );
    results.forEach((result, task) => (runs[pending[task]!] = result));
    const base = { dir, algo: record.algo, env: record.env, seeds, runs };
    if (runs.some((r) => r.interrupted)) return { ...base, interrupted: true };
    const summary = combineSummaries(
      runs.map((r) => r.summary!),
      (performance.now() - start) / 1000,
    );
    writeSummary(dir, summary);
    writePlot(join(dir, 'reward.svg'), rewardPlotSvg(`${record.algo} on ${record.env}: mean ± std over ${seeds.length} seeds`, [meanCurve(record.algo, dirs)]));
    return { ...base, interrupted: false, summary };
  } finally {
    untrap();
  }
}

/** The exit code of a process stopped by `signal`: 128 + its number (SIGINT 130, SIGTERM 143). */
export function signalExitCode(signal: NodeJS.Signals | undefined): number {
  return 128 + (signal ? (os.constants.signals[signal] ?? 2) : 2);
}

/**
 * While installed, SIGINT and SIGTERM request `stop` (runs checkpoint and stop) instead of killing
 * the process; a second one exits at once with 128 + its number (checkpoints are atomic, so the
 * last complete one stays usable).
 */
export function trapStopSignals(stop: StopSignal): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.stopped) {
      process.stderr.write(`second ${signal}: exiting without waiting for the checkpoint\n`);
      process.exit(signalExitCode(signal));
    }
    stop.request(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

/** What `dir` holds: a one-seed run (its own config.json) and/or the seeds of seed-<n>/ runs. */
export function runDirsIn(dir: string): { single: boolean; seeds: number[] } {
  if (!existsSync(dir)) return { single: false, seeds: [] };
  const single = hasRunRecord(dir);
  const seeds = single
    ? []
    : readdirSync(dir)
        .map((name) => /^seed-(\d+)$/.exec(name)?.[1])
        .filter((s): s is string => s !== undefined && hasRunRecord(join(dir, `seed-${s}`)))
        .map(Number)
        .sort((a, b) => a - b);
  return { single, seeds };
}

/** Checks a seed list: non-empty, distinct integers in [0, 2³²) (the CLI's seeds). `key` names it in the error. */
export function checkSeeds(seeds: readonly number[], key = '--seeds'): number[] {
  if (!Array.isArray(seeds) || seeds.length === 0 || seeds.some((s) => !Number.isInteger(s) || s < 0 || s > 2 ** 32 - 1) || new Set(seeds).size !== seeds.length) {
    throw new ConfigError(key, seeds, 'distinct integers in [0, 2^32), e.g. [1, 2, 3]');
  }
  return [...seeds];
}

/** The epochs the run in `dir` trains in all (its algorithm must be registered). */
export function plannedEpochs(dir: string): number {
  const record = readRunRecord(dir);
  return algorithms.lookup(record.algo).algorithm.epochs(record.config);
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
