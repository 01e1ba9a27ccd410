import { afterEach, describe, expect, it, vi } from 'vitest';
import { Progress } from './context.js';

describe('Progress (plain mode, stderr not a TTY)', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('estimates the time left from the work done in this process, not from work a resumed run had already done', () => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
    const lines: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const progress = new Progress(100, 'job', false);
    progress.tick(50); // resumed: half the work was done by an earlier process
    vi.setSystemTime(30_000);
    progress.tick(60); // 10 units in 30 s → 40 units left take 120 s
    expect(lines.at(-1)).toBe('job: 60/100 30s eta 120s \n');
    vi.setSystemTime(60_000);
    progress.tick(60); // no progress since the last line: rate falls, eta grows
    expect(lines.at(-1)).toBe('job: 60/100 60s eta 240s \n');
  });
});
