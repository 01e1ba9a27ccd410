import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
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
