import { assertValidColumns } from './columns.js';

/** One cell value: numbers are written losslessly, strings quoted when needed. */
export type CellValue = number | string;
/** One table row keyed by column name. */
export type TableRow = Readonly<Record<string, CellValue>>;
/** A row as read back: numbers for unquoted numeric fields, strings otherwise. */
export type ParsedRow = Record<string, CellValue>;

/**
 * Unquoted fields that match this are read back as numbers. It covers everything `String(x)`
 * prints for a float64 (including `1e-7`, `-0`, `NaN`, `Infinity`, `-Infinity`).
 */
const NUMBER_FIELD = /^(?:[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|NaN|[+-]?Infinity)$/;

/** The header line (ending in `\n`), so `csvHeader(c) + rows.map((r) => csvRow(c, r)).join('')` is a file. */
export function csvHeader(columns: readonly string[]): string {
  assertValidColumns(columns);
  return `${columns.map((column) => quoteText(column)).join(',')}\n`;
}

/**
 * One data line (ending in `\n`) with the row's values in column order. A missing column
 * throws (a blank would be read back as a different value); keys not in `columns` are ignored
 * here (MetricsWriter rejects them).
 */
export function csvRow(columns: readonly string[], row: TableRow): string {
  const fields = columns.map((column) => {
    if (!Object.prototype.hasOwnProperty.call(row, column)) {
      throw new Error(`Row has no value for column '${column}'; every column needs one (got keys: ${Object.keys(row).join(', ')}).`);
    }
    return formatCell(row[column] as CellValue, column);
  });
  return `${fields.join(',')}\n`;
}

/** A cell as CSV text. Exported for callers that build their own lines. */
export function formatCell(value: CellValue, column = '?'): string {
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'string') return quoteText(value);
  throw new Error(`Column '${column}' holds a ${typeof value}; cells must be numbers or strings.`);
}

/**
 * Lossless float64 text: `String(x)` is the shortest text that parses back to the same double;
 * only the sign of zero needs help. NaN/Infinity print as `NaN`, `Infinity`, `-Infinity`.
 */
export function formatNumber(value: number): string {
  return Object.is(value, -0) ? '-0' : String(value);
}

/** Quote (RFC 4180) text with separators or quotes, and text that would otherwise read back as a number. */
function quoteText(text: string): string {
  const needsQuotes = /[",\r\n]/.test(text) || NUMBER_FIELD.test(text);
  return needsQuotes ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Parses CSV text with a header line into records (see `parseCsvTable`). */
export function parseCsv(text: string): ParsedRow[] {
  return parseCsvTable(text).rows;
}

/**
 * Parses RFC 4180 CSV (LF or CRLF, quoted fields with `""`, commas and newlines) whose first
 * line is the header. Unquoted numeric fields (see NUMBER_FIELD) become numbers, everything
 * else stays a string, so `parseCsv(csvHeader(c) + csvRow(c, r))` gives `r` back.
 * Throws on a row with the wrong number of fields or an unterminated quote.
 */
export function parseCsvTable(text: string): { columns: string[]; rows: ParsedRow[] } {
  const { records, incompleteTail } = splitCsvRecords(text);
  if (incompleteTail !== undefined && incompleteTail.unterminatedQuote) {
    throw new Error(`CSV ends inside a quoted field (from offset ${incompleteTail.start}); the file is truncated.`);
  }
  const all = incompleteTail === undefined ? records : [...records, incompleteTail];
  const [header, ...data] = all;
  if (header === undefined) return { columns: [], rows: [] };
  const columns = header.fields.map((field) => field.text);
  const rows = data.map((record, index) => recordToRow(columns, record, index + 2));
  return { columns, rows };
}

/** Turns one parsed record into a row; `lineNumber` is 1-based and counts the header. */
export function recordToRow(columns: readonly string[], record: CsvRecord, lineNumber: number): ParsedRow {
  if (record.fields.length !== columns.length) {
    throw new Error(`CSV record ${lineNumber} has ${record.fields.length} fields, the header has ${columns.length}.`);
  }
  const row: ParsedRow = {};
  columns.forEach((column, index) => {
    const field = record.fields[index] as CsvField;
    row[column] = !field.quoted && NUMBER_FIELD.test(field.text) ? Number(field.text) : field.text;
  });
  return row;
}

export interface CsvField {
  text: string;
  quoted: boolean;
}

export interface CsvRecord {
  fields: CsvField[];
  /** Offset of the record's first character. */
  start: number;
  /** Offset just past the record's line ending. */
  end: number;
}

/**
 * Splits CSV text into records that end with a line break. A last record with no line break
 * (a file cut off mid-write) comes back separately as `incompleteTail`, so a resuming writer
 * can drop it instead of trusting half a row.
 */
export function splitCsvRecords(text: string): {
  records: CsvRecord[];
  incompleteTail?: CsvRecord & { unterminatedQuote: boolean };
} {
  const records: CsvRecord[] = [];
  let fields: CsvField[] = [];
  let fieldText = '';
  let quoted = false;
  let inQuotes = false;
  let recordStart = 0;
  let index = 0;
  const endField = (): void => {
    fields.push({ text: fieldText, quoted });
    fieldText = '';
    quoted = false;
  };
  while (index < text.length) {
    const char = text[index] as string;
    if (inQuotes) {
      if (char === '"' && text[index + 1] === '"') {
        fieldText += '"';
        index += 2;
        continue;
      }
      if (char === '"') inQuotes = false;
      else fieldText += char;
      index += 1;
      continue;
    }
    if (char === '"' && fieldText.length === 0 && !quoted) {
      inQuotes = true;
      quoted = true;
      index += 1;
    } else if (char === ',') {
      endField();
      index += 1;
    } else if (char === '\n' || (char === '\r' && text[index + 1] === '\n')) {
      endField();
      index += char === '\r' ? 2 : 1;
      records.push({ fields, start: recordStart, end: index });
      fields = [];
      recordStart = index;
    } else {
      fieldText += char;
      index += 1;
    }
  }
  if (recordStart === text.length) return { records };
  endField();
  return { records, incompleteTail: { fields, start: recordStart, end: text.length, unterminatedQuote: inQuotes } };
}
