import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CorruptCheckpointError, isProcessAlive, readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { useTempDirs } from './test-support/temp-dir.js';

const tempDir = useTempDirs('checkpoint');

const filesOf = (epoch: number) => ({
  'state.json': JSON.stringify({ epoch }),
  'params.bin': new Uint8Array([epoch, epoch + 1, epoch + 2]),
});

describe('checkpoints', () => {
  it('round-trips text and binary files with their types, plus a manifest', () => {
    const runDir = tempDir();
    expect(readCheckpoint(runDir)).toBeUndefined();
    writeCheckpoint(runDir, filesOf(1));
    const files = readCheckpoint(runDir);
    expect(files?.['state.json']).toBe('{"epoch":1}');
    expect(files?.['params.bin']).toBeInstanceOf(Uint8Array);
    expect([...(files?.['params.bin'] as Uint8Array)]).toEqual([1, 2, 3]);
    expect(Object.keys(files ?? {}).sort()).toEqual(['params.bin', 'state.json']);
    const manifest = JSON.parse(readFileSync(join(runDir, 'checkpoint', 'manifest.json'), 'utf8'));
    expect(manifest.complete).toBe(true);
    expect(manifest.files.map((file: { name: string }) => file.name).sort()).toEqual(['params.bin', 'state.json']);
  });

  it('replaces the previous checkpoint and leaves only checkpoint/ behind', () => {
    const runDir = tempDir();
    writeCheckpoint(runDir, filesOf(1));
    writeCheckpoint(runDir, { 'state.json': '{"epoch":2}' });
    expect(readCheckpoint(runDir)).toEqual({ 'state.json': '{"epoch":2}' });
    expect(readdirSync(runDir)).toEqual(['checkpoint']);
    expect(readdirSync(join(runDir, 'checkpoint')).sort()).toEqual(['manifest.json', 'state.json']);
  });

  it('recovers from a crash between the renames, ignoring a half-written temp dir', () => {
    const runDir = tempDir();
    writeCheckpoint(runDir, filesOf(1));
    // The state a kill leaves after "checkpoint -> checkpoint.old" but before "tmp -> checkpoint".
    renameSync(join(runDir, 'checkpoint'), join(runDir, 'checkpoint.old'));
    mkdirSync(join(runDir, 'checkpoint.tmp-999999999-0'));
    writeFileSync(join(runDir, 'checkpoint.tmp-999999999-0', 'state.json'), '{"epoch":');
    expect(readCheckpoint(runDir)?.['state.json']).toBe('{"epoch":1}');
    expect(existsSync(join(runDir, 'checkpoint.old'))).toBe(true); // reading changes nothing

    writeCheckpoint(runDir, filesOf(2));
    expect(readCheckpoint(runDir)?.['state.json']).toBe('{"epoch":2}');
    expect(readdirSync(runDir)).toEqual(['checkpoint']); // the dead writer's temp dir is gone too
  });

  it('prefers checkpoint/ when a crash left checkpoint.old/ beside it, and cleans up on the next write', () => {
    const runDir = tempDir();
    writeCheckpoint(runDir, filesOf(1));
    renameSync(join(runDir, 'checkpoint'), join(runDir, 'previous'));
    writeCheckpoint(runDir, filesOf(2));
    // The state a kill leaves after "tmp -> checkpoint" but before the old one is removed.
    renameSync(join(runDir, 'previous'), join(runDir, 'checkpoint.old'));
    expect(readCheckpoint(runDir)?.['state.json']).toBe('{"epoch":2}');
    writeCheckpoint(runDir, filesOf(3));
    expect(readCheckpoint(runDir)?.['state.json']).toBe('{"epoch":3}');
    expect(readdirSync(runDir)).toEqual(['checkpoint']);
  });

  it('refuses a tampered or incomplete checkpoint rather than pretending there is none', () => {
    const runDir = tempDir();
    writeCheckpoint(runDir, filesOf(1));
    writeFileSync(join(runDir, 'checkpoint', 'params.bin'), new Uint8Array([9, 9, 9]));
    expect(() => readCheckpoint(runDir)).toThrow(CorruptCheckpointError);
    expect(() => readCheckpoint(runDir)).toThrow(/does not match its manifest/);

    const otherRun = tempDir();
    mkdirSync(join(otherRun, 'checkpoint'));
    writeFileSync(join(otherRun, 'checkpoint', 'state.json'), '{}');
    expect(() => readCheckpoint(otherRun)).toThrow(/no manifest.json/);
    writeFileSync(join(otherRun, 'checkpoint', 'manifest.json'), JSON.stringify({ format: 'pathwise-checkpoint', version: 1, files: [] }));
    expect(() => readCheckpoint(otherRun)).toThrow(/not a complete version-1 checkpoint manifest/);
  });

  it('falls back to checkpoint.old/ when checkpoint/ does not validate', () => {
    const runDir = tempDir();
    writeCheckpoint(runDir, filesOf(1));
    renameSync(join(runDir, 'checkpoint'), join(runDir, 'checkpoint.old'));
    mkdirSync(join(runDir, 'checkpoint'));
    expect(readCheckpoint(runDir)?.['state.json']).toBe('{"epoch":1}');
  });

  it('rejects file names that are not flat or are reserved', () => {
    const runDir = tempDir();
    for (const name of ['../escape', 'a/b', 'manifest.json', '.hidden', '']) {
      expect(() => writeCheckpoint(runDir, { [name]: 'x' }), name).toThrow(/not allowed/);
    }
  });

  it("keeps a live writer's temp dir", async () => {
    const runDir = tempDir();
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      const liveTemp = join(runDir, `checkpoint.tmp-${sleeper.pid}-0`);
      mkdirSync(liveTemp, { recursive: true });
      writeCheckpoint(runDir, filesOf(1));
      expect(existsSync(liveTemp)).toBe(true);
    } finally {
      sleeper.kill('SIGKILL');
    }
  });
});

describe('isProcessAlive', () => {
  it('is true for this process and pid 1, false for a child that has exited', () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    expect(isProcessAlive(1)).toBe(true);
    const exited = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
    expect(isProcessAlive(exited)).toBe(false);
  });
});
