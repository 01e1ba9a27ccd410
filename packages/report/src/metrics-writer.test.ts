import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { metricsColumns } from './columns.js';
import { parseCsv } from './csv.js';
import { parseJsonl } from './jsonl.js';
import { MetricsWriter, readMetrics } from './metrics-writer.js';
import { useTempDirs } from './test-support/temp-dir.js';

const tempDir = useTempDirs('metrics');
const columns = metricsColumns(['alpha', 'note']);

/** A deterministic row per epoch, with a quoted string and a NaN to exercise both formats. */
function rowFor(epoch: number, variant = 0): Record<string, number | string> {
  return {
    epoch,
    steps: epoch * 64,
    reward: epoch === 2 ? Number.NaN : -100 / epoch + variant,
    best_reward: -100 / epoch,
    wall_s: epoch * 0.25,
    actor_loss: 0.1 * epoch,
    critic_loss: 1 / 3,
    actor_lr: 1e-3,
    critic_lr: 1e-3,
    alpha: epoch === 3 ? Number.POSITIVE_INFINITY : 0.5,
    note: `epoch ${epoch}, "v${variant}"`,
  };
}

function writeRows(dir: string, epochs: number[], variant = 0): void {
  const writer = MetricsWriter.create(dir, columns);
  for (const epoch of epochs) writer.append(rowFor(epoch, variant));
  writer.close();
}

const csvEpochs = (dir: string): unknown[] => parseCsv(readFileSync(join(dir, 'metrics.csv'), 'utf8')).map((row) => row.epoch);
const jsonlEpochs = (dir: string): unknown[] => parseJsonl(readFileSync(join(dir, 'metrics.jsonl'), 'utf8')).map((row) => row.epoch);

