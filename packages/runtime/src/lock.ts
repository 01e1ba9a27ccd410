// The run-directory lock (docs/architecture.md §6.4): one writer per run directory, whichever
// process or machine it runs on (`train`, `--resume`, PIPPS, sweep workers and queue workers all
// take it). DIR/lock.json holds the holder's host, PID, a random token and a heartbeat. A lock is
// stale 60 s after its last heartbeat, or at once when its PID is dead on this host; a stale lock
// is broken and taken over. A holder re-checks its token (`verify`) before every commit, so a
// writer that lost its lock (paused past the timeout, then taken over) never writes again.
import { randomUUID } from 'node:crypto';
import { linkSync, readFileSync, renameSync, statSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { PathwiseError } from '@pathwise/core';
import { ensureDirectory, isProcessAlive, writeFileAtomic } from '@pathwise/report/node';

export const LOCK_FILE = 'lock.json';
/** A lock whose heartbeat is older than this is stale. */
export const LOCK_STALE_MS = 60_000;
/** How often a holder renews its heartbeat (from a thread of its own, so blocking compute cannot delay it). */
export const LOCK_HEARTBEAT_MS = 10_000;
const ACQUIRE_ATTEMPTS = 5;

/** DIR/lock.json. */
export interface LockInfo {
  host: string;
  pid: number;
  token: string;
  /** What holds it (e.g. `train`, `resume`, `sweep`), for the refusal message. */
  purpose: string;
  acquired: number;
  /** Milliseconds since the epoch of the last renewal. */
  heartbeat: number;
}

/** The exit code of a command refused by a run directory's lock (EX_TEMPFAIL: try again later); queue workers read it. */
export const EXIT_LOCKED = 75;

/** The directory is locked by a live holder. The CLI exits with EXIT_LOCKED on it. */
export class RunLockedError extends PathwiseError {
  constructor(
    readonly dir: string,
    readonly holder: LockInfo,
  ) {
    const age = Math.max(0, Math.round((Date.now() - holder.heartbeat) / 1000));
    super(
      `${dir} is in use by another pathwise process (${holder.purpose} on host ${holder.host}, pid ${holder.pid}, since ${new Date(holder.acquired).toISOString()}, heartbeat ${age} s ago). ` +
        `Wait for it to finish or stop it; its lock goes stale ${LOCK_STALE_MS / 1000} s after its last heartbeat, or at once if that process has died on this host.`,
    );
    this.name = 'RunLockedError';
  }
}

/** This process's lock was taken over (its heartbeat stopped for too long): it must stop writing. */
export class LockLostError extends PathwiseError {
  constructor(dir: string, now: LockInfo | undefined) {
    super(
      now
        ? `Lost the lock of ${dir}: ${now.purpose} on host ${now.host} (pid ${now.pid}) took the run over, so this process stops without writing to it again.`
        : `Lost the lock of ${dir}: ${join(dir, LOCK_FILE)} was removed, so this process stops without writing to the run again.`,
    );
    this.name = 'LockLostError';
  }
}

/** Why `holder` no longer holds its lock, or undefined while it is live. */
export function staleReason(holder: LockInfo, now = Date.now()): string | undefined {
  if (now - holder.heartbeat > LOCK_STALE_MS) return `no heartbeat for ${Math.round((now - holder.heartbeat) / 1000)} s`;
  if (holder.host === os.hostname() && !isProcessAlive(holder.pid)) return `pid ${holder.pid} is dead on this host`;
  return undefined;
}

/** The lock file's holder, or undefined when there is none (or it is unreadable). */
export function readLock(dir: string): LockInfo | undefined {
  return readLockFile(join(dir, LOCK_FILE));
}

/** A held lock: `verify` before committing, `release` when done (held locks nest within a thread). */
export class RunLock {
  private count = 1;
  private lost = false;
  private heartbeat: Worker | undefined;

  constructor(
    readonly dir: string,
    readonly info: LockInfo,
    heartbeatMs = LOCK_HEARTBEAT_MS,
  ) {
    this.heartbeat = startHeartbeat(join(dir, LOCK_FILE), info.token, heartbeatMs);
    this.heartbeat.on('message', () => (this.lost = true));
  }

  get token(): string {
    return this.info.token;
  }

  /** Throws LockLostError unless lock.json still carries this lock's token. */
  verify(): void {
    const now = readLockFile(join(this.dir, LOCK_FILE));
    if (this.lost || now?.token !== this.info.token) {
      this.lost = true;
      throw new LockLostError(this.dir, now?.token === this.info.token ? undefined : now);
    }
  }

  /** Releases one hold; the last removes lock.json (if it is still this lock's). */
  release(): void {
    if (--this.count > 0) return;
    held.delete(resolve(this.dir));
    void this.heartbeat?.terminate();
    this.heartbeat = undefined;
    removeIfOurs(join(this.dir, LOCK_FILE), this.info.token);
  }

  /** @internal another hold of the same lock in this thread. */
  hold(): this {
    this.count++;
    return this;
  }
}

// Locks held by this thread, by resolved directory: a nested acquire (train → runInDir) reuses one.
const held = new Map<string, RunLock>();
let exitHookInstalled = false;

/**
 * Takes the lock of `dir` (creating the directory), or throws RunLockedError naming a live holder.
 * A stale lock is broken and taken over. Bounded: a few attempts, never a spin.
 */
export function acquireRunLock(dir: string, purpose: string, options: { heartbeatMs?: number } = {}): RunLock {
  const key = resolve(dir);
  const mine = held.get(key);
  if (mine) return mine.hold();
  ensureDirectory(dir);
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < ACQUIRE_ATTEMPTS; attempt++) {
    const now = Date.now();
    const info: LockInfo = { host: os.hostname(), pid: process.pid, token: randomUUID(), purpose, acquired: now, heartbeat: now };
    if (createExclusive(path, info)) {
      const lock = new RunLock(dir, info, options.heartbeatMs);
      held.set(key, lock);
      installExitHook();
      return lock;
    }
    const holder = readLockFile(path);
    if (holder === undefined) {
      // Vanished (released) or unreadable: an unreadable lock older than the stale limit is broken.
      if (ageOf(path) > LOCK_STALE_MS) breakLock(path, undefined);
      continue;
    }
    if (staleReason(holder, now) === undefined) throw new RunLockedError(dir, holder);
    breakLock(path, holder.token);
  }
  throw new PathwiseError(`Could not take the lock ${path} after ${ACQUIRE_ATTEMPTS} attempts: other processes keep taking it. Try again.`);
}

