// Sweeps on a queue, end to end through the built CLI and a real redis-server (never skipped: a
// missing redis-server fails with what to install): `pathwise worker` processes, one killed with
// kill -9 together with its run mid-run, and a Redis restart mid-sweep.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TestRedis } from '../../../packages/queue/src/test-support/redis.js';

const bin = join(__dirname, '..', 'dist', 'bin.js');
const RUNS = ['ppo', 'rp'].flatMap((algo) => [1, 2, 3].map((seed) => ({ algo, seed })));

let redis: TestRedis;
const started: ChildProcess[] = [];
beforeAll(async () => {
  redis = await TestRedis.start();
});
afterEach(() => {
  // Only after a failure is anything left: the tests stop their own processes.
  for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});
afterAll(async () => {
  await redis?.stop();
});

interface Worker {
  process: ChildProcess;
  log: () => string;
}

function startWorker(url: string, ...flags: string[]): Worker {
  const child = spawn(process.execPath, [bin, 'worker', '--queue', url, ...flags], { stdio: ['ignore', 'ignore', 'pipe'] });
  started.push(child);
  let log = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (log += text));
  return { process: child, log: () => log };
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 150_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const runDir = (out: string, algo: string, seed: number) => join(out, 'runs', 'dejong', algo, `seed-${seed}`);
const metricLines = (dir: string) => (existsSync(join(dir, 'metrics.csv')) ? readFileSync(join(dir, 'metrics.csv'), 'utf8').trim().split('\n') : []);
const checkpointEpoch = (dir: string) => {
  try {
    return (JSON.parse(readFileSync(join(dir, 'checkpoint', 'progress.json'), 'utf8')) as { epoch: number }).epoch;
  } catch {
    return 0;
  }
};

/** Epochs 1..epochs, once each, in order. */
function expectContiguous(dir: string, epochs: number): void {
  const epochColumn = metricLines(dir)
    .slice(1)
    .map((line) => Number(line.split(',')[0]));
  expect(epochColumn, dir).toEqual(Array.from({ length: epochs }, (_, i) => i + 1));
}

/** A grid file: short dejong runs on wasm that checkpoint every 5 epochs (by default). */
function gridFile(root: string, epochs: number, seeds: number[], { algos = ['ppo', 'rp'], checkpointEvery = 5 } = {}): string {
  const file = join(root, 'grid.json');
  writeFileSync(file, JSON.stringify({ algos, envs: ['dejong'], seeds, epochs, backend: 'wasm', overrides: { checkpointEvery } }));
  return file;
}

/** The pid of the one child process of `pid` (a worker's run). */
function childOf(pid: number): number {
  const child = spawnSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).stdout.trim();
  expect(child).toMatch(/^\d+$/);
  return Number(child);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

