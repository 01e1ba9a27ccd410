// Third-party plugins: ES modules that register estimators, algorithms, envs or models through the
// public API when imported. A plugin is named by a path (a file, or a directory that resolves through
// its package.json) or by a package name resolved from the working directory.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PathwiseError } from '@pathwise/core';

/** A plugin that cannot be found or fails to load: names the module and what was tried. */
export class PluginError extends PathwiseError {
  constructor(
    readonly plugin: string,
    readonly reason: string,
    readonly tried: readonly string[] = [],
  ) {
    super(`Cannot load plugin '${plugin}': ${reason}${tried.length > 0 ? ` (tried: ${tried.join('; ')})` : ''}.`);
  }
}

/** Where a plugin was found. */
export interface ResolvedPlugin {
  /** As the user wrote it. */
  spec: string;
  /** As run records keep it: an absolute path for paths, the name for packages. */
  record: string;
  /** The module file that is imported. */
  file: string;
}

/** Conditions a plugin's package.json `exports` are matched against, as Node's ESM loader does. */
const CONDITIONS = new Set(['node', 'import', 'default']);

function looksLikePath(spec: string): boolean {
  return spec.startsWith('./') || spec.startsWith('../') || spec === '.' || spec === '..' || isAbsolute(spec) || spec.startsWith('file:') || /\.[cm]?js$/.test(spec);
}

/**
 * Finds the module a plugin spec names, without importing it. Paths resolve against `cwd`; a
 * directory through its package.json (`exports['.']`, else `module`/`main`, else index.js); a
 * package name through `node_modules` folders from `cwd` upwards.
 */
export function resolvePlugin(spec: string, cwd: string = process.cwd()): ResolvedPlugin {
  if (typeof spec !== 'string' || spec.trim() === '') throw new PluginError(String(spec), 'a plugin is a path or a package name, and this is empty');
  if (looksLikePath(spec)) {
    const path = spec.startsWith('file:') ? new URL(spec).pathname : resolve(cwd, spec);
    return { spec, record: path, file: moduleAt(spec, path) };
  }
  const tried: string[] = [];
  const { name, subpath } = splitPackageSpec(spec);
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const root = join(dir, 'node_modules', name);
    tried.push(root);
    if (existsSync(join(root, 'package.json'))) return { spec, record: spec, file: entryOfPackage(spec, root, subpath) };
    if (dirname(dir) === dir) break;
  }
  // A bare name that is a file or folder here (e.g. `my-plugin` beside the config) is taken as a path.
  const local = resolve(cwd, spec);
  tried.push(local);
  if (existsSync(local)) return { spec, record: local, file: moduleAt(spec, local) };
  throw new PluginError(spec, `no package '${name}' in node_modules from ${resolve(cwd)} upwards, and no file or directory ${local}`, tried);
}

/** The module file of a path plugin: the file itself, or a directory's package entry. */
function moduleAt(spec: string, path: string): string {
  if (!existsSync(path)) throw new PluginError(spec, `${path} does not exist`);
  if (!statSync(path).isDirectory()) return path;
  if (existsSync(join(path, 'package.json'))) return entryOfPackage(spec, path, '.');
  for (const index of ['index.js', 'index.mjs']) if (existsSync(join(path, index))) return join(path, index);
  throw new PluginError(spec, `${path} is a directory with neither a package.json nor an index.js`);
}

function splitPackageSpec(spec: string): { name: string; subpath: string } {
  const parts = spec.split('/');
  const count = spec.startsWith('@') ? 2 : 1;
  const name = parts.slice(0, count).join('/');
  const rest = parts.slice(count).join('/');
  return { name, subpath: rest === '' ? '.' : `./${rest}` };
}

/** The file a package's `subpath` ('.' or './x') resolves to through its package.json. */
function entryOfPackage(spec: string, root: string, subpath: string): string {
  const manifestPath = join(root, 'package.json');
  let manifest: { exports?: unknown; module?: string; main?: string };
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch (error) {
    throw new PluginError(spec, `${manifestPath} is not valid JSON (${(error as Error).message})`);
  }
  let target: string | undefined;
  if (manifest.exports !== undefined && manifest.exports !== null) {
    const exports = manifest.exports;
    const keyed = typeof exports === 'object' && !Array.isArray(exports) && Object.keys(exports).some((k) => k.startsWith('.'));
    const entry = keyed ? (exports as Record<string, unknown>)[subpath] : subpath === '.' ? exports : undefined;
    target = pickTarget(entry);
    if (target === undefined) {
      throw new PluginError(spec, `${manifestPath} "exports" has no '${subpath}' entry for import (conditions ${[...CONDITIONS].join(', ')})`);
    }
  } else {
    target = subpath === '.' ? (manifest.module ?? manifest.main ?? 'index.js') : subpath;
  }
  const file = resolve(root, target);
  if (!existsSync(file)) throw new PluginError(spec, `${manifestPath} points at ${file}, which does not exist (is the plugin built?)`);
  return file;
}

/** The first target of an `exports` entry that the ESM loader would pick for import in Node. */
function pickTarget(entry: unknown): string | undefined {
  if (typeof entry === 'string') return entry;
  if (Array.isArray(entry)) {
    for (const item of entry) {
      const target = pickTarget(item);
      if (target !== undefined) return target;
    }
    return undefined;
  }
  if (entry !== null && typeof entry === 'object') {
    for (const [condition, value] of Object.entries(entry)) {
      if (!CONDITIONS.has(condition)) continue;
      const target = pickTarget(value);
      if (target !== undefined) return target;
    }
  }
  return undefined;
}

/** Imports one resolved plugin; an exception while it loads becomes a PluginError naming it. */
export async function importPlugin(plugin: ResolvedPlugin): Promise<void> {
  try {
    await import(pathToFileURL(plugin.file).href);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new PluginError(plugin.spec, `importing ${plugin.file} failed: ${message}`);
  }
}

/**
 * Resolves and imports plugins in order (each at most once per process) and returns their records
 * (absolute paths or package names) for config.json, without duplicates.
 */
export async function loadPlugins(specs: readonly string[], cwd: string = process.cwd()): Promise<string[]> {
  const records: string[] = [];
  for (const spec of specs) {
    const plugin = resolvePlugin(spec, cwd);
    if (records.includes(plugin.record)) continue;
    await importPlugin(plugin);
    records.push(plugin.record);
  }
  return records;
}
