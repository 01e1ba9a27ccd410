import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { PathwiseError } from '@pathwise/core';
import type { RunOptions, RunResult } from './run.js';

export type RunTask = Omit<RunOptions, 'onEpoch' | 'shouldStop'>;

export interface PoolProgress {
  /** What to tell the user after an interrupt (how to continue). */
  resumeHint?: string;
  /** Called with (task index, epoch, total epochs) as workers report. */
  onEpoch?: (task: number, epoch: number, total: number) => void;
  onDone?: (task: number, result: RunResult) => void;
}

/** Default pool size: one worker per core (tfjs cpu and wasm kernels are single-threaded here). */
export function defaultConcurrency(): number {
  return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
}

/**
 * Runs training tasks in worker threads, `concurrency` at a time. SIGINT/SIGTERM ask every worker to
 * checkpoint and stop; the promise then rejects with an error that says how to resume.
 */
export async function runPool(tasks: RunTask[], concurrency: number, progress: PoolProgress = {}): Promise<RunResult[]> {
  const results: RunResult[] = new Array(tasks.length);
  const workers = new Set<Worker>();
  let stopping = false;
  const onSignal = () => {
    stopping = true;
    for (const w of workers) w.postMessage('stop');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const errors: string[] = [];
  let next = 0;
  const runOne = (index: number) =>
    new Promise<void>((resolve) => {
      const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: tasks[index] });
      workers.add(worker);
      worker.on('message', (message: { type: string; epoch?: number; total?: number; result?: RunResult; message?: string }) => {
        if (message.type === 'epoch') progress.onEpoch?.(index, message.epoch!, message.total!);
        else if (message.type === 'done') {
          results[index] = message.result!;
          progress.onDone?.(index, message.result!);
        } else if (message.type === 'error') errors.push(`${tasks[index]!.out}: ${message.message}`);
      });
      worker.on('error', (error) => errors.push(`${tasks[index]!.out}: ${error.message}`));
      worker.on('exit', () => {
        workers.delete(worker);
        resolve();
      });
    });
  const lanes = Array.from({ length: Math.min(concurrency, tasks.length) }, async () => {
    while (!stopping && next < tasks.length) await runOne(next++);
  });
  try {
    await Promise.all(lanes);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (errors.length > 0) throw new PathwiseError(`${errors.length} run(s) failed:\n${errors.join('\n')}`);
  if (stopping || results.some((r) => r?.interrupted)) {
    throw new PathwiseError(`Interrupted: every run wrote a checkpoint. ${progress.resumeHint ?? 'Run the same command again to continue.'}`);
  }
  return results;
}
