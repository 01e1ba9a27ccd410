// The code a run is made with, recorded in its config.json: a run whose numbers are to be trusted
// comes from one code version, and a resume under another is written down beside it.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** config.json `code` (docs/architecture.md §6). */
export interface CodeVersion {
  /** The version of @pathwise/runtime. */
  pathwise: string;
  /** The git commit of the checkout the packages run from, when they run from one. */
  commit?: string;
  /** Whether that checkout had uncommitted changes to tracked files. */
  dirty?: boolean;
}

let cached: CodeVersion | undefined;

/** This process's code version (computed once). */
export function codeVersion(): CodeVersion {
  if (cached) return cached;
  // src/ in tests, dist/ when built: the package root is one level up either way.
  const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
  const version = (JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string }).version;
  cached = { pathwise: version, ...gitState(packageDir) };
  return cached;
}

function gitState(dir: string): { commit?: string; dirty?: boolean } {
  const git = (...args: string[]) => execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 }).trim();
  try {
    const commit = git('rev-parse', 'HEAD');
    if (!/^[0-9a-f]{40}$/.test(commit)) return {};
    // An installed package inside someone else's repository is not that repository's code.
    const top = git('rev-parse', '--show-toplevel');
    if (/[\\/]node_modules[\\/]/.test(dir.slice(top.length))) return {};
    return { commit, dirty: git('status', '--porcelain', '--untracked-files=no').length > 0 };
  } catch {
    return {}; // no git, or not a checkout: the package version alone
  }
}

/** Whether two records name the same code (an unrecorded side never matches). */
export function sameCode(a: CodeVersion | undefined, b: CodeVersion): boolean {
  return a !== undefined && a.pathwise === b.pathwise && a.commit === b.commit && a.dirty === b.dirty;
}

/** One line naming a code version, for messages. */
export function describeCode(code: CodeVersion | undefined): string {
  if (code === undefined) return 'an unrecorded code version';
  return `@pathwise/runtime ${code.pathwise}${code.commit ? ` at ${code.commit.slice(0, 12)}${code.dirty ? ' (with uncommitted changes)' : ''}` : ''}`;
}
