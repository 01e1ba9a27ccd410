// Which build of pathwise made a job: a worker runs only jobs of its own build, so every run of a
// sweep trains with the same code.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';

export interface BuildInfo {
  /** The pathwise version (the CLI's package version). */
  version: string;
  /**
   * The git commit of the checkout the code runs from, read at run time (so a cached or copied
   * dist/ cannot carry a stale one), with `+dirty.<hash of the uncommitted diff>` when tracked files
   * differ from it; `unknown` outside a git checkout (an installed package: the version decides).
   */
  commit: string;
}

function git(dir: string, args: string[]): string | undefined {
  const result = spawnSync('git', args, { cwd: dir, encoding: 'utf8', timeout: 10_000, maxBuffer: 256 * 1024 * 1024 });
  return result.status === 0 ? result.stdout : undefined;
}

/** The build of the code in `dir` (any directory inside the checkout, e.g. the CLI's dist/). */
export function buildInfo(version: string, dir: string): BuildInfo {
  const head = git(dir, ['rev-parse', 'HEAD'])?.trim();
  if (!head) return { version, commit: 'unknown' };
  const diff = git(dir, ['diff', 'HEAD', '--no-ext-diff', '--binary']);
  if (diff === undefined || diff === '') return { version, commit: head };
  return { version, commit: `${head}+dirty.${createHash('sha256').update(diff).digest('hex').slice(0, 12)}` };
}

export function sameBuild(a: BuildInfo, b: BuildInfo): boolean {
  return a.version === b.version && a.commit === b.commit;
}

export function describeBuild(build: BuildInfo): string {
  return `pathwise ${build.version} (${build.commit === 'unknown' ? 'no git commit' : `commit ${build.commit}`})`;
}
