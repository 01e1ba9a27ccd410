// config.json of a run directory: everything a run (or its resume, in any process) needs.
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { algorithms, ConfigError, epochsKeyOf, PathwiseError, tf, useBackend, type Algorithm, type AlgorithmLookup } from '@pathwise/core';
import { getEnv, listEnvs } from '@pathwise/envs';
import { CHECKPOINT_DIR, CHECKPOINT_OLD_DIR, CONFIG_JSON, decodeNonFinite, ensureDirectory, METRICS_CSV, METRICS_JSONL, SUMMARY_JSON, writeJsonAtomic } from '@pathwise/report/node';
import { codeVersion, type CodeVersion } from './code-version.js';
import { LOCK_FILE } from './lock.js';

/** DIR/config.json (docs/architecture.md §6). */
export interface RunRecord<Config = Record<string, unknown>> {
  /** The name asked for: an algorithm or one of its variants (e.g. `lr`). */
  algo: string;
  env: string;
  seed: number;
  /** The backend the run was made on (never `auto`: the measured choice). */
  backend: string;
  /** Plugins to import before the run, as absolute paths or package names. */
  plugins: string[];
  /** The fully resolved algorithm config. */
  config: Config;
  /** The code the run was started with (written by `writeRunRecord`; absent in records from before it existed). */
  code?: CodeVersion;
  /** Resumes under other code than `code`: from which epoch (the checkpoint's) and with what. */
  resumedWith?: Array<{ epoch: number; code: CodeVersion }>;
}

/** What a new run asks for, before resolution. */
export interface RunRequest {
  algo: string;
  env: string;
  /** Config overrides (a config file's keys; the algorithm's key aliases are accepted). */
  overrides?: Record<string, unknown>;
  /** Sets the algorithm's epochs key (`--epochs`). */
  epochs?: number;
  /** Sets the config key `estimator` (`--estimator`); an error for algorithms without one. */
  estimator?: string;
}

/**
 * Looks the algorithm and env up and resolves the run's config: the algorithm's defaults for the
 * env, its variant's preset, the overrides, then `epochs` and `estimator`. Unknown names list the
 * registered ones.
 */
export function resolveRun(request: RunRequest): { lookup: AlgorithmLookup; config: Record<string, unknown> } {
  const lookup = algorithms.lookup(request.algo);
  getEnv(request.env); // an unknown env fails here, listing the registered ones
  const { algorithm } = lookup;
  const keys = Object.keys(algorithm.configSchema).sort();
  const overrides: Record<string, unknown> = { ...(request.overrides ?? {}) };
  if (request.estimator !== undefined) {
    if (!Object.prototype.hasOwnProperty.call(algorithm.configSchema, 'estimator')) {
      throw new ConfigError('--estimator', request.estimator, `an algorithm with an 'estimator' config key; '${lookup.name}' has none (its keys: ${keys.join(', ')})`);
    }
    overrides.estimator = request.estimator;
  }
  if (request.epochs !== undefined) {
    if (!Number.isInteger(request.epochs) || request.epochs < 1) throw new ConfigError('--epochs', request.epochs, 'a positive integer');
    const key = epochsKeyOf(algorithm);
    if (key === undefined) {
      throw new ConfigError('--epochs', request.epochs, `an algorithm that names its epochs config key; '${lookup.name}' declares no epochsKey and has no 'epochs' key (its keys: ${keys.join(', ')})`);
    }
    overrides[key] = request.epochs;
  }
  const config = algorithm.resolve(request.env, overrides, lookup.variant) as Record<string, unknown>;
  return { lookup, config };
}

/**
 * The problem a run of `algorithm` uses when none is named, and whose defaults listings show: its
 * `defaultProblem`, else the first of `preferred`, then of the registered envs, for which its
 * `defaults` succeed (an algorithm may refuse problems it is not made for). Undefined when none does.
 */
export function defaultProblemOf(algorithm: Algorithm<any, any>, preferred: readonly string[] = []): string | undefined {
  if (algorithm.defaultProblem !== undefined) return algorithm.defaultProblem;
  const candidates = [...new Set([...preferred, ...listEnvs().map((e) => e.name)])];
  return candidates.find((problem) => {
    try {
      algorithm.defaults(problem);
      return true;
    } catch {
      return false;
    }
  });
}

/** Activates a backend for a run (`auto` measures) and returns the name of the one in use. */
export async function activateBackend(name: string): Promise<string> {
  tf.env().set('PROD', true); // silences tfjs's "install tfjs-node" banner
  return useBackend(name);
}

