import type { CellValue } from './csv.js';

/**
 * A GitHub-flavoured Markdown table, columns padded so the text also reads well raw.
 * Columns whose cells are all numbers are right-aligned. `|` is escaped and line breaks become
 * spaces, because either would break the table. Throws when a row's length differs from the headers'.
 */
export function markdownTable(headers: readonly string[], rows: ReadonlyArray<readonly CellValue[]>): string {
  if (headers.length === 0) throw new Error('markdownTable needs at least one header.');
  rows.forEach((row, index) => {
    if (row.length !== headers.length) {
      throw new Error(`markdownTable row ${index + 1} has ${row.length} cells, the headers have ${headers.length}.`);
    }
  });
  const headerCells = headers.map(escapeCell);
  const bodyCells = rows.map((row) => row.map((cell) => escapeCell(typeof cell === 'number' ? String(cell) : cell)));
  const numeric = headers.map((_, column) => rows.length > 0 && rows.every((row) => typeof row[column] === 'number'));
  const widths = headers.map((_, column) => Math.max(3, ...[headerCells, ...bodyCells].map((cells) => (cells[column] as string).length)));
  const pad = (text: string, column: number): string => (numeric[column] ? text.padStart(widths[column] as number) : text.padEnd(widths[column] as number));
  const line = (cells: readonly string[]): string => `| ${cells.map(pad).join(' | ')} |`;
  const rule = `| ${widths.map((width, column) => (numeric[column] ? `${'-'.repeat(width - 1)}:` : '-'.repeat(width))).join(' | ')} |`;
  return `${[line(headerCells), rule, ...bodyCells.map(line)].join('\n')}\n`;
}

/** "mean ± std" with `digits` significant digits, for sweep tables. */
export function formatMeanStd(mean: number, std: number, digits = 4): string {
  return `${formatSignificant(mean, digits)} ± ${formatSignificant(std, digits)}`;
}

function formatSignificant(value: number, digits: number): string {
  return Number.isFinite(value) ? String(Number(value.toPrecision(digits))) : String(value);
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n|\r/g, ' ');
}
