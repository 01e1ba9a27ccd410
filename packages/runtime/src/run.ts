// One seed's run in its run directory (docs/architecture.md §6): metrics.csv/.jsonl, checkpoint/,
// summary.json and reward.svg, for any registered algorithm. The directory's config.json (written
// by `writeRunRecord`) says what to run, so a fresh run and a resumed one take the same path: a run
// with a checkpoint continues from it exactly as the uninterrupted run would (same backend).
import { join } from 'node:path';
import { algorithms, PathwiseError, Rng, UNIVERSAL_COLUMNS, type AlgorithmRun, type EpochMetrics } from '@pathwise/core';
import { getEnv } from '@pathwise/envs';
import {
  MetricsWriter,
  decodeNonFinite,
  isRunFinished,
  readCheckpoint,
  readMetrics,
  readSummary,
  stringifyWithNonFinite,
  writeCheckpoint,
  writePlot,
  writeSummary,
  type RunSummary,
} from '@pathwise/report/node';
import { acquireRunLock } from './lock.js';
import { loadPlugins } from './plugins.js';
import { codeVersion, describeCode, sameCode } from './code-version.js';
import { activateBackend, readRunRecord, rewriteRunRecord, type RunRecord } from './run-record.js';
import { rewardPlotSvg } from './summaries.js';

/** checkpoint/ holds the algorithm's `state()` and the run's progress. */
export const STATE_FILE = 'state.json';
export const PROGRESS_FILE = 'progress.json';

/** One finished epoch, as progress callbacks see it. */
export interface EpochReport {
  dir: string;
  algo: string;
  seed: number;
  epoch: number;
  /** Epochs the run trains in all. */
  epochs: number;
  reward: number;
  best_reward: number;
}

export interface RunHooks {
  /** After every epoch's row is written. */
  onEpoch?: (report: EpochReport) => void;
  /** Polled after every epoch (and within long epochs): true checkpoints and stops the run (SIGINT/SIGTERM). */
  shouldStop?: () => boolean;
}

export interface RunResult {
  dir: string;
  /** The run's summary.json; absent when it was interrupted. */
  summary?: RunSummary;
  /** Stopped early with a checkpoint to resume from. */
  interrupted: boolean;
}

/** The metrics.csv columns of a run: the universal ones, then the algorithm's. */
export function runColumns(record: Pick<RunRecord, 'algo' | 'config'>): string[] {
  const { algorithm } = algorithms.lookup(record.algo);
  return [...UNIVERSAL_COLUMNS, ...algorithm.columns(record.config)];
}

/**
 * Trains (or continues, or, when finished, just reads) the run in `dir`. Imports the record's
 * plugins, activates its backend (a different one than it was made on is an error), creates the
 * algorithm for its env and seed, restores the checkpoint if there is one, and trains to the end,
 * checkpointing every `checkpointEvery` epochs and when stopped.
 */
export async function runInDir(dir: string, hooks: RunHooks = {}): Promise<RunResult> {
  const lock = acquireRunLock(dir, 'run');
  try {
    return await trainInDir(dir, hooks, () => lock.verify());
  } finally {
    lock.release();
  }
}

/**
 * A resume from a checkpoint under other code than the run's last: recorded in config.json
 * `resumedWith` and said on stderr. Its numbers equal an uninterrupted run's only if the change
 * between the two kept them (docs/reproduction/README.md).
 */
function recordResumeCode(dir: string, record: RunRecord, epoch: number, verify: () => void): void {
  const now = codeVersion();
  const last = record.resumedWith?.at(-1)?.code ?? record.code;
  if (sameCode(last, now)) return;
  verify();
  rewriteRunRecord(dir, { ...record, resumedWith: [...(record.resumedWith ?? []), { epoch, code: now }] });
  process.stderr.write(`note: ${dir} was run up to epoch ${epoch} with ${describeCode(last)} and continues with ${describeCode(now)} (recorded in config.json resumedWith)\n`);
}

