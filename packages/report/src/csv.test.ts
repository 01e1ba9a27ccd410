import { describe, expect, it } from 'vitest';
import { csvHeader, csvRow, parseCsv, parseCsvTable, splitCsvRecords, type TableRow } from './csv.js';
import { randomDouble, seededRandom } from './test-support/prng.js';

const sameValue = (a: unknown, b: unknown): boolean => Object.is(a, b);

describe('CSV', () => {
  it('round-trips arbitrary float64 values bit for bit, including NaN, ±Infinity and -0', () => {
    const random = seededRandom(7);
    const columns = ['epoch', 'value', 'other'];
    const rows: TableRow[] = Array.from({ length: 2000 }, (_, index) => ({ epoch: index + 1, value: randomDouble(random), other: (random() - 0.5) * 10 ** Math.floor(random() * 40 - 20) }));
    rows.push({ epoch: 0, value: Number.NaN, other: Number.POSITIVE_INFINITY }, { epoch: -0, value: Number.NEGATIVE_INFINITY, other: 5e-324 });
    const text = csvHeader(columns) + rows.map((row) => csvRow(columns, row)).join('');
    const parsed = parseCsv(text);
    expect(parsed).toHaveLength(rows.length);
    parsed.forEach((row, index) => {
      for (const column of columns) expect(sameValue(row[column], rows[index]?.[column]), `${column} of row ${index}`).toBe(true);
    });
    expect(text).toContain('NaN,Infinity');
    expect(text).toContain('-Infinity');
  });

  it('quotes strings with commas, quotes and newlines (RFC 4180) and reads them back', () => {
    const columns = ['name', 'note', 'n'];
    const row = { name: 'a,b', note: 'say "hi"\nthen\r\nleave', n: 3 };
    const line = csvRow(columns, row);
    expect(line).toBe('"a,b","say ""hi""\nthen\r\nleave",3\n');
    expect(parseCsv(csvHeader(columns) + line)).toEqual([row]);
  });

  it('keeps numeric-looking and empty strings as strings', () => {
    const columns = ['a', 'b', 'c', 'd'];
    const row = { a: '1.5', b: 'NaN', c: '', d: '-Infinity' };
    const parsed = parseCsv(csvHeader(columns) + csvRow(columns, row));
    expect(parsed).toEqual([row]);
  });

  it('parses CRLF files and unquoted values', () => {
    const { columns, rows } = parseCsvTable('epoch,reward,label\r\n1,-2.5e-3,x\r\n2,1e21,y z\r\n');
    expect(columns).toEqual(['epoch', 'reward', 'label']);
    expect(rows).toEqual([
      { epoch: 1, reward: -0.0025, label: 'x' },
      { epoch: 2, reward: 1e21, label: 'y z' },
    ]);
  });

  it('throws on a missing column, a ragged row and a truncated quoted field', () => {
    expect(() => csvRow(['a', 'b'], { a: 1 })).toThrow(/no value for column 'b'/);
    expect(() => parseCsv('a,b\n1,2,3\n')).toThrow(/record 2 has 3 fields, the header has 2/);
    expect(() => parseCsv('a,b\n1,"unfinished\n')).toThrow(/quoted field/);
  });

  it('reports an unterminated last record separately, so a writer can drop it', () => {
    const text = 'a,b\n1,2\n3,';
    const { records, incompleteTail } = splitCsvRecords(text);
    expect(records.map((record) => record.end)).toEqual([4, 8]);
    expect(incompleteTail?.start).toBe(8);
    expect(splitCsvRecords('a,b\n1,2\n').incompleteTail).toBeUndefined();
  });
});
