// The run-directory lock: one writer per run directory, across processes and hosts.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireRunLock, LOCK_FILE, LOCK_STALE_MS, LockLostError, readLock, RunLockedError, staleReason, type LockInfo } from './lock.js';
import { clearRunDirectory } from './run-record.js';

const root = mkdtempSync(join(tmpdir(), 'pathwise-lock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(root, `run-${n++}`);

function plant(dir: string, info: Partial<LockInfo>): LockInfo {
  mkdirSync(dir, { recursive: true });
  const now = Date.now();
  const full: LockInfo = { host: os.hostname(), pid: 1, token: 'someone-else', purpose: 'train', acquired: now, heartbeat: now, ...info };
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify(full));
  return full;
}

/** A PID that is certainly dead: a child that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('run-directory lock', () => {
  it('writes host, pid, token and heartbeat; nested holds in one thread share it; the last release removes it', () => {
    const dir = fresh();
    const lock = acquireRunLock(dir, 'train');
    const info = readLock(dir)!;
    expect(info).toMatchObject({ host: os.hostname(), pid: process.pid, token: lock.token, purpose: 'train' });
    expect(Math.abs(info.heartbeat - Date.now())).toBeLessThan(5_000);
    const again = acquireRunLock(dir, 'run');
    expect(again).toBe(lock);
    again.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(true);
    lock.verify();
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    expect(readdirSync(dir)).toEqual([]); // no temp files left
  });

  it('refuses a second writer while the holder is live, naming it (host, pid, purpose)', () => {
    const dir = fresh();
    plant(dir, { pid: 1, purpose: 'resume' }); // pid 1 is alive on every Linux host
    expect(() => acquireRunLock(dir, 'train')).toThrow(RunLockedError);
    expect(() => acquireRunLock(dir, 'train')).toThrow(new RegExp(`in use by another pathwise process \\(resume on host ${os.hostname()}, pid 1,`));
    expect(readLock(dir)!.token).toBe('someone-else'); // untouched
  });

  it('takes over a lock whose PID is dead on this host at once, and one without a heartbeat for 60 s', () => {
    const dead = fresh();
    plant(dead, { pid: deadPid() });
    expect(staleReason(readLock(dead)!)).toMatch(/dead on this host/);
    const a = acquireRunLock(dead, 'train');
    expect(readLock(dead)!.token).toBe(a.token);
    a.release();

    const silent = fresh();
    plant(silent, { pid: 1, heartbeat: Date.now() - LOCK_STALE_MS - 1_000 });
    expect(staleReason(readLock(silent)!)).toMatch(/no heartbeat for 61 s/);
    const b = acquireRunLock(silent, 'train');
    expect(readLock(silent)!.token).toBe(b.token);
    b.release();
  });

  it('trusts a fresh heartbeat from another host (its PID cannot be checked from here)', () => {
    const dir = fresh();
    plant(dir, { host: 'elsewhere.example', pid: deadPid() });
    expect(() => acquireRunLock(dir, 'train')).toThrow(/host elsewhere\.example/);
  });

  it('verify() fails once another process took the lock over, and release() then leaves its lock alone', () => {
    const dir = fresh();
    const lock = acquireRunLock(dir, 'train');
    plant(dir, { token: 'taker', pid: 1 });
    expect(() => lock.verify()).toThrow(LockLostError);
    expect(() => lock.verify()).toThrow(/train on host .* \(pid 1\) took the run over/);
    lock.release();
    expect(readLock(dir)!.token).toBe('taker');
  });

  it('renews its heartbeat from its own thread, even while the main thread is blocked', async () => {
    const dir = fresh();
    const lock = acquireRunLock(dir, 'train', { heartbeatMs: 50 });
    const first = readLock(dir)!.heartbeat;
    const until = Date.now() + 300;
    while (Date.now() < until) {
      // busy: blocking compute, as a tfjs kernel would be
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(readLock(dir)!.heartbeat).toBeGreaterThan(first);
    expect(readLock(dir)!.token).toBe(lock.token);
    lock.release();
  });

  it('a lock in a directory that cannot exist fails with the path, at once (no retry loop)', () => {
    const started = Date.now();
    expect(() => acquireRunLock('/proc/pathwise-nope/run', 'train')).toThrow(/\/proc\/pathwise-nope/);
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    expect(() => acquireRunLock(join(file, 'run'), 'train')).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe('clearRunDirectory (--force)', () => {
  it('empties a run directory, keeping the lock; refuses, deleting nothing, a directory with anything a run does not write', () => {
    const run = fresh();
    mkdirSync(join(run, 'checkpoint'), { recursive: true });
    for (const name of ['config.json', 'metrics.csv', 'metrics.jsonl', 'summary.json', 'reward.svg', 'lock.json']) writeFileSync(join(run, name), '{}');
    clearRunDirectory(run);
    expect(readdirSync(run)).toEqual(['lock.json']);

    const mixed = fresh();
    mkdirSync(join(mixed, 'data'), { recursive: true });
    for (const name of ['config.json', 'metrics.csv', 'notes.txt']) writeFileSync(join(mixed, name), '{}');
    expect(() => clearRunDirectory(mixed)).toThrow(/--force refused: .* is not a pathwise run directory, so nothing was deleted\. It holds data\/, notes\.txt, which a run does not write/);
    expect(readdirSync(mixed).sort()).toEqual(['config.json', 'data', 'metrics.csv', 'notes.txt']);

    const user = fresh();
    mkdirSync(user);
    writeFileSync(join(user, 'thesis.tex'), 'x');
    expect(() => clearRunDirectory(user)).toThrow(/It holds thesis\.tex and no config\.json of a run/);
    expect(readFileSync(join(user, 'thesis.tex'), 'utf8')).toBe('x');

    const seeds = fresh();
    for (const s of [1, 2]) {
      mkdirSync(join(seeds, `seed-${s}`), { recursive: true });
      writeFileSync(join(seeds, `seed-${s}`, 'config.json'), '{}');
    }
    writeFileSync(join(seeds, 'summary.json'), '{}');
    clearRunDirectory(seeds);
    expect(readdirSync(seeds)).toEqual([]);
  });
});