/** runInDir's body; `verify` throws when this process no longer holds the run's lock, and runs before every write. */
async function trainInDir(dir: string, hooks: RunHooks, verify: () => void): Promise<RunResult> {
  const record = readRunRecord(dir);
  if (isRunFinished(dir)) return { dir, summary: readSummary(dir) as RunSummary, interrupted: false };
  await loadPlugins(record.plugins);
  const { algorithm } = algorithms.lookup(record.algo);
  const backend = await activateBackend(record.backend);
  if (backend !== record.backend) {
    throw new PathwiseError(`${dir} was made on '${record.backend}' but '${backend}' is active; resume it on the same backend (--backend ${record.backend}) to continue it exactly.`);
  }
  const config = record.config;
  const columns = runColumns(record);
  const total = algorithm.epochs(config);
  const every = algorithm.checkpointEvery?.(config) ?? 1;
  if (!Number.isInteger(total) || total < 0) throw new PathwiseError(`Algorithm '${record.algo}' says its runs train ${total} epochs; expected an integer >= 0.`);
  if (!Number.isInteger(every) || every < 1) throw new PathwiseError(`Algorithm '${record.algo}' checkpoints every ${every} epochs; expected an integer >= 1.`);

  const run: AlgorithmRun = await algorithm.create({ config, rng: new Rng(record.seed), problem: getEnv(record.env), seed: record.seed, backend });
  let writer: MetricsWriter | undefined;
  try {
    const checkpoint = readCheckpoint(dir);
    let epoch = 0;
    let wallBefore = 0;
    if (checkpoint) {
      const state = checkpoint[STATE_FILE];
      const progress = checkpoint[PROGRESS_FILE];
      if (typeof state !== 'string' || typeof progress !== 'string') throw new PathwiseError(`${join(dir, 'checkpoint')} lacks ${STATE_FILE} or ${PROGRESS_FILE}.`);
      try {
        run.load(JSON.parse(state, decodeNonFinite));
        ({ epoch, wall_s: wallBefore } = JSON.parse(progress) as { epoch: number; wall_s: number });
      } catch (error) {
        if (error instanceof PathwiseError) throw error;
        throw new PathwiseError(`The checkpoint in ${join(dir, 'checkpoint')} cannot be restored (${(error as Error).message}).`);
      }
      writer = MetricsWriter.resume(dir, columns, epoch);
      recordResumeCode(dir, record, epoch, verify);
    } else {
      // No checkpoint yet: whatever rows an earlier attempt wrote are recomputed from the start.
      writer = MetricsWriter.create(dir, columns, { overwrite: true });
      // ... by this code, so this code is the run's.
      if (!sameCode(record.code, codeVersion())) {
        verify();
        rewriteRunRecord(dir, { ...record, code: codeVersion() });
      }
    }
    const start = performance.now();
    const wall = () => wallBefore + (performance.now() - start) / 1000;
    let saved = checkpoint ? epoch : -1;
    const save = async () => {
      verify();
      writeCheckpoint(dir, { [STATE_FILE]: stringifyWithNonFinite(await run.state()), [PROGRESS_FILE]: JSON.stringify({ epoch, wall_s: wall() }) });
      saved = epoch;
    };
    let interrupted = false;
    const control = { shouldStop: () => hooks.shouldStop?.() ?? false };
    while (epoch < total) {
      const metrics = await run.epoch(control);
      if (metrics === undefined && control.shouldStop()) {
        // Stopped mid-epoch: the checkpoint carries the partial epoch (AlgorithmRun.epoch).
        interrupted = true;
        saved = -1;
        break;
      }
      if (metrics?.epoch !== epoch + 1) {
        throw new PathwiseError(`Algorithm '${record.algo}' reported epoch ${String(metrics?.epoch)} after epoch ${epoch}; epochs count 1, 2, 3, ...`);
      }
      epoch = metrics.epoch;
      // The row goes out before any checkpoint of its epoch (resume cuts the files back to the checkpoint).
      verify();
      writer.append(metricsRow(record.algo, columns, metrics, wall()));
      hooks.onEpoch?.({ dir, algo: record.algo, seed: record.seed, epoch, epochs: total, reward: metrics.reward, best_reward: metrics.best_reward });
      // Let signal handlers and worker messages run: backends that answer reads at once would
      // otherwise keep this loop in microtasks until the run ends.
      await new Promise((resolve) => setImmediate(resolve));
      if (epoch % every === 0) await save();
      if (epoch < total && hooks.shouldStop?.()) {
        interrupted = true;
        break;
      }
    }
    if (saved !== epoch) await save();
    writer.close();
    if (interrupted) return { dir, interrupted: true };
    verify();
    const summary = finish(dir, record, backend, wall());
    return { dir, summary, interrupted: false };
  } finally {
    writer?.close();
    run.dispose();
  }
}

/** One metrics row: the algorithm's metrics (exactly its declared columns) and wall_s. */
function metricsRow(algo: string, columns: readonly string[], metrics: EpochMetrics, wallS: number): Record<string, number> {
  const expected = columns.filter((c) => c !== 'wall_s');
  const missing = expected.filter((c) => !Object.prototype.hasOwnProperty.call(metrics, c));
  const extra = Object.keys(metrics).filter((k) => !expected.includes(k));
  if (missing.length > 0 || extra.length > 0) {
    const problems = [missing.length > 0 ? `missing ${missing.join(', ')}` : '', extra.length > 0 ? `undeclared ${extra.join(', ')}` : ''].filter(Boolean).join('; ');
    throw new PathwiseError(`Algorithm '${algo}' epoch ${metrics.epoch} metrics do not match its columns (${problems}); columns: ${columns.join(', ')}.`);
  }
  const row: Record<string, number> = {};
  for (const column of columns) row[column] = column === 'wall_s' ? wallS : (metrics[column] as number);
  return row;
}

/** summary.json and reward.svg of a run that trained all its epochs. */
function finish(dir: string, record: RunRecord, backend: string, wallS: number): RunSummary {
  const rows = readMetrics(dir);
  const last = rows[rows.length - 1];
  writePlot(
    join(dir, 'reward.svg'),
    rewardPlotSvg(`${record.algo} on ${record.env} (seed ${record.seed}, ${backend})`, [{ name: record.algo, x: rows.map((r) => Number(r.steps)), y: rows.map((r) => Number(r.reward)) }]),
  );
  const summary: RunSummary = {
    algo: record.algo,
    env: record.env,
    seed: record.seed,
    backend,
    epochs: last ? Number(last.epoch) : 0,
    final_reward: last ? Number(last.reward) : Number.NaN,
    best_reward: last ? Number(last.best_reward) : Number.NaN,
    wall_s: wallS,
  };
  writeSummary(dir, summary);
  return summary;
}
