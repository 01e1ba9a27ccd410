import { closeSync, existsSync, fsyncSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDirectory, writeAll, writeFileAtomic } from './atomic-write.js';
import { assertValidColumns } from './columns.js';
import { csvHeader, csvRow, parseCsv, recordToRow, splitCsvRecords, type ParsedRow, type TableRow } from './csv.js';
import { decodeNonFinite, jsonlLine } from './jsonl.js';

export const METRICS_CSV = 'metrics.csv';
export const METRICS_JSONL = 'metrics.jsonl';

/**
 * Appends one row per epoch to `metrics.csv` and `metrics.jsonl` (same rows, two formats).
 * Rows are appended without fsync (a killed process loses nothing the kernel has; `close()`
 * fsyncs). A kill mid-append can leave half a row at the end: `resume` drops it.
 * Epochs must strictly increase, so a row can never be written twice.
 */
export class MetricsWriter {
  private closed = false;

  private constructor(
    readonly dir: string,
    readonly columns: readonly string[],
    private readonly csvDescriptor: number,
    private readonly jsonlDescriptor: number,
    private lastEpochWritten: number,
  ) {}

  /** The epoch of the last row in the files (0 before any). */
  get lastEpoch(): number {
    return this.lastEpochWritten;
  }

  /**
   * Starts both files with no rows (the CSV with its header). Refuses to replace existing
   * metrics unless `overwrite` is set, so a forgotten `--resume` cannot wipe a run.
   */
  static create(dir: string, columns: readonly string[], options: { overwrite?: boolean } = {}): MetricsWriter {
    assertMetricsColumns(columns);
    ensureDirectory(dir);
    const existing = [METRICS_CSV, METRICS_JSONL].filter((name) => existsSync(join(dir, name)));
    if (existing.length > 0 && options.overwrite !== true) {
      throw new Error(`${join(dir, existing[0] as string)} already exists: resume the run (MetricsWriter.resume) or pass { overwrite: true } to start over.`);
    }
    writeFileAtomic(join(dir, METRICS_CSV), csvHeader(columns));
    writeFileAtomic(join(dir, METRICS_JSONL), '');
    return MetricsWriter.open(dir, columns, 0);
  }

  /**
   * Reopens the files of an interrupted run whose checkpoint is at `lastEpoch`, first cutting
   * both back (atomically) to the rows with epoch ≤ lastEpoch: rows written after the
   * checkpoint will be recomputed, so keeping them would duplicate them. Throws when the
   * columns differ from the file's, or when a row up to `lastEpoch` is missing (the metrics
   * row must be appended before the checkpoint is written). With `lastEpoch` 0 and no files, starts fresh.
   */
  static resume(dir: string, columns: readonly string[], lastEpoch: number): MetricsWriter {
    assertMetricsColumns(columns);
    if (!Number.isInteger(lastEpoch) || lastEpoch < 0) throw new Error(`lastEpoch must be an integer >= 0; got ${lastEpoch}.`);
    const csvPath = join(dir, METRICS_CSV);
    const jsonlPath = join(dir, METRICS_JSONL);
    if (!existsSync(csvPath) || !existsSync(jsonlPath)) {
      if (lastEpoch === 0) return MetricsWriter.create(dir, columns, { overwrite: true });
      throw new Error(`Cannot resume at epoch ${lastEpoch}: ${dir} lacks ${METRICS_CSV} or ${METRICS_JSONL}.`);
    }
    cutBack(csvPath, (text) => keptCsv(text, columns, lastEpoch, csvPath));
    cutBack(jsonlPath, (text) => keptJsonl(text, columns, lastEpoch, jsonlPath));
    return MetricsWriter.open(dir, columns, lastEpoch);
  }

  private static open(dir: string, columns: readonly string[], lastEpoch: number): MetricsWriter {
    const csvDescriptor = openSync(join(dir, METRICS_CSV), 'a');
    const jsonlDescriptor = openSync(join(dir, METRICS_JSONL), 'a');
    return new MetricsWriter(dir, [...columns], csvDescriptor, jsonlDescriptor, lastEpoch);
  }

  /** Appends one row to both files. Every column must be present, no other key, and `epoch` must exceed the last one. */
  append(row: TableRow): void {
    if (this.closed) throw new Error(`MetricsWriter for ${this.dir} is closed.`);
    const missing = this.columns.filter((column) => !Object.prototype.hasOwnProperty.call(row, column));
    const extra = Object.keys(row).filter((key) => !this.columns.includes(key));
    if (missing.length > 0 || extra.length > 0) {
      throw new Error(
        `Metrics row does not match the columns: ${missing.length > 0 ? `missing ${missing.join(', ')}` : ''}${missing.length > 0 && extra.length > 0 ? '; ' : ''}${extra.length > 0 ? `unexpected ${extra.join(', ')}` : ''} (columns: ${this.columns.join(', ')}).`,
      );
    }
    const epoch = row.epoch;
    if (typeof epoch !== 'number' || !Number.isInteger(epoch) || epoch <= this.lastEpochWritten) {
      throw new Error(`Metrics row epoch must be an integer greater than ${this.lastEpochWritten} (the last written); got ${String(epoch)}.`);
    }
    const csvLine = csvRow(this.columns, row); // formats (and validates) every cell before anything is written
    const ordered = Object.fromEntries(this.columns.map((column) => [column, row[column]]));
    writeAll(this.csvDescriptor, csvLine);
    writeAll(this.jsonlDescriptor, jsonlLine(ordered));
    this.lastEpochWritten = epoch;
  }

