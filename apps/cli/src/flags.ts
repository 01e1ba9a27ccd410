import { readFileSync, statSync } from 'node:fs';
import { Option } from 'commander';
import { ConfigError } from '@pathwise/core';

/**
 * One parser per kind of command-line flag, shared by every command. Each takes the flag's name
 * (for the message) and its text, and throws `ConfigError` naming the flag, the value as given and
 * what is allowed. Commands attach them with commander's `argParser`, so a bad flag fails while the
 * command line is parsed: before a backend starts, a plugin is imported or a directory is written.
 *
 * Upper bounds on counts keep a run within the memory of a 24 GiB machine (and the default V8
 * heap): each bound is stated in the message, with the reason.
 */

/** Seeds are 32-bit: [0, 2³²). */
export const SEED_MAX = 2 ** 32 - 1;

const DECIMAL_INTEGER = /^[+-]?\d+$/;

/** The trimmed text, or a ConfigError when it is empty. */
function nonEmpty(flag: string, text: string, expected: string): string {
  const trimmed = text.trim();
  if (trimmed === '') throw new ConfigError(flag, text, expected);
  return trimmed;
}

/**
 * An integer written in decimal digits (no `1.5`, `1e3`, `0x10`, `Infinity`), a safe integer in
 * [min, max]. `expected` replaces the range in the message (e.g. "a seed, an integer in [0, 2^32)").
 */
export function parseInteger(flag: string, text: string, range: { min?: number; max?: number; expected?: string } = {}): number {
  const min = range.min ?? Number.MIN_SAFE_INTEGER;
  const max = range.max ?? Number.MAX_SAFE_INTEGER;
  const expected = range.expected ?? `an integer in [${min}, ${max}]`;
  const trimmed = nonEmpty(flag, text, expected);
  const value = DECIMAL_INTEGER.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) throw new ConfigError(flag, text, expected);
  return value;
}

/** A seed: an integer in [0, 2³²). */
export function parseSeed(flag: string, text: string): number {
  return parseInteger(flag, text, { min: 0, max: SEED_MAX, expected: 'a seed, an integer in [0, 2^32)' });
}

/**
 * A positive count in [min, max] (min defaults to 1). `max` bounds what one run holds in memory;
 * `why` says what the bound protects (it is part of the message).
 */
export function parseCount(flag: string, text: string, max: number, options: { min?: number; why?: string } = {}): number {
  const min = options.min ?? 1;
  return parseInteger(flag, text, { min, max, expected: `an integer in [${min}, ${max}]${options.why ? ` (at most ${max}: ${options.why})` : ''}` });
}

/** A finite number (decimal or exponent notation; no `Infinity`, `NaN`, hex or empty text). */
export function parseFiniteNumber(flag: string, text: string, options: { positive?: boolean } = {}): number {
  const expected = options.positive ? 'a finite number > 0' : 'a finite number';
  const trimmed = nonEmpty(flag, text, expected);
  const value = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isFinite(value) || (options.positive && !(value > 0))) throw new ConfigError(flag, text, expected);
  return value;
}

/** Comma-separated elements: no empty ones (`a,,b`, a trailing comma), at least one. */
function parseList<T>(flag: string, text: string, expected: string, element: (item: string) => T): T[] {
  const items = text.split(',').map((s) => s.trim());
  if (items.some((item) => item === '')) throw new ConfigError(flag, text, expected);
  return items.map(element);
}

/** Comma-separated seeds, at least one; duplicates are dropped (first occurrence kept). */
export function parseSeedList(flag: string, text: string): number[] {
  const expected = 'comma-separated seeds (integers in [0, 2^32)) with no empty elements, e.g. 1,2,3';
  return [...new Set(parseList(flag, text, expected, (item) => parseInteger(flag, item, { min: 0, max: SEED_MAX, expected: `${expected}; '${item}' is not a seed` })))];
}

