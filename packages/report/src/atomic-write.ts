import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { stringifyWithNonFinite } from './jsonl.js';

let tempCounter = 0;

/**
 * Replaces `path` so that a crash or kill at any moment leaves either the old or the new file,
 * never a partial one: write a temp file in the same directory (rename is only atomic within
 * one file system), fsync it, rename it over the target, then fsync the directory so the
 * rename itself survives a power cut (best effort: not every platform can fsync a directory).
 * Synchronous on purpose: callers write small files at epoch boundaries, and a sync write
 * cannot interleave with another write to the same path from the same process.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const directory = dirname(path);
  const tempPath = join(directory, `.${basename(path)}.tmp-${process.pid}-${tempCounter++}`);
  try {
    writeFileDurably(tempPath, data);
    renameSync(tempPath, path);
  } catch (error) {
    removeQuietly(tempPath);
    throw error;
  }
  fsyncDirectory(directory);
}

/** `writeFileAtomic` of pretty-printed JSON; NaN/±Infinity are written as strings (see jsonl.ts). */
export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, `${stringifyWithNonFinite(value, 2)}\n`);
}

/** Writes (creating or truncating) a file and fsyncs it before returning. */
export function writeFileDurably(path: string, data: string | Uint8Array): void {
  injectFault('write', path);
  const descriptor = openSync(path, 'w');
  try {
    writeAll(descriptor, data);
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
}

/** `writeSync` may write less than asked; loop until every byte is out. */
export function writeAll(descriptor: number, data: string | Uint8Array): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let offset = 0;
  while (offset < bytes.byteLength) offset += writeSync(descriptor, bytes, offset, bytes.byteLength - offset);
}

/** Makes a directory's entries (renames, creations) durable. Silently skipped where unsupported (Windows). */
export function fsyncDirectory(directory: string): void {
  let descriptor: number | undefined;
  try {
    descriptor = openSync(directory, 'r');
    fsyncSync(descriptor);
  } catch {
    // Best effort by design: the rename has happened; only power-loss durability is at stake.
  } finally {
    if (descriptor !== undefined) closeSync(descriptor);
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Nothing to clean up, or it cannot be removed; the original error matters more.
  }
}

/**
 * `mkdir -p` with a bound: Node 20's `mkdirSync(path, { recursive: true })` spins forever on paths
 * under special file systems (e.g. /proc/x/y, where mkdir fails with ENOENT), ignoring signals.
 * This walks up to the first existing ancestor (at most one step per path component), then
 * creates each missing directory once; any failure is thrown with its path.
 */
export function ensureDirectory(path: string): void {
  const missing: string[] = [];
  let current = resolve(path);
  for (;;) {
    try {
      if (!statSync(current).isDirectory()) throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${current}'`), { code: 'ENOTDIR', syscall: 'mkdir', path: current });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      missing.push(current);
      const parent = dirname(current);
      if (parent === current) break;
      current = parent;
    }
  }
  for (const directory of missing.reverse()) {
    try {
      mkdirSync(directory);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/**
 * Fault injection for tests of what a full disk does to a run (the hostile-input suite):
 * PATHWISE_INJECT_FAULT=<CODE>:<substring>[:<skip>] makes the (skip+1)-th and later durable
 * writes to a path containing <substring> throw an error with that code (e.g.
 * `ENOSPC:checkpoint.tmp-:2` fails the third checkpoint file written). Unset, it costs one lookup.
 */
let faultWrites = 0;
export function injectFault(syscall: string, path: string): void {
  const spec = process.env.PATHWISE_INJECT_FAULT;
  if (!spec) return;
  const [code = 'EIO', match = '', skip = '0'] = spec.split(':');
  if (!path.includes(match) || faultWrites++ < Number(skip)) return;
  throw Object.assign(new Error(`${code}: injected fault (PATHWISE_INJECT_FAULT), ${syscall} '${path}'`), { code, syscall, path });
}
