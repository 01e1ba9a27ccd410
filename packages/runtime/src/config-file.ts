import { existsSync, readFileSync, statSync } from 'node:fs';
import { ConfigError } from '@pathwise/core';

/** A config file: the algorithm's config overrides, and the plugins its runs need. */
export interface ConfigFile {
  overrides: Record<string, unknown>;
  /** The file's `plugins:` list, as written (paths are relative to the working directory). */
  plugins: string[];
}

/**
 * Reads a JSON or YAML config file. Every top-level key but `plugins` is a config override (the
 * algorithm checks them, aliases included); `plugins` is a list of modules to import first.
 */
export async function readConfigFile(path: string): Promise<ConfigFile> {
  if (!existsSync(path)) throw new ConfigError('--config', path, 'an existing .json, .yaml or .yml file');
  if (!statSync(path).isFile()) throw new ConfigError('--config', path, 'a .json, .yaml or .yml file (it is a directory or a special file)');
  const text = readFileSync(path, 'utf8');
  let parsed: unknown;
  try {
    parsed = /\.ya?ml$/i.test(path) ? (await import('yaml')).parse(text) : JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('the top level is not a mapping');
  } catch (error) {
    throw new ConfigError('--config', path, `valid JSON or YAML with a mapping at the top (${(error as Error).message})`);
  }
  const { plugins, ...overrides } = parsed as Record<string, unknown>;
  return { overrides, plugins: pluginList(plugins, path) };
}

function pluginList(value: unknown, path: string): string[] {
  if (value === undefined || value === null) return [];
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.some((p) => typeof p !== 'string' || p.trim() === '')) {
    throw new ConfigError(`plugins (in ${path})`, value, 'a list of module paths or package names');
  }
  return list as string[];
}
