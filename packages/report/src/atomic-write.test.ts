import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic, writeJsonAtomic } from './atomic-write.js';
import { useTempDirs } from './test-support/temp-dir.js';

const tempDir = useTempDirs('atomic');

describe('writeFileAtomic', () => {
  it('creates and then replaces a file, leaving no temp files', () => {
    const dir = tempDir();
    const path = join(dir, 'config.json');
    writeFileAtomic(path, 'first');
    writeFileAtomic(path, new Uint8Array([104, 105]));
    expect(readFileSync(path, 'utf8')).toBe('hi');
    expect(readdirSync(dir)).toEqual(['config.json']);
  });

  it('leaves the old file and no temp file when the write fails', () => {
    const dir = tempDir();
    const path = join(dir, 'a.txt');
    writeFileSync(path, 'old');
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'inside'), '');
    // Renaming a file over a directory fails only after the temp file was written beside it.
    expect(() => writeFileAtomic(join(dir, 'sub'), 'new')).toThrow();
    expect(() => writeFileAtomic(join(dir, 'missing-dir', 'b.txt'), 'x')).toThrow(/ENOENT/);
    expect(readFileSync(path, 'utf8')).toBe('old');
    expect(readdirSync(dir).sort()).toEqual(['a.txt', 'sub']);
  });

  it('writes JSON with non-finite numbers as strings', () => {
    const path = join(tempDir(), 'summary.json');
    writeJsonAtomic(path, { best_reward: Number.NaN, wall_s: 1.5 });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ best_reward: 'NaN', wall_s: 1.5 });
  });
});