/** Comma-separated counts, each in [min, max] as `parseCount`. */
export function parseCountList(flag: string, text: string, max: number, options: { min?: number; why?: string } = {}): number[] {
  const min = options.min ?? 1;
  const expected = `comma-separated integers in [${min}, ${max}]${options.why ? ` (at most ${max}: ${options.why})` : ''} with no empty elements`;
  return parseList(flag, text, expected, (item) => parseInteger(flag, item, { min, max, expected: `${expected}; '${item}' is not` }));
}

/** Comma-separated names (algorithms, envs, estimators): no empty elements, at least one. */
export function parseNameList(flag: string, text: string): string[] {
  return parseList(flag, text, 'comma-separated names with no empty elements, e.g. a,b', (item) => item);
}

/** A comma-separated list of env step kernels (the `kernel` env option): auto, fused, ops. */
export function parseKernelList(flag: string, text: string): ('auto' | 'fused' | 'ops')[] {
  const names = parseNameList(flag, text);
  for (const name of names) if (name !== 'auto' && name !== 'fused' && name !== 'ops') throw new ConfigError(flag, text, 'a comma-separated list of auto, fused, ops');
  return names as ('auto' | 'fused' | 'ops')[];
}

/**
 * A Redis URL for the sweep queue: `redis://HOST[:PORT][/DB]` (`rediss://` for TLS; a user and
 * password may precede the host), PORT in [1, 65535] (default 6379), DB a decimal integer >= 0.
 * Returns the URL as given, trimmed.
 */
export function parseRedisUrl(flag: string, text: string): string {
  const expected = 'a Redis URL redis://HOST:PORT[/DB], e.g. redis://127.0.0.1:6379/0';
  const trimmed = nonEmpty(flag, text, expected);
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new ConfigError(flag, text, expected);
  }
  if ((url.protocol !== 'redis:' && url.protocol !== 'rediss:') || url.hostname === '' || url.search !== '' || url.hash !== '') throw new ConfigError(flag, text, expected);
  const db = url.pathname.replace(/^\//, '');
  if (db !== '') parseInteger(flag, db, { min: 0, expected: `${expected} (DB a decimal integer >= 0)` });
  return trimmed;
}

/** The largest JSON input read from a file or stdin (`@file`, `-`). */
export const MAX_JSON_INPUT_BYTES = 256 * 1024 * 1024;

/**
 * Parses a JSON flag, or a ConfigError naming the flag. `@path` reads the JSON from a file and `-`
 * from stdin, for inputs beyond the OS limit on the command line's length (about 2 MiB on Linux).
 */
export function parseJsonFlag(flag: string, text: string, example: string): unknown {
  const source = text === '-' ? 'stdin' : text.startsWith('@') ? text.slice(1) : undefined;
  let json = text;
  if (source !== undefined) {
    if (source === '') throw new ConfigError(flag, text, 'JSON, @FILE or - (stdin); @ needs a file name');
    try {
      const size = source === 'stdin' ? 0 : statSync(source).size;
      if (size > MAX_JSON_INPUT_BYTES) throw new ConfigError(flag, text, `a file of at most ${MAX_JSON_INPUT_BYTES / 2 ** 20} MiB (it has ${(size / 2 ** 20).toFixed(0)} MiB)`);
      json = readFileSync(source === 'stdin' ? 0 : source, 'utf8');
    } catch (error) {
      if (error instanceof ConfigError) throw error;
      const { code } = error as NodeJS.ErrnoException;
      throw new ConfigError(
        flag,
        text,
        `a readable ${source === 'stdin' ? 'stdin' : 'JSON file'} (${code ?? (error as Error).message}${code === 'ENOENT' ? ': no such file' : code === 'EISDIR' ? ': a directory' : ''})`,
      );
    }
    if (json.length > MAX_JSON_INPUT_BYTES) throw new ConfigError(flag, text, `at most ${MAX_JSON_INPUT_BYTES / 2 ** 20} MiB of JSON`);
  }
  try {
    return JSON.parse(json);
  } catch (error) {
    // The text itself when it was typed; the source (not megabytes of JSON) when it was read.
    throw new ConfigError(flag, text, `valid JSON, e.g. ${example}${source !== undefined ? ` (${(error as Error).message})` : ''}`);
  }
}

