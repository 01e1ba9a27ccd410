import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT_LOCKED } from '@pathwise/runtime';
import { buildInfo, childOutcome, runJobId, sameBuild } from './index.js';

describe('jobs', () => {
  it('a run job id is stable, names the cell, and never contains ":"', () => {
    const id = runJobId('/shared/sweeps/a', 'dejong', 'ppo', 3);
    expect(id).toBe(runJobId('/shared/sweeps/../sweeps/a', 'dejong', 'ppo', 3));
    expect(id).toMatch(/^[0-9a-f]{16}\/dejong\/ppo\/seed-3$/);
    expect(runJobId('/shared/sweeps/b', 'dejong', 'ppo', 3)).not.toBe(id);
    const odd = runJobId('C:/sweep:1', 'my:env', 'algo/x', 1);
    expect(odd).not.toContain(':');
    expect(odd.split('/').slice(1)).toEqual(['my%3Aenv', 'algo%2Fx', 'seed-1']);
  });

  it("maps a run child's exit to the job's fate", () => {
    expect(childOutcome(0, null)).toBe('done');
    expect(childOutcome(EXIT_LOCKED, null)).toBe('locked');
    expect(EXIT_LOCKED).toBe(75);
    for (const [code, signal] of [
      [130, null],
      [143, null],
      [null, 'SIGTERM'],
      [null, 'SIGINT'],
    ] as const) {
      expect(childOutcome(code, signal)).toBe('interrupted');
    }
    expect(childOutcome(1, null)).toBe('failed');
    expect(childOutcome(null, 'SIGKILL')).toBe('failed');
  });

  it('a build is its version and commit; outside a git checkout the commit is unknown', () => {
    const outside = buildInfo('1.2.3', mkdtempSync(join(tmpdir(), 'pathwise-build-')));
    expect(outside).toEqual({ version: '1.2.3', commit: 'unknown' });
    const here = buildInfo('1.2.3', __dirname);
    expect(here.commit).toMatch(/^[0-9a-f]{40}(\+dirty\.[0-9a-f]{12})?$/);
    expect(sameBuild(here, buildInfo('1.2.3', __dirname))).toBe(true);
    expect(sameBuild(here, { ...here, version: '1.2.4' })).toBe(false);
  });
});