export function hasRunRecord(dir: string): boolean {
  return existsSync(join(dir, CONFIG_JSON));
}

/** Starts a run directory by writing its config.json (atomically). Refuses to replace a run. */
export function writeRunRecord(dir: string, record: RunRecord): void {
  if (hasRunRecord(dir)) throw new PathwiseError(`${dir} already holds a run: pass --resume to continue it, --force to replace it, or choose another --out.`);
  ensureDirectory(dir);
  writeJsonAtomic(join(dir, CONFIG_JSON), { ...record, code: record.code ?? codeVersion() });
}

/** Rewrites a run's config.json (the caller holds the run's lock). */
export function rewriteRunRecord(dir: string, record: RunRecord): void {
  writeJsonAtomic(join(dir, CONFIG_JSON), record);
}

export function readRunRecord(dir: string): RunRecord {
  const path = join(dir, CONFIG_JSON);
  if (!existsSync(path)) throw new PathwiseError(`Cannot resume: ${path} does not exist (is ${dir} a run directory?).`);
  let record: RunRecord;
  try {
    record = JSON.parse(readFileSync(path, 'utf8'), decodeNonFinite) as RunRecord;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== undefined) throw error; // a file-system error, reported with its path
    throw new PathwiseError(`${path} is not valid JSON (${(error as Error).message}): the run record is damaged; restore it or start the run again with --force.`);
  }
  if (typeof record !== 'object' || record === null) throw new PathwiseError(`${path} is not a run record (not a JSON object).`);
  for (const key of ['algo', 'env', 'backend'] as const) {
    if (typeof record[key] !== 'string') throw new PathwiseError(`${path} is not a run record: '${key}' is missing.`);
  }
  if (typeof record.seed !== 'number' || typeof record.config !== 'object' || record.config === null) {
    throw new PathwiseError(`${path} is not a run record: 'seed' or 'config' is missing.`);
  }
  record.plugins ??= []; // records written before plugins existed
  return record;
}

// What a run directory holds (docs/architecture.md §6): the files the runtime writes, their
// atomic-write temporaries, and, for several seeds, seed-<n>/ run directories.
const RUN_FILES = new Set([CONFIG_JSON, METRICS_CSV, METRICS_JSONL, CHECKPOINT_DIR, CHECKPOINT_OLD_DIR, SUMMARY_JSON, 'reward.svg', LOCK_FILE]);
const RUN_TEMPORARIES = [/^\..+\.tmp-\d+-\d+$/, /^checkpoint\.tmp-\d+-\d+$/, /^lock\.json\.(new|stale|beat)-/];

/** Entries of `dir` that a pathwise run would not have written (empty for a run directory). */
export function foreignEntries(dir: string): string[] {
  const foreign: string[] = [];
  for (const name of readdirSync(dir)) {
    if (RUN_FILES.has(name) || RUN_TEMPORARIES.some((pattern) => pattern.test(name))) continue;
    const path = join(dir, name);
    if (/^seed-\d+$/.test(name) && statSync(path).isDirectory() && hasRunRecord(path) && foreignEntries(path).length === 0) continue;
    foreign.push(statSync(path).isDirectory() ? `${name}/` : name);
  }
  return foreign;
}

/**
 * Empties a run directory for `--force`, keeping its lock (the caller holds it). Refuses, deleting
 * nothing, when `dir` is not recognisably a pathwise run: no config.json (its own or its seeds'),
 * or any entry a run would not have written.
 */
export function clearRunDirectory(dir: string): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw new PathwiseError(`--force refused: ${dir} is a file, not a run directory; choose another --out.`);
  const entries = readdirSync(dir).filter((name) => name !== LOCK_FILE);
  if (entries.length === 0) return;
  const foreign = foreignEntries(dir);
  const isRun = hasRunRecord(dir) || entries.some((name) => /^seed-\d+$/.test(name) && hasRunRecord(join(dir, name)));
  if (!isRun || foreign.length > 0) {
    const listed = (foreign.length > 0 ? foreign : entries).slice(0, 6);
    const more = (foreign.length > 0 ? foreign : entries).length - listed.length;
    throw new PathwiseError(
      `--force refused: ${dir} is not a pathwise run directory, so nothing was deleted. It holds ${listed.join(', ')}${more > 0 ? ` and ${more} more` : ''}` +
        `${isRun ? ', which a run does not write' : ' and no config.json of a run'}. --force only replaces run directories; choose another --out or remove those files yourself.`,
    );
  }
  for (const name of entries) rmSync(join(dir, name), { recursive: true, force: true });
}