/**
 * Checks that `value` is a nested array of `rank` levels whose leaves are finite numbers: strings,
 * `null`, booleans and non-finite values (`1e999` parses to Infinity) fail with the index, e.g.
 * `--mu[1]`. Rectangularity is the consumer's to check (it knows the shapes it needs).
 */
export function checkNumbers(flag: string, value: unknown, rank: number, path = ''): void {
  const what = rank === 1 ? 'a JSON array of finite numbers' : `a JSON array of rank ${rank} of finite numbers`;
  if (rank === 0) {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new ConfigError(`${flag}${path}`, value, 'a finite number');
    return;
  }
  if (!Array.isArray(value) || value.length === 0) throw new ConfigError(`${flag}${path}`, value, path === '' ? `${what}, e.g. ${rank === 1 ? '[0.5, 1]' : '[[1, 0], [0, 1]]'}` : 'a non-empty array');
  value.forEach((item, i) => checkNumbers(flag, item, rank - 1, `${path}[${i}]`));
}

/** A JSON array of finite numbers, e.g. `--mu [0, 0.5]`. */
export function parseNumberArray(flag: string, text: string): number[] {
  const value = parseJsonFlag(flag, text, '[0.5, 1]');
  checkNumbers(flag, value, 1);
  return value as number[];
}

/** A JSON matrix (array of rows) of finite numbers, e.g. `--hessian [[1, 0], [0, 1]]`. */
export function parseNumberMatrix(flag: string, text: string): number[][] {
  const value = parseJsonFlag(flag, text, '[[1, 0], [0, 1]]');
  checkNumbers(flag, value, 2);
  return value as number[][];
}

/**
 * Bounds of the CLI's counts, with the reason each message gives. Memory bounds keep one run within
 * a 24 GiB machine; the others bound time (a typo such as 1e9 would otherwise run for days).
 */
export const LIMITS = {
  epochs: { max: 1_000_000, why: 'a bound on run time; metrics grow by one row per epoch' },
  workers: { max: 64, why: 'each worker thread loads its own backend, about 200 MB; more would not fit in 24 GiB' },
  samples: { max: 10_000_000, why: 'tensors of [samples, dim] are held at once; more would not fit in 24 GiB' },
  steps: { max: 10_000_000, why: 'a bound on run time' },
  envSteps: { max: 10_000, why: 'the rollout and its gradient tape are held for every step; more would not fit in 24 GiB' },
  points: { max: 100_000, why: 'every grid point runs its own estimates and is a row of the table; a bound on memory (24 GiB) and time' },
  horizon: { max: 1_000, why: 'the tape holds particles x horizon states; with the particle bound this fits in 24 GiB' },
  particles: { max: 10_000, why: 'the tape holds particles x horizon states; with the horizon bound this fits in 24 GiB' },
  repeats: { max: 100_000, why: 'a bound on run time' },
  batch: { max: 1_000_000, why: 'envs stepped at once; more would not fit in 24 GiB' },
  trials: { max: 1_000, why: "every PIPPS trial adds an episode the model refits on (the pipps algorithm's own bound)" },
} as const satisfies Record<string, { max: number; why: string }>;

/** A commander argParser for a count bounded by `LIMITS[limit]` (min defaults to 1). */
export function countFlag(flag: string, limit: keyof typeof LIMITS, min = 1): (text: string) => number {
  return (text) => parseCount(flag, text, LIMITS[limit].max, { min, why: LIMITS[limit].why });
}

/** A commander argParser for a comma-separated list of counts bounded by `LIMITS[limit]`. */
export function countListFlag(flag: string, limit: keyof typeof LIMITS, min = 1): (text: string) => number[] {
  return (text) => parseCountList(flag, text, LIMITS[limit].max, { min, why: LIMITS[limit].why });
}

/** An option whose value is a list, with its default shown in --help as it is typed (`1,2,3`). */
export function listOption<T>(flags: string, description: string, parse: (text: string) => T[], defaults: readonly T[]): Option {
  return new Option(flags, description).argParser(parse).default([...defaults], defaults.join(','));
}
