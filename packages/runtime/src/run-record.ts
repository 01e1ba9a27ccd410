// config.json of a run directory: everything a run (or its resume, in any process) needs.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { algorithms, ConfigError, epochsKeyOf, PathwiseError, tf, useBackend, type Algorithm, type AlgorithmLookup } from '@pathwise/core';
import { getEnv, listEnvs } from '@pathwise/envs';
import { CONFIG_JSON, decodeNonFinite, writeJsonAtomic } from '@pathwise/report/node';

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
  mkdirSync(dir, { recursive: true });
  writeJsonAtomic(join(dir, CONFIG_JSON), record);
}

export function readRunRecord(dir: string): RunRecord {
  const path = join(dir, CONFIG_JSON);
  if (!existsSync(path)) throw new PathwiseError(`Cannot resume: ${path} does not exist (is ${dir} a run directory?).`);
  let record: RunRecord;
  try {
    record = JSON.parse(readFileSync(path, 'utf8'), decodeNonFinite) as RunRecord;
  } catch (error) {
    throw new PathwiseError(`${path} is not valid JSON (${(error as Error).message}).`);
  }
  for (const key of ['algo', 'env', 'backend'] as const) {
    if (typeof record[key] !== 'string') throw new PathwiseError(`${path} is not a run record: '${key}' is missing.`);
  }
  if (typeof record.seed !== 'number' || typeof record.config !== 'object' || record.config === null) {
    throw new PathwiseError(`${path} is not a run record: 'seed' or 'config' is missing.`);
  }
  record.plugins ??= []; // records written before plugins existed
  return record;
}