function status(url: string, out: string): { total: number; waiting: number; active: number; completed: number; failed: number } {
  const result = spawnSync(process.execPath, [bin, 'sweep', '--queue', url, '--status', '--out', out, '--json'], { encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
}

/** No process still runs anything of this test (its temp directory or its Redis port on the command line). */
function expectNoLeftovers(root: string, port: number): void {
  const ps = spawnSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).stdout.split('\n');
  expect(ps.filter((line) => (line.includes(root) || line.includes(`:${port}`)) && !line.includes('redis-server'))).toEqual([]);
}

describe('pathwise sweep --queue with pathwise worker', () => {
  it('3 workers, one killed with kill -9 with its run mid-run: every run finishes exactly once, the killed one from its checkpoint', async () => {
    const epochs = 40;
    const root = mkdtempSync(join(tmpdir(), 'pathwise-queue-e2e-'));
    const out = join(root, 'sweep');
    const url = `${redis.url}/3`;
    const enqueue = spawnSync(process.execPath, [bin, 'sweep', '--grid', gridFile(root, epochs, [1, 2, 3]), '--queue', url, '--out', out, '--detach'], { encoding: 'utf8' });
    expect(enqueue.status, enqueue.stderr).toBe(0);
    expect(enqueue.stderr).toContain('6 runs, 0 already finished, 6 enqueued');
    const again = spawnSync(process.execPath, [bin, 'sweep', '--queue', url, '--out', out, '--detach'], { encoding: 'utf8' });
    expect(again.stderr).toContain('0 enqueued, 6 already in the queue');

    const workers = [1, 2, 3].map(() => startWorker(url, '--stall-timeout', '5'));
    // The victim: a run with a checkpoint (epoch >= 10) that is still well short of its end.
    const victim = await until('a run past its second checkpoint', () => {
      for (const worker of workers) {
        for (const match of worker.log().matchAll(/took \S+ \(attempt 1\): (\S+) on wasm/g)) {
          const dir = match[1]!;
          if (checkpointEpoch(dir) >= 10 && checkpointEpoch(dir) <= epochs - 15 && !existsSync(join(dir, 'summary.json'))) return { worker, dir };
        }
      }
      return undefined;
    });
    process.kill(childOf(victim.worker.process.pid!), 'SIGKILL');
    victim.worker.process.kill('SIGKILL');
    await exited(victim.worker.process);
    const checkpointed = checkpointEpoch(victim.dir);
    // What was written up to the checkpoint, wall_s included: a run started over would rewrite it.
    const before = metricLines(victim.dir).slice(0, checkpointed + 1);
    expect(checkpointed).toBeGreaterThanOrEqual(10);

    const survivors = workers.filter((w) => w !== victim.worker);
    await until('every run to finish', () => (RUNS.every(({ algo, seed }) => existsSync(join(runDir(out, algo, seed), 'summary.json'))) ? true : undefined));
    await until('the tables', () => (existsSync(join(out, 'table.md')) ? true : undefined), 20_000);
    expect(status(url, out)).toMatchObject({ total: 6, completed: 6, waiting: 0, active: 0, failed: 0 });
    for (const { algo, seed } of RUNS) expectContiguous(runDir(out, algo, seed), epochs);
    expect(metricLines(victim.dir).slice(0, checkpointed + 1)).toEqual(before);
    const logs = workers.map((w) => w.log()).join('');
    expect(logs).toMatch(/stalled \(its worker stopped answering\)/);
    for (const { algo, seed } of RUNS) {
      const finished = logs.split('\n').filter((line) => line.endsWith(`/dejong/${algo}/seed-${seed}`) && line.includes(' finished '));
      expect(finished, `${algo} seed ${seed}`).toHaveLength(1);
    }
    expect(readFileSync(join(out, 'table.csv'), 'utf8').trim().split('\n')).toHaveLength(3);
    // --status writes a table that is missing once the sweep is complete.
    rmSync(join(out, 'table.md'));
    status(url, out);
    expect(existsSync(join(out, 'table.md'))).toBe(true);

    for (const worker of survivors) worker.process.kill('SIGTERM');
    expect(await Promise.all(survivors.map((w) => exited(w.process)))).toEqual([0, 0]);
    expectNoLeftovers(root, redis.port);
  });

  it('a Redis restart mid-sweep: workers and the following sweep reconnect, and the sweep completes', async () => {
    const epochs = 30;
    const root = mkdtempSync(join(tmpdir(), 'pathwise-queue-e2e-'));
    const out = join(root, 'sweep');
    const url = `${redis.url}/4`;
    const follower = spawn(process.execPath, [bin, 'sweep', '--grid', gridFile(root, epochs, [1, 2]), '--queue', url, '--out', out, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    started.push(follower);
    let stdout = '';
    let stderr = '';
    follower.stdout!.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    follower.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const workers = [startWorker(url), startWorker(url)];
    const dirs = ['ppo', 'rp'].flatMap((algo) => [1, 2].map((seed) => runDir(out, algo, seed)));
    await until('a first checkpoint', () => (dirs.some((dir) => checkpointEpoch(dir) >= 5) ? true : undefined));
    await redis.stop();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await redis.restart();

    expect(await exited(follower), stderr).toBe(0);
    const rows = JSON.parse(stdout) as Array<{ algo: string; seeds: number }>;
    expect(rows.map((r) => [r.algo, r.seeds])).toEqual([
      ['ppo', 2],
      ['rp', 2],
    ]);
    for (const dir of dirs) expectContiguous(dir, epochs);
    const logs = workers.map((w) => w.log()).join('');
    expect(logs).toContain('lost Redis');
    expect(logs).toContain('Redis is back');
    for (const worker of workers) worker.process.kill('SIGTERM');
    expect(await Promise.all(workers.map((w) => exited(w.process)))).toEqual([0, 0]);
    expectNoLeftovers(root, redis.port);
  });

  it('a worker killed with kill -9 leaves no orphan: its run checkpoints where it is and exits', async () => {
    const root = mkdtempSync(join(tmpdir(), 'pathwise-queue-e2e-'));
    const out = join(root, 'sweep');
    const url = `${redis.url}/5`;
    // No periodic checkpoint before epoch 1000: the only one is the run's own on stopping.
    const grid = gridFile(root, 500, [1], { algos: ['rp'], checkpointEvery: 1000 });
    expect(spawnSync(process.execPath, [bin, 'sweep', '--grid', grid, '--queue', url, '--out', out, '--detach']).status).toBe(0);
    const worker = startWorker(url);
    const dir = runDir(out, 'rp', 1);
    await until('a few epochs', () => (metricLines(dir).length > 5 ? true : undefined));
    const child = childOf(worker.process.pid!);
    worker.process.kill('SIGKILL');
    await until('the orphaned run to stop', () => (alive(child) ? undefined : true), 30_000);
    const rows = metricLines(dir).length - 1;
    expect(rows).toBeLessThan(500);
    expect(checkpointEpoch(dir)).toBe(rows);
    expectNoLeftovers(root, redis.port);
  });
});
