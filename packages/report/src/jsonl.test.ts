import { describe, expect, it } from 'vitest';
import { jsonlLine, parseJsonl, stringifyWithNonFinite } from './jsonl.js';

describe('JSONL', () => {
  it('writes one line per row and encodes non-finite numbers as strings, not null', () => {
    const line = jsonlLine({ epoch: 3, reward: Number.NaN, best: Number.POSITIVE_INFINITY, low: Number.NEGATIVE_INFINITY, note: 'a\nb' });
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({ epoch: 3, reward: 'NaN', best: 'Infinity', low: '-Infinity', note: 'a\nb' });
    expect(line).not.toContain('null');
  });

  it('reads rows back with the non-finite numbers restored, at any depth', () => {
    const rows = [
      { epoch: 1, reward: Number.NaN, nested: { values: [1, Number.NEGATIVE_INFINITY] } },
      { epoch: 2, reward: 0.1 + 0.2, nested: { values: [] } },
    ];
    const parsed = parseJsonl(`${rows.map(jsonlLine).join('')}\n`);
    expect(parsed).toEqual(rows);
    expect(Number.isNaN(parsed[0]?.reward)).toBe(true);
  });

  it('names the bad line', () => {
    expect(() => parseJsonl('{"a":1}\n{"a":\n')).toThrow(/line 2/);
    expect(() => parseJsonl('[1]\n')).toThrow(/not a JSON object/);
    expect(stringifyWithNonFinite([Number.NaN])).toBe('["NaN"]');
  });
});
