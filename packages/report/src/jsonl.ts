/**
 * JSON Lines with honest non-finite numbers. `JSON.stringify` turns NaN and ±Infinity into
 * `null`, which would hide a diverged run; here they are written as the strings `"NaN"`,
 * `"Infinity"` and `"-Infinity"`, and `parseJsonl`/`decodeNonFinite` turn those exact strings
 * back into numbers. (So a genuine string value "NaN" also reads back as a number: metrics hold
 * numbers, so that is the right trade.) `-0` is written as `0`, as JSON does.
 */

const NON_FINITE_TEXT = new Map<string, number>([
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['-Infinity', Number.NEGATIVE_INFINITY],
]);

/** JSON text of `value` with NaN/±Infinity encoded as strings (at any depth). */
export function stringifyWithNonFinite(value: unknown, indent?: number): string {
  const text = JSON.stringify(value, encodeNonFinite, indent);
  if (text === undefined) throw new Error(`Cannot encode a ${typeof value} as JSON.`);
  return text;
}

/** One JSONL line, ending in `\n`. Non-finite numbers become "NaN"/"Infinity"/"-Infinity". */
export function jsonlLine(row: Readonly<Record<string, unknown>>): string {
  return `${stringifyWithNonFinite(row)}\n`;
}

/** Parses JSONL text (blank lines skipped), turning "NaN"/"Infinity"/"-Infinity" back into numbers. */
export function parseJsonl(text: string): Array<Record<string, unknown>> {
  const rows: Array<Record<string, unknown>> = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim().length === 0) return;
    let value: unknown;
    try {
      value = JSON.parse(line, decodeNonFinite);
    } catch (error) {
      throw new Error(`JSONL line ${index + 1} is not valid JSON (${(error as Error).message}).`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new Error(`JSONL line ${index + 1} is not a JSON object.`);
    }
    rows.push(value as Record<string, unknown>);
  });
  return rows;
}

/** JSON.stringify replacer: NaN/±Infinity to their names. */
export function encodeNonFinite(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
}

/** JSON.parse reviver: the inverse of `encodeNonFinite`. */
export function decodeNonFinite(_key: string, value: unknown): unknown {
  return typeof value === 'string' && NON_FINITE_TEXT.has(value) ? NON_FINITE_TEXT.get(value) : value;
}
