import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDirectory, fsyncDirectory, writeFileDurably } from './atomic-write.js';

/** The files of one checkpoint, by name. Strings are stored as UTF-8 and read back as strings. */
export type CheckpointFiles = Record<string, string | Uint8Array>;

export const CHECKPOINT_DIR = 'checkpoint';
export const CHECKPOINT_OLD_DIR = 'checkpoint.old';
export const CHECKPOINT_MANIFEST = 'manifest.json';
const TEMP_PREFIX = 'checkpoint.tmp-';
const MANIFEST_FORMAT = 'pathwise-checkpoint';
const FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/** manifest.json: written last, so its presence with `complete: true` means every listed file is whole. */
export interface CheckpointManifest {
  format: typeof MANIFEST_FORMAT;
  version: 1;
  complete: true;
  files: Array<{ name: string; kind: 'text' | 'binary'; bytes: number; sha256: string }>;
}

/** A checkpoint exists but cannot be trusted (missing files, size or hash mismatch, bad manifest). */
export class CorruptCheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorruptCheckpointError';
  }
}

let tempCounter = 0;

/**
 * Writes a complete checkpoint so that a kill at any moment leaves a whole one behind (the new
 * one, or else the previous one): all files plus manifest.json go into
 * `checkpoint.tmp-<pid>-<n>/` and are fsynced; then `checkpoint/` is renamed to
 * `checkpoint.old/`, the temp dir renamed to `checkpoint/`, and the old one removed.
 * File names must be flat (letters, digits, `._-`); `manifest.json` is reserved.
 * One writer per run directory; do not read while another process writes.
 */
export function writeCheckpoint(runDir: string, files: Readonly<CheckpointFiles>): void {
  const names = Object.keys(files);
  for (const name of names) assertFileName(name);
  ensureDirectory(runDir);
  removeAbandonedTempDirs(runDir);

  const tempDir = join(runDir, `${TEMP_PREFIX}${process.pid}-${tempCounter++}`);
  rmSync(tempDir, { recursive: true, force: true });
  mkdirSync(tempDir);
  const manifest: CheckpointManifest = { format: MANIFEST_FORMAT, version: 1, complete: true, files: [] };
  for (const name of names) {
    const content = files[name] as string | Uint8Array;
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    writeFileDurably(join(tempDir, name), bytes);
    manifest.files.push({ name, kind: typeof content === 'string' ? 'text' : 'binary', bytes: bytes.byteLength, sha256: sha256(bytes) });
  }
  writeFileDurably(join(tempDir, CHECKPOINT_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  fsyncDirectory(tempDir);

  settleInterruptedSwap(runDir);
  const current = join(runDir, CHECKPOINT_DIR);
  const old = join(runDir, CHECKPOINT_OLD_DIR);
  if (existsSync(current)) {
    renameSync(current, old);
    fsyncDirectory(runDir);
  }
  renameSync(tempDir, current);
  fsyncDirectory(runDir);
  rmSync(old, { recursive: true, force: true });
}

/**
 * The files of the latest complete checkpoint, or `undefined` when the run has none. Each file
 * comes back as it was written: a string if it was given as a string, else a Uint8Array (the
 * manifest records which). Recovers from a crash mid-swap (no `checkpoint/`, but a
 * `checkpoint.old/`) by reading the old one; ignores temp dirs. Does not modify the directory.
 * Throws CorruptCheckpointError when a checkpoint exists but none validates, rather than
 * pretending there is none (which would silently restart training).
 */
export function readCheckpoint(runDir: string): CheckpointFiles | undefined {
  const problems: string[] = [];
  for (const candidate of [CHECKPOINT_DIR, CHECKPOINT_OLD_DIR]) {
    const directory = join(runDir, candidate);
    if (!existsSync(directory)) continue;
    try {
      return readValidated(directory);
    } catch (error) {
      if (!(error instanceof CorruptCheckpointError)) throw error;
      problems.push(error.message);
    }
  }
  if (problems.length === 0) return undefined;
  throw new CorruptCheckpointError(`No valid checkpoint in ${runDir}: ${problems.join(' ')}`);
}

function readValidated(directory: string): CheckpointFiles {
  const manifestPath = join(directory, CHECKPOINT_MANIFEST);
  if (!existsSync(manifestPath)) throw new CorruptCheckpointError(`${directory} has no ${CHECKPOINT_MANIFEST}.`);
  const manifest = parseManifest(readFileSync(manifestPath, 'utf8'), directory);
  const files: CheckpointFiles = {};
  for (const entry of manifest.files) {
    const path = join(directory, entry.name);
    if (!existsSync(path)) throw new CorruptCheckpointError(`${directory} lacks '${entry.name}', listed in its manifest.`);
    const bytes = readFileSync(path);
    if (bytes.byteLength !== entry.bytes || sha256(bytes) !== entry.sha256) {
      throw new CorruptCheckpointError(`${path} does not match its manifest (${bytes.byteLength} bytes, expected ${entry.bytes}, or a different hash).`);
    }
    files[entry.name] = entry.kind === 'text' ? bytes.toString('utf8') : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  return files;
}

function parseManifest(text: string, directory: string): CheckpointManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CorruptCheckpointError(`${directory}/${CHECKPOINT_MANIFEST} is not valid JSON.`);
  }
  const manifest = value as Partial<CheckpointManifest> | null;
  const entriesValid =
    Array.isArray(manifest?.files) &&
    manifest.files.every(
      (entry) =>
        typeof entry?.name === 'string' && FILE_NAME.test(entry.name) && (entry.kind === 'text' || entry.kind === 'binary') && Number.isInteger(entry.bytes) && typeof entry.sha256 === 'string',
    );
  if (manifest?.format !== MANIFEST_FORMAT || manifest.version !== 1 || manifest.complete !== true || !entriesValid) {
    throw new CorruptCheckpointError(`${directory}/${CHECKPOINT_MANIFEST} is not a complete version-1 checkpoint manifest.`);
  }
  return manifest as CheckpointManifest;
}

/** Finishes a swap that a crash interrupted, so that afterwards only `checkpoint/` may exist. */
function settleInterruptedSwap(runDir: string): void {
  const current = join(runDir, CHECKPOINT_DIR);
  const old = join(runDir, CHECKPOINT_OLD_DIR);
  if (!existsSync(old)) return;
  if (existsSync(current)) {
    rmSync(old, { recursive: true, force: true });
  } else {
    renameSync(old, current);
    fsyncDirectory(runDir);
  }
}

/** Removes temp dirs left by writers that died (or by this process), never a live writer's. */
function removeAbandonedTempDirs(runDir: string): void {
  for (const entry of readdirSync(runDir)) {
    if (!entry.startsWith(TEMP_PREFIX)) continue;
    const pid = Number(entry.slice(TEMP_PREFIX.length).split('-')[0]);
    if (!Number.isInteger(pid) || pid === process.pid || !isProcessAlive(pid)) {
      rmSync(join(runDir, entry), { recursive: true, force: true });
    }
  }
}

/** Whether a process with this PID exists on this host (one of another user's counts). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function assertFileName(name: string): void {
  if (!FILE_NAME.test(name) || name === CHECKPOINT_MANIFEST) {
    throw new Error(`Checkpoint file name '${name}' is not allowed: use a flat name of letters, digits, '.', '_' or '-' (not starting with '.' or '-'), other than '${CHECKPOINT_MANIFEST}'.`);
  }
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
