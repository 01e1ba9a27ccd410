// The worker loop: takes run jobs from the queue and runs each in a child process (the command a
// user would type to resume it), so tfjs's blocking compute never stalls BullMQ's lock renewal, and
// maps the child's exit code to what happens to the job.
import { spawn, type ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { DelayedError, WaitingError, Worker, type Job } from 'bullmq';
import { isRunFinished } from '@pathwise/report/node';
import { EXIT_LOCKED, finishedRuns, GRID_JSON, readGrid, writeSweepTables } from '@pathwise/runtime';
import { describeBuild, sameBuild, type BuildInfo } from './build.js';
import { connectRedis, displayUrl } from './connection.js';
import { QUEUE_NAME, type RunJobData, type RunJobProgress, type RunJobResult } from './jobs.js';
import { checkpointEpoch } from './sweep-queue.js';

/**
 * What a child's exit means for its job: `done` (exit 0: summary.json is written), `locked`
 * (another worker holds the run: try later, never count it as done), `interrupted` (SIGINT/SIGTERM:
 * it checkpointed; run it again), `failed` (a real error: the attempt fails).
 */
export type ChildOutcome = 'done' | 'locked' | 'interrupted' | 'failed';

export function childOutcome(code: number | null, signal: NodeJS.Signals | null): ChildOutcome {
  if (code === 0) return 'done';
  if (code === EXIT_LOCKED) return 'locked';
  if (code === 130 || code === 143 || signal === 'SIGINT' || signal === 'SIGTERM') return 'interrupted';
  return 'failed';
}

/** Messages a run's child process sends its worker over the IPC channel. */
export interface RunChildMessage {
  type: 'epoch';
  epoch: number;
  epochs: number;
}

export interface QueueWorkerOptions {
  /** redis://HOST:PORT[/DB] */
  url: string;
  /** Runs at a time (each in its own child process). */
  concurrency: number;
  /** This worker's build: it refuses jobs enqueued by another. */
  build: BuildInfo;
  /** The command that continues the run in `dir` on `backend` to its end, e.g. `pathwise --backend B train --resume DIR --json`. */
  runCommand: (dir: string, backend: string) => { command: string; args: string[] };
  log: (line: string) => void;
  /**
   * Seconds after which a job whose worker stopped renewing its lock (killed, cut off) is handed to
   * another worker: BullMQ's lock duration, and the interval of its stalled-job checks. Default 30.
   */
  stallTimeoutS?: number;
  /** How long a run locked by another worker waits before it is tried again. Default 30 s. */
  lockedRetryMs?: number;
}

export interface QueueWorker {
  /** host/pid, as job progress and logs name it. */
  name: string;
  /** Stops taking jobs; running children checkpoint (SIGTERM) and their jobs go back to the queue. */
  stop(): Promise<void>;
  /** Resolves once the worker has stopped. */
  closed: Promise<void>;
}

const CONNECTION_ERROR = /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|Connection is closed|connect ETIMEDOUT|Stream isn't writeable/i;

/** Connects (a clear error when Redis is unreachable) and starts taking jobs. */
export async function startQueueWorker(options: QueueWorkerOptions): Promise<QueueWorker> {
  const { log, build } = options;
  const name = `${hostname()}/${process.pid}`;
  const redis = await connectRedis(options.url, (event, detail) => log(event === 'lost' ? `lost Redis (${detail}); reconnecting` : `Redis is back at ${detail}`));
  const children = new Set<ChildProcess>();
  let stopping = false;
  const stallMs = (options.stallTimeoutS ?? 30) * 1000;
  const lockedRetryMs = options.lockedRetryMs ?? 30_000;

  const processJob = async (job: Job<RunJobData, RunJobResult>, token?: string, signal?: AbortSignal): Promise<RunJobResult> => {
    const { data } = job;
    const id = job.id!;
    if (!sameBuild(data.build, build)) {
      const message = `refused ${id}: it was enqueued by ${describeBuild(data.build)} but this worker runs ${describeBuild(build)}; run workers and the enqueuer from the same build`;
      log(message);
      throw new Error(message);
    }
    if (stopping) return putBack(job, token, () => job.moveToWait(token), new WaitingError());
    const from = checkpointEpoch(data.dir);
    log(`took ${id} (attempt ${job.attemptsStarted}): ${data.dir} on ${data.backend}${from > 0 ? `, from its checkpoint at epoch ${from}` : ''}`);
    const report = (epoch: number, epochs: number) => void job.updateProgress({ epoch, epochs, worker: name } satisfies RunJobProgress).catch(() => {});
    report(from, data.epochs);
    const run = await runChild({ ...options.runCommand(data.dir, data.backend), children, signal, onEpoch: (message) => report(message.epoch, message.epochs) });
    const outcome = childOutcome(run.code, run.signal);
    if (outcome === 'done') {
      if (!isRunFinished(data.dir)) throw new Error(`the run exited 0 but ${data.dir} has no summary.json`);
      log(`finished ${id}`);
      writeTablesIfComplete(data.sweep, log);
      return { epochs: run.epochs, worker: name };
    }
    if (outcome === 'locked') {
      log(`${id} is held by another process (${run.lastLine || `exit ${EXIT_LOCKED}`}); trying again in ${Math.round(lockedRetryMs / 1000)} s`);
      return putBack(job, token, () => job.moveToDelayed(Date.now() + lockedRetryMs, token), new DelayedError());
    }
    if (outcome === 'interrupted' && stopping) {
      log(`${id} checkpointed at epoch ${checkpointEpoch(data.dir)}; back in the queue`);
      return putBack(job, token, () => job.moveToWait(token), new WaitingError());
    }
    const how = run.signal ? `killed by ${run.signal}` : `exit ${String(run.code)}`;
    const reason = outcome === 'interrupted' ? `interrupted (${how}); it resumes from its checkpoint` : `${how}: ${run.lastLine || 'no message'}`;
    log(`attempt ${job.attemptsStarted} of ${id} failed: ${reason}`);
    throw new Error(reason);
  };

  const worker = new Worker<RunJobData, RunJobResult>(QUEUE_NAME, processJob, {
    connection: redis,
    name,
    concurrency: options.concurrency,
    lockDuration: stallMs,
    stalledInterval: stallMs,
    // A job whose worker died goes back to the queue up to this many times.
    maxStalledCount: 10,
    autorun: false,
  });
  worker.on('error', (error) => {
    if (!CONNECTION_ERROR.test(error.message)) log(`queue error: ${error.message}`);
  });
  worker.on('stalled', (jobId) => log(`${jobId} stalled (its worker stopped answering): back in the queue`));
  const closed = worker.run().then(
    () => {},
    (error: Error) => log(`worker loop ended: ${error.message}`),
  );
  log(`worker ${name} serving ${displayUrl(options.url)} (queue ${QUEUE_NAME}, ${options.concurrency} at a time, ${describeBuild(build)})`);

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      stopping = true;
      log(children.size > 0 ? `stopping: ${children.size} run(s) checkpoint and go back to the queue` : 'stopping');
      const closing = worker.close();
      for (const child of children) child.kill('SIGTERM');
      await closing;
      await closed;
      await redis.quit().catch(() => redis.disconnect());
      log('stopped');
    })());
  return { name, stop, closed };
}

