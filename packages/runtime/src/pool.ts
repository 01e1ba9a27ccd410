import { existsSync } from 'node:fs';
import os from 'node:os';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { PathwiseError } from '@pathwise/core';
import type { EpochReport, RunResult } from './run.js';

/** What a pool worker is started with. */
export interface WorkerData {
  dir: string;
  /** Modules (URLs or specifiers resolvable from this package) imported before the run. */
  preload: string[];
}

export type WorkerMessage = { type: 'epoch'; report: EpochReport } | { type: 'done'; result: RunResult } | { type: 'error'; message: string };

export interface PoolOptions {
  /** Runs at a time (default: one per core). */
  concurrency?: number;
  /**
   * Modules every worker imports before its run: what registers backends and built-in algorithms in
   * the main thread (a program's own imports are not inherited by worker threads). Plugins need not
   * be listed: each run's config.json names them.
   */
  preload?: string[];
  onEpoch?: (task: number, report: EpochReport) => void;
  onDone?: (task: number, result: RunResult) => void;
  /** Set to stop: every running worker checkpoints and stops, no new run starts. */
  stop?: StopSignal;
}

/** A stop request shared by the runs of one command (SIGINT/SIGTERM set it). */
export class StopSignal {
  private requested = false;
  private by: NodeJS.Signals | undefined;
  private readonly listeners = new Set<() => void>();

  get stopped(): boolean {
    return this.requested;
  }

  /** The signal that asked for the stop, when one did (the exit code follows it: 130, 143). */
  get signal(): NodeJS.Signals | undefined {
    return this.by;
  }

  request(signal?: NodeJS.Signals): void {
    if (this.requested) return;
    this.requested = true;
    this.by = signal;
    for (const listener of this.listeners) listener();
  }

  /** Calls `listener` on a request (at once when one was made); returns the unsubscribe. */
  subscribe(listener: () => void): () => void {
    if (this.requested) listener();
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** Default pool size: one worker per core (tfjs cpu and wasm kernels are single-threaded here). */
export function defaultConcurrency(): number {
  return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
}

/** dist/worker.js beside this module (dist/worker.cjs in the CJS build; from src/, as in tests, the built one). */
function workerFile(): URL {
  const here = import.meta.url;
  const ext = extname(fileURLToPath(here));
  if (ext !== '.ts') return new URL(`./worker${ext}`, here);
  const built = new URL('../dist/worker.js', here);
  if (!existsSync(built)) throw new PathwiseError(`The run pool starts ${fileURLToPath(built)}: build @pathwise/runtime first (pnpm turbo run build --filter=@pathwise/runtime).`);
  return built;
}

/**
 * Runs the run directories `dirs` (each with its config.json) in worker threads, `concurrency` at
 * a time. Results come back in order; a run that was stopped reports `interrupted`. Failed runs
 * make the promise reject with every failure, once the others have finished or checkpointed.
 */
export async function runPool(dirs: readonly string[], options: PoolOptions = {}): Promise<RunResult[]> {
  const results: RunResult[] = new Array(dirs.length);
  const concurrency = Math.max(1, options.concurrency ?? defaultConcurrency());
  const stop = options.stop ?? new StopSignal();
  const errors: string[] = [];
  const file = dirs.length > 0 ? workerFile() : undefined;
  let next = 0;
  const runOne = (index: number) =>
    new Promise<void>((resolve) => {
      const data: WorkerData = { dir: dirs[index]!, preload: options.preload ?? [] };
      const worker = new Worker(file!, { workerData: data });
      const unsubscribe = stop.subscribe(() => worker.postMessage('stop'));
      let reported = false;
      worker.on('message', (message: WorkerMessage) => {
        if (message.type === 'epoch') options.onEpoch?.(index, message.report);
        else if (message.type === 'done') {
          reported = true;
          results[index] = message.result;
          options.onDone?.(index, message.result);
        } else {
          reported = true;
          errors.push(`${dirs[index]}: ${message.message}`);
        }
      });
      worker.on('error', (error) => {
        reported = true;
        errors.push(`${dirs[index]}: ${error.message}`);
      });
      worker.on('exit', (code) => {
        unsubscribe();
        if (!reported) errors.push(`${dirs[index]}: the worker exited (code ${code}) without a result`);
        resolve();
      });
    });
  const lanes = Array.from({ length: Math.min(concurrency, dirs.length) }, async () => {
    while (!stop.stopped && next < dirs.length) await runOne(next++);
  });
  await Promise.all(lanes);
  if (errors.length > 0) throw new PathwiseError(`${errors.length} run(s) failed:\n${errors.join('\n')}`);
  // Runs never started because of a stop count as interrupted.
  for (let i = 0; i < dirs.length; i++) results[i] ??= { dir: dirs[i]!, interrupted: true };
  return results;
}