/** Runs `body` holding the lock of `dir`. */
export async function withRunLock<T>(dir: string, purpose: string, body: (lock: RunLock) => Promise<T>): Promise<T> {
  const lock = acquireRunLock(dir, purpose);
  try {
    return await body(lock);
  } finally {
    lock.release();
  }
}

/** Creates `path` with `info` only if it does not exist: a complete temp file hard-linked into place (atomic, NFS-safe). */
function createExclusive(path: string, info: LockInfo): boolean {
  const temp = `${path}.new-${info.token}`;
  writeFileAtomic(temp, `${JSON.stringify(info)}\n`);
  try {
    linkSync(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkQuietly(temp);
  }
}

/** Moves the stale lock aside (only one breaker wins the rename); puts back a lock someone else took meanwhile. */
function breakLock(path: string, staleToken: string | undefined): void {
  const aside = `${path}.stale-${randomUUID()}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = readLockFile(aside);
  if (moved !== undefined && moved.token !== staleToken) {
    try {
      linkSync(aside, path);
    } catch {
      // Someone locked it again in between; their lock stands.
    }
  }
  unlinkQuietly(aside);
}

function readLockFile(path: string): LockInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
    if (typeof info?.token !== 'string' || typeof info.pid !== 'number' || typeof info.heartbeat !== 'number' || typeof info.host !== 'string') return undefined;
    return info;
  } catch {
    return undefined;
  }
}

function ageOf(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function removeIfOurs(path: string, token: string): void {
  if (readLockFile(path)?.token === token) unlinkQuietly(path);
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/** On exit (normal or process.exit after a signal), locks still held are removed. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const lock of [...held.values()]) removeIfOurs(join(lock.dir, LOCK_FILE), lock.token);
  });
}

// The heartbeat thread: renews lock.json every LOCK_HEARTBEAT_MS while its token is there, and
// reports 'lost' (then stops) when another token replaced it or the file is gone. (A takeover
// landing between its read and its rename is overwritten once; the new holder's verify() then
// fails and it stops, so there is still one writer.)
const HEARTBEAT_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const { path, token, interval } = workerData;
let n = 0;
const timer = setInterval(() => {
  let info;
  try { info = JSON.parse(fs.readFileSync(path, 'utf8')); }
  catch (error) { if (error.code === 'ENOENT') { parentPort.postMessage('lost'); clearInterval(timer); } return; }
  if (info.token !== token) { parentPort.postMessage('lost'); clearInterval(timer); return; }
  info.heartbeat = Date.now();
  const temp = path + '.beat-' + token + '-' + n++;
  try { fs.writeFileSync(temp, JSON.stringify(info) + '\\n'); fs.renameSync(temp, path); }
  catch { try { fs.unlinkSync(temp); } catch {} }
}, interval);
`;

function startHeartbeat(path: string, token: string, interval: number): Worker {
  const worker = new Worker(HEARTBEAT_SOURCE, { eval: true, workerData: { path, token, interval } });
  worker.unref();
  return worker;
}