  /** Flushes both files to disk and closes them. Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const descriptor of [this.csvDescriptor, this.jsonlDescriptor]) {
      fsyncSync(descriptor);
      closeSync(descriptor);
    }
  }
}

/** The rows of a run's metrics.csv (an unfinished last line, from a kill mid-append, is left out). */
export function readMetrics(dir: string): ParsedRow[] {
  const text = readFileSync(join(dir, METRICS_CSV), 'utf8');
  const { records } = splitCsvRecords(text);
  const complete = records.length > 0 ? text.slice(0, (records[records.length - 1] as { end: number }).end) : '';
  return parseCsv(complete);
}

function assertMetricsColumns(columns: readonly string[]): void {
  assertValidColumns(columns);
  if (!columns.includes('epoch')) throw new Error(`Metrics columns must include 'epoch' (resume cuts rows by it); got [${columns.join(', ')}].`);
}

/** The CSV prefix to keep: the header and the complete rows with epoch ≤ lastEpoch. */
function keptCsv(text: string, columns: readonly string[], lastEpoch: number, path: string): string {
  const { records } = splitCsvRecords(text); // a half-written last line is not among `records`
  const [header, ...data] = records;
  const fileColumns = header?.fields.map((field) => field.text) ?? [];
  if (fileColumns.join('\u0000') !== columns.join('\u0000')) {
    throw new Error(`${path} has columns [${fileColumns.join(', ')}], but the run resumes with [${columns.join(', ')}]; they must be the same.`);
  }
  const epochs = data.map((record, index) => epochOf(recordToRow(columns, record, index + 2), `${path} line ${index + 2}`));
  const kept = countKept(epochs, lastEpoch, path);
  return text.slice(0, kept === 0 ? (header as { end: number }).end : (data[kept - 1] as { end: number }).end);
}

/** The JSONL prefix to keep: the complete lines with epoch ≤ lastEpoch. */
function keptJsonl(text: string, columns: readonly string[], lastEpoch: number, path: string): string {
  const lines = text.split('\n').slice(0, -1); // the part after the last '\n' is unfinished (or empty)
  const expectedKeys = [...columns].sort().join('\u0000');
  const epochs = lines.map((line, index) => {
    const where = `${path} line ${index + 1}`;
    let row: Record<string, unknown>;
    try {
      row = JSON.parse(line, decodeNonFinite) as Record<string, unknown>;
    } catch (error) {
      throw new Error(`${where} is not valid JSON (${(error as Error).message}).`);
    }
    if (Object.keys(row).sort().join('\u0000') !== expectedKeys) {
      throw new Error(`${where} has keys [${Object.keys(row).join(', ')}], but the run resumes with columns [${columns.join(', ')}].`);
    }
    return epochOf(row, where);
  });
  const kept = countKept(epochs, lastEpoch, path);
  return lines
    .slice(0, kept)
    .map((line) => `${line}\n`)
    .join('');
}

function epochOf(row: Readonly<Record<string, unknown>>, where: string): number {
  const epoch = row.epoch;
  if (typeof epoch !== 'number' || !Number.isInteger(epoch)) throw new Error(`${where}: epoch is not an integer (${String(epoch)}).`);
  return epoch;
}

/** How many leading rows have epoch ≤ lastEpoch; checks the epochs increase and that the last kept one is lastEpoch. */
function countKept(epochs: readonly number[], lastEpoch: number, path: string): number {
  epochs.forEach((epoch, index) => {
    if (index > 0 && epoch <= (epochs[index - 1] as number)) {
      throw new Error(`${path}: epoch ${epoch} follows epoch ${epochs[index - 1]}; epochs must strictly increase (the file was written by something else, or edited).`);
    }
  });
  const kept = epochs.filter((epoch) => epoch <= lastEpoch).length;
  const lastKept = kept > 0 ? (epochs[kept - 1] as number) : 0;
  if (lastKept !== lastEpoch) {
    throw new Error(
      `${path} has rows up to epoch ${lastKept}, but the checkpoint is at epoch ${lastEpoch}: the metrics row of every checkpointed epoch must be appended before the checkpoint is written.`,
    );
  }
  return kept;
}

/** Rewrites `path` atomically as `keep(its text)`, a prefix of it, when that is shorter. */
function cutBack(path: string, keep: (text: string) => string): void {
  const text = readFileSync(path, 'utf8');
  const kept = keep(text);
  if (kept.length < text.length) writeFileAtomic(path, kept);
}