/** Moves the job (delayed or waiting) without using an attempt; BullMQ expects the matching error thrown. */
async function putBack(job: Job, token: string | undefined, move: () => Promise<unknown>, error: Error): Promise<never> {
  if (!token) throw new Error(`cannot put ${job.id} back: the worker has no token for it`);
  await move();
  throw error;
}

interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last line the child wrote on stderr (its error message). */
  lastLine: string;
  epochs: number;
}

interface ChildRequest {
  command: string;
  args: string[];
  /** The worker's running children (SIGTERM on stop). */
  children: Set<ChildProcess>;
  /** BullMQ's cancellation of the job. */
  signal: AbortSignal | undefined;
  /** Throttled to one call a second, plus the last epoch. */
  onEpoch: (message: RunChildMessage) => void;
}

/**
 * Runs the child with an IPC channel: it reports epochs (throttled to one progress update a second
 * here) and exits on its own when this process dies (the channel closes). Stderr is kept for the
 * failure message.
 */
function runChild({ command, args, children, signal, onEpoch }: ChildRequest): Promise<ChildRun> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    children.add(child);
    let stderr = '';
    let epochs = 0;
    let last = 0;
    let pending: RunChildMessage | undefined;
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr = (stderr + text).slice(-8192)));
    child.on('message', (message: RunChildMessage) => {
      if (message?.type !== 'epoch') return;
      epochs = message.epochs;
      pending = message;
      if (Date.now() - last >= 1000 || message.epoch === message.epochs) {
        last = Date.now();
        onEpoch(message);
        pending = undefined;
      }
    });
    const abort = () => child.kill('SIGTERM');
    signal?.addEventListener('abort', abort);
    let ended = false;
    const end = (code: number | null, exitSignal: NodeJS.Signals | null, error?: string) => {
      if (ended) return;
      ended = true;
      children.delete(child);
      signal?.removeEventListener('abort', abort);
      if (pending) onEpoch(pending);
      const lines = stderr.split('\n').filter((line) => line.trim() !== '');
      resolve({ code, signal: exitSignal, lastLine: error ?? (lines[lines.length - 1] ?? '').trim(), epochs });
    };
    // A child that could not start reports 'error' and may never 'close'.
    child.on('error', (error) => end(null, null, `could not start ${command}: ${error.message}`));
    child.on('close', (code, exitSignal) => end(code, exitSignal));
  });
}

/** The worker that finishes a sweep's last run writes its tables (writing them twice is harmless: the files are replaced atomically). */
function writeTablesIfComplete(sweep: string, log: (line: string) => void): void {
  try {
    const grid = readGrid(join(sweep, GRID_JSON));
    if (finishedRuns(sweep, grid) < grid.envs.length * grid.algos.length * grid.seeds.length) return;
    writeSweepTables(sweep, grid);
    log(`sweep ${sweep} is complete: wrote table.csv, table.md and the plots`);
  } catch (error) {
    log(`could not write the tables of ${sweep}: ${(error as Error).message} (pathwise sweep --status writes them)`);
  }
}
