import { describe, expect, it } from 'vitest';
import { formatMeanStd, markdownTable } from './markdown-table.js';

describe('markdownTable', () => {
  it('lays out a padded GFM table, right-aligning numeric columns', () => {
    const table = markdownTable(
      ['env', 'algo', 'best'],
      [
        ['dejong', 'gippo', 12.5],
        ['ackley', 'ppo', -3],
      ],
    );
    const lines = table.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe('| env    | algo  | best |');
    expect(lines[1]).toBe('| ------ | ----- | ---: |');
    expect(lines[2]).toBe('| dejong | gippo | 12.5 |');
    expect(lines[3]).toBe('| ackley | ppo   |   -3 |');
  });

  it('escapes pipes and line breaks so cells cannot split the table', () => {
    const table = markdownTable(['a'], [['x|y\nz']]);
    expect(table).toContain('x\\|y z');
    expect(table.trimEnd().split('\n')).toHaveLength(3);
  });

  it('rejects ragged rows', () => {
    expect(() => markdownTable(['a', 'b'], [['only one']])).toThrow(/row 1 has 1 cells, the headers have 2/);
  });

  it('formats mean ± std to significant digits', () => {
    expect(formatMeanStd(12.34567, 0.098765, 3)).toBe('12.3 ± 0.0988');
    expect(formatMeanStd(Number.NaN, 0)).toBe('NaN ± 0');
  });
});
