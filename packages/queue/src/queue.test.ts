// The queue against a real redis-server (test-support/redis.ts), with the runtime's toy algorithm for
// the sweep and small scripts standing in for `pathwise train --resume`, one behaviour per seed, to
// pin down what each exit code does to a job. The CLI's end-to-end tests (apps/cli/src/queue.test.ts)
// run the real thing.
import '@pathwise/backend-cpu';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlugins, type SweepGrid } from '@pathwise/runtime';
import { tempDir, writeToyPlugin } from '../../runtime/src/test-support/toy.js';
import { QUEUE_NAME, runJobId, startQueueWorker, SweepQueue, type BuildInfo } from './index.js';
import { TestRedis } from './test-support/redis.js';

const BUILD: BuildInfo = { version: '0.1.0', commit: 'test' };

let redis: TestRedis;
beforeAll(async () => {
  redis = await TestRedis.start();
});
afterAll(async () => {
  await redis?.stop();
});

/** A toy sweep in a fresh directory whose name has a `:`, as job ids must not. */
async function toySweep(seeds: number[]): Promise<{ root: string; out: string; grid: SweepGrid }> {
  const root = tempDir('pathwise-queue-');
  const plugins = await loadPlugins([writeToyPlugin(root, 'toy-queue')]);
  return { root, out: join(root, 'sweep: one'), grid: { algos: ['toy-queue'], envs: ['dejong'], seeds, epochs: 2, backend: 'cpu', plugins } };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Stands in for `pathwise train --resume DIR`, by the run's seed: 1 is locked by another process
 * once (exit 75), then finishes; 2 fails (exit 1); 3 reports two epochs over IPC and finishes.
 */
const FAKE_RUN = `
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
const dir = process.argv[2];
const { seed } = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
const finish = () => { writeFileSync(join(dir, 'summary.json'), '{}'); process.exit(0); };
if (seed === 1) {
  if (existsSync(join(dir, 'was-locked'))) finish();
  writeFileSync(join(dir, 'was-locked'), '');
  process.stderr.write('pathwise: ' + dir + ' is locked by otherhost (pid 42)\\n');
  process.exit(75);
}
if (seed === 2) {
  process.stderr.write('some progress\\npathwise: boom: the config is wrong\\n');
  process.exit(1);
}
process.send({ type: 'epoch', epoch: 1, epochs: 2 });
process.send({ type: 'epoch', epoch: 2, epochs: 2 }, finish);
`;

describe('@pathwise/queue on a real Redis', () => {
  it('enqueues one job per run, with ids without ":"; enqueueing again adds no duplicate', async () => {
    const { out, grid } = await toySweep([1, 2, 3]);
    const url = `${redis.url}/1`;
    const queue = await SweepQueue.connect(url);
    try {
      expect(await queue.enqueue(out, grid, BUILD)).toEqual({ total: 3, finished: 0, queued: 3, alreadyQueued: 0 });
      expect(await queue.enqueue(out, grid, BUILD)).toEqual({ total: 3, finished: 0, queued: 0, alreadyQueued: 3 });
      const status = await queue.status(out, grid);
      expect(status).toMatchObject({ total: 3, waiting: 3, active: 0, completed: 0, failed: 0, missing: 0 });
      expect(status.runs.map((r) => r.id)).toEqual([1, 2, 3].map((seed) => runJobId(out, 'dejong', 'toy-queue', seed)));
      for (const run of status.runs) expect(run.id).not.toContain(':');
      expect(status.runs.map((r) => r.epochs)).toEqual([2, 2, 2]);
    } finally {
      await queue.close();
    }
    const connection = new Redis(url, { maxRetriesPerRequest: null });
    const raw = new Queue(QUEUE_NAME, { connection });
    expect(await raw.getJobCounts('wait', 'delayed', 'active')).toEqual({ wait: 3, delayed: 0, active: 0 });
    await raw.close();
    await connection.quit();
  });

  it('maps exit codes: 0 done, 75 locked (tried again later, no attempt used), 1 failed with the last stderr line; refuses another build', async () => {
    const { root, out, grid } = await toySweep([1, 2, 3]);
    const script = join(root, 'fake-run.mjs');
    writeFileSync(script, FAKE_RUN);
    const url = `${redis.url}/2`;
    const queue = await SweepQueue.connect(url);
    const log: string[] = [];
    const worker = await startQueueWorker({
      url,
      concurrency: 2,
      build: BUILD,
      log: (line) => log.push(line),
      lockedRetryMs: 300,
      runCommand: (dir) => ({ command: process.execPath, args: [script, dir] }),
    });
    try {
      await queue.enqueue(out, grid, BUILD);
      const status = await waitFor('runs 1 and 3 to complete and run 2 to fail once', async () => {
        const s = await queue.status(out, grid);
        return s.runs[0]!.state === 'completed' && s.runs[2]!.state === 'completed' && log.some((l) => l.includes('boom')) ? s : undefined;
      });
      expect(status.runs[2]).toMatchObject({ state: 'completed', epoch: 2, epochs: 2, worker: worker.name });
      const connection = new Redis(url, { maxRetriesPerRequest: null });
      const raw = new Queue(QUEUE_NAME, { connection });
      const [locked, failing, plain] = await Promise.all(status.runs.map((r) => raw.getJob(r.id)));
      // Locked once: put back (delayed), not counted as an attempt, then done.
      expect(log.some((l) => l.includes('is held by another process') && l.includes('is locked by otherhost'))).toBe(true);
      // attemptsMade counts finished attempts: only the one that completed, though it was started twice.
      expect(locked!.attemptsMade).toBe(1);
      expect(locked!.attemptsStarted).toBe(2);
      expect(await locked!.getState()).toBe('completed');
      // A real error: the attempt fails with the child's last stderr line and is retried with backoff.
      await waitFor('the failed attempt to be recorded', async () => ((await raw.getJob(failing!.id!))?.attemptsMade === 1 ? true : undefined));
      const failed = (await raw.getJob(failing!.id!))!;
      expect(failed.failedReason).toBe('exit 1: pathwise: boom: the config is wrong');
      expect(await failed.getState()).toBe('delayed');
      expect((await queue.status(out, grid)).runs[1]).toMatchObject({ state: 'waiting' });
      expect(plain!.progress).toMatchObject({ epoch: 2, epochs: 2, worker: worker.name });
      await raw.close();
      await connection.quit();

      // A sweep enqueued by another build is refused with a message that says so.
      const other = await toySweep([3]);
      await queue.enqueue(other.out, other.grid, { version: '0.0.9', commit: 'abc' });
      const refused = await waitFor('the other build to be refused', async () => log.find((l) => l.startsWith('refused')));
      expect(refused).toContain('enqueued by pathwise 0.0.9 (commit abc) but this worker runs pathwise 0.1.0 (commit test)');
      expect(existsSync(join(other.out, 'runs', 'dejong', 'toy-queue', 'seed-3', 'summary.json'))).toBe(false);
    } finally {
      await worker.stop();
      await queue.close();
    }
  });
});
