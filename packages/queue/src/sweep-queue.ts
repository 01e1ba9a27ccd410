// The enqueueing side: a sweep's runs as jobs, and where the sweep stands.
import { resolve } from 'node:path';
import { Queue, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { isRunFinished, readCheckpoint } from '@pathwise/report/node';
import { hasRunRecord, plannedEpochs, prepareSweep, PROGRESS_FILE, readRunRecord, sweepRunDir, type SweepGrid } from '@pathwise/runtime';
import { sameBuild, type BuildInfo } from './build.js';
import { connectRedis } from './connection.js';
import { JOB_OPTIONS, QUEUE_NAME, runJobId, type RunJobData, type RunJobProgress, type RunJobResult } from './jobs.js';

/** A run as `sweep --status` shows it. */
export interface RunState {
  /** The job id. */
  id: string;
  /** The run directory. */
  dir: string;
  /**
   * `completed`: the run has its summary.json. `waiting` includes BullMQ's delayed and paused jobs;
   * `missing`: an unfinished run without a job (enqueue the sweep again).
   */
  state: 'waiting' | 'active' | 'completed' | 'failed' | 'missing';
  /** Epochs done: live from the worker while active, else those of the last checkpoint. */
  epoch: number;
  epochs: number;
  /** The worker (host/pid) running or last running it. */
  worker: string | null;
  /** Why the last attempt failed, if it did. */
  reason?: string;
}

export interface SweepStatus {
  total: number;
  waiting: number;
  active: number;
  completed: number;
  failed: number;
  /** Unfinished runs that have no job. */
  missing: number;
  runs: RunState[];
}

export interface EnqueueResult {
  /** Runs in the grid. */
  total: number;
  /** Runs already finished (no job needed). */
  finished: number;
  /** Jobs added, or failed jobs put back. */
  queued: number;
  /** Unfinished runs that already had a waiting or active job. */
  alreadyQueued: number;
}

const WAITING_STATES = new Set(['waiting', 'wait', 'delayed', 'paused', 'prioritized', 'waiting-children']);

/** A sweep queue on one Redis: enqueue sweeps and read their status. */
export class SweepQueue {
  private constructor(
    private readonly redis: Redis,
    private readonly queue: Queue<RunJobData, RunJobResult>,
  ) {}

  /** Connects (a clear error when Redis is unreachable, within a few seconds). */
  static async connect(url: string): Promise<SweepQueue> {
    const redis = await connectRedis(url);
    const queue = new Queue<RunJobData, RunJobResult>(QUEUE_NAME, { connection: redis });
    queue.on('error', () => {}); // the connection reconnects by itself; commands wait for it
    return new SweepQueue(redis, queue);
  }

  /**
   * Prepares the sweep in `out` (grid.json and every run's config.json, as the embedded sweep does)
   * and adds one job per unfinished run. Enqueueing again adds no duplicate: it puts failed jobs
   * back, and re-adds a job only where its run is unfinished but the job had completed (a run
   * directory deleted by hand).
   */
  async enqueue(out: string, grid: SweepGrid, build: BuildInfo): Promise<EnqueueResult> {
    const sweep = resolve(out);
    const { dirs, runs, finished } = await prepareSweep(sweep, grid);
    let queued = 0;
    for (const dir of dirs) {
      const record = readRunRecord(dir);
      const data: RunJobData = { sweep, dir, env: record.env, algo: record.algo, seed: record.seed, backend: record.backend, epochs: plannedEpochs(dir), build };
      const id = runJobId(sweep, record.env, record.algo, record.seed);
      const job = await this.queue.getJob(id);
      const state = job ? await job.getState() : 'unknown';
      if (job && state === 'failed') {
        await job.updateData(data);
        await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      } else if (job && state === 'completed') {
        await job.remove();
        await this.queue.add('run', data, { ...JOB_OPTIONS, jobId: id });
      } else if (job && state !== 'unknown') {
        // Waiting or active: a job made by another build is brought up to this one.
        if (!sameBuild(job.data.build, build) && state !== 'active') await job.updateData(data);
        continue;
      } else {
        await this.queue.add('run', data, { ...JOB_OPTIONS, jobId: id });
      }
      queued++;
    }
    return { total: runs, finished, queued, alreadyQueued: dirs.length - queued };
  }

  /** Where the sweep in `out` stands (its grid's plugins must be loaded: algorithms say their epochs). */
  async status(out: string, grid: SweepGrid): Promise<SweepStatus> {
    const sweep = resolve(out);
    const runs: RunState[] = [];
    for (const seed of grid.seeds) {
      for (const env of grid.envs) {
        for (const algo of grid.algos) {
          const dir = sweepRunDir(sweep, env, algo, seed);
          const id = runJobId(sweep, env, algo, seed);
          const job = await this.queue.getJob(id);
          runs.push(await runState(id, dir, job));
        }
      }
    }
    const count = (state: RunState['state']) => runs.filter((r) => r.state === state).length;
    return { total: runs.length, waiting: count('waiting'), active: count('active'), completed: count('completed'), failed: count('failed'), missing: count('missing'), runs };
  }

  async close(): Promise<void> {
    await this.queue.close();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

async function runState(id: string, dir: string, job: Job<RunJobData, RunJobResult> | undefined): Promise<RunState> {
  const epochs = hasRunRecord(dir) ? plannedEpochs(dir) : 0;
  const progress = job?.progress as Partial<RunJobProgress> | undefined;
  const worker = (typeof progress === 'object' && progress?.worker) || job?.processedBy || null;
  if (isRunFinished(dir)) return { id, dir, state: 'completed', epoch: epochs, epochs, worker };
  const state = job ? await job.getState() : 'unknown';
  const checkpointed = checkpointEpoch(dir);
  if (state === 'active') return { id, dir, state: 'active', epoch: typeof progress?.epoch === 'number' ? progress.epoch : checkpointed, epochs, worker };
  if (state === 'failed') return { id, dir, state: 'failed', epoch: checkpointed, epochs, worker, reason: job?.failedReason ?? 'unknown' };
  if (WAITING_STATES.has(state)) return { id, dir, state: 'waiting', epoch: checkpointed, epochs, worker };
  return { id, dir, state: 'missing', epoch: checkpointed, epochs, worker };
}

/** Epochs in the run's last checkpoint (where a resume starts). */
export function checkpointEpoch(dir: string): number {
  try {
    const progress = readCheckpoint(dir)?.[PROGRESS_FILE];
    return typeof progress === 'string' ? (JSON.parse(progress) as { epoch: number }).epoch : 0;
  } catch {
    return 0; // a checkpoint being replaced right now: the next status shows it
  }
}