describe('MetricsWriter', () => {
  it('writes the header once and the same rows to CSV and JSONL', () => {
    const dir = tempDir();
    writeRows(dir, [1, 2, 3]);
    const csvText = readFileSync(join(dir, 'metrics.csv'), 'utf8');
    expect(csvText.split('\n')[0]).toBe(columns.join(','));
    expect(csvText.match(/^epoch,/gm)).toHaveLength(1);
    const expected = [1, 2, 3].map((epoch) => rowFor(epoch));
    expect(readMetrics(dir)).toEqual(expected);
    expect(parseJsonl(readFileSync(join(dir, 'metrics.jsonl'), 'utf8'))).toEqual(expected);
    expect(Object.keys(parseJsonl(readFileSync(join(dir, 'metrics.jsonl'), 'utf8'))[0] ?? {})).toEqual(columns);
  });

  it('rejects a row with a missing or extra column, or an epoch that is not new, writing nothing', () => {
    const dir = tempDir();
    const writer = MetricsWriter.create(dir, columns);
    writer.append(rowFor(1));
    const { alpha: _alpha, ...missingAlpha } = rowFor(2);
    expect(() => writer.append(missingAlpha)).toThrow(/missing alpha/);
    expect(() => writer.append({ ...rowFor(2), extra: 1 })).toThrow(/unexpected extra/);
    expect(() => writer.append(rowFor(1))).toThrow(/greater than 1/);
    expect(() => writer.append({ ...rowFor(2), epoch: 2.5 })).toThrow(/integer/);
    expect(() => writer.append({ ...rowFor(2), note: undefined as unknown as string })).toThrow(/undefined/);
    writer.close();
    expect(csvEpochs(dir)).toEqual([1]);
    expect(jsonlEpochs(dir)).toEqual([1]);
    expect(() => writer.append(rowFor(2))).toThrow(/closed/);
  });

  it('will not overwrite existing metrics unless asked', () => {
    const dir = tempDir();
    writeRows(dir, [1]);
    expect(() => MetricsWriter.create(dir, columns)).toThrow(/already exists.*resume/);
    MetricsWriter.create(dir, columns, { overwrite: true }).close();
    expect(csvEpochs(dir)).toEqual([]);
  });

  it('resume cuts both files back to the checkpointed epoch, and the rerun rows follow without duplicates', () => {
    const dir = tempDir();
    writeRows(dir, [1, 2, 3, 4, 5]);
    const writer = MetricsWriter.resume(dir, columns, 3);
    expect(writer.lastEpoch).toBe(3);
    expect(csvEpochs(dir)).toEqual([1, 2, 3]);
    expect(jsonlEpochs(dir)).toEqual([1, 2, 3]);
    expect(() => writer.append(rowFor(3))).toThrow(/greater than 3/);
    writer.append(rowFor(4, 7));
    writer.append(rowFor(5, 7));
    writer.close();
    const expected = [rowFor(1), rowFor(2), rowFor(3), rowFor(4, 7), rowFor(5, 7)];
    expect(readMetrics(dir)).toEqual(expected);
    expect(parseJsonl(readFileSync(join(dir, 'metrics.jsonl'), 'utf8'))).toEqual(expected);
  });

  it('resume drops a half-written last row left by a kill', () => {
    const dir = tempDir();
    writeRows(dir, [1, 2]);
    appendFileSync(join(dir, 'metrics.csv'), '3,192,-33.3,"epoch 3, \n"v');
    appendFileSync(join(dir, 'metrics.jsonl'), '{"epoch":3,"steps":19');
    MetricsWriter.resume(dir, columns, 2).close();
    expect(readMetrics(dir)).toEqual([rowFor(1), rowFor(2)]);
    expect(readFileSync(join(dir, 'metrics.csv'), 'utf8').endsWith('\n')).toBe(true);
    expect(jsonlEpochs(dir)).toEqual([1, 2]);
  });

  it('resume at the last row changes nothing', () => {
    const dir = tempDir();
    writeRows(dir, [1, 2]);
    const before = [readFileSync(join(dir, 'metrics.csv'), 'utf8'), readFileSync(join(dir, 'metrics.jsonl'), 'utf8')];
    MetricsWriter.resume(dir, columns, 2).close();
    expect([readFileSync(join(dir, 'metrics.csv'), 'utf8'), readFileSync(join(dir, 'metrics.jsonl'), 'utf8')]).toEqual(before);
  });

  it('resume rejects a column mismatch and leaves the files alone', () => {
    const dir = tempDir();
    writeRows(dir, [1, 2, 3]);
    const before = readFileSync(join(dir, 'metrics.csv'), 'utf8');
    expect(() => MetricsWriter.resume(dir, metricsColumns(['beta', 'note']), 1)).toThrow(/has columns \[.*alpha.*\], but the run resumes with \[.*beta.*\]/);
    expect(readFileSync(join(dir, 'metrics.csv'), 'utf8')).toBe(before);
    expect(jsonlEpochs(dir)).toEqual([1, 2, 3]);
  });

  it('resume refuses when rows up to the checkpoint are missing', () => {
    const dir = tempDir();
    writeRows(dir, [1, 2]);
    expect(() => MetricsWriter.resume(dir, columns, 4)).toThrow(/rows up to epoch 2, but the checkpoint is at epoch 4/);
    expect(() => MetricsWriter.resume(tempDir(), columns, 1)).toThrow(/lacks metrics.csv/);
  });

  it('resume at epoch 0 without files starts fresh', () => {
    const dir = tempDir();
    const writer = MetricsWriter.resume(dir, columns, 0);
    writer.append(rowFor(1));
    writer.close();
    expect(csvEpochs(dir)).toEqual([1]);
  });

  it('resume rejects files whose epochs go backwards', () => {
    const dir = tempDir();
    writeRows(dir, [1, 2]);
    const csv = readFileSync(join(dir, 'metrics.csv'), 'utf8');
    const lines = csv.trimEnd().split('\n');
    writeFileSync(join(dir, 'metrics.csv'), `${[lines[0], lines[1], lines[2], lines[1]].join('\n')}\n`);
    expect(() => MetricsWriter.resume(dir, columns, 2)).toThrow(/epoch 1 follows epoch 2/);
  });
});
