// Runs the built `pathwise` binary (npm test builds first) the way a user's shell would.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export const bin = join(__dirname, '..', '..', 'dist', 'bin.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `pathwise args` in `cwd` to the end. */
export function pathwise(cwd: string, args: string[], options: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [bin, ...args],
      { cwd, encoding: 'utf8', timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 * 2 ** 20, env: { ...process.env, ...options.env } },
      (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin!.end(options.input);
  });
}

/** Starts `pathwise args` in `cwd` and returns the child (and a promise of its result). */
export function startPathwise(cwd: string, args: string[]): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [bin, ...args], { cwd });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const done = new Promise<CliResult>((resolve) => child.on('exit', (code, signal) => resolve({ code: code ?? (signal ? -1 : null), stdout, stderr })));
  return { child, done };
}

/** Resolves once `predicate` holds (polled every 20 ms); rejects after `timeoutMs`. */
export function waitFor(predicate: () => boolean, timeoutMs = 60_000, what = 'a condition'): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      let ok = false;
      try {
        ok = predicate();
      } catch {
        ok = false;
      }
      if (ok) {
        clearInterval(poll);
        resolve();
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(poll);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }
    }, 20);
  });
}

/** Every file under `dir` with the SHA-256 of its content (directories end in `/`), by relative path. */
export function snapshot(dir: string, root = dir): Record<string, string> {
  const files: Record<string, string> = {};
  if (!existsSync(dir)) return files;
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const key = relative(root, path);
    if (statSync(path).isDirectory()) {
      files[`${key}/`] = 'dir';
      Object.assign(files, snapshot(path, root));
    } else {
      files[key] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  }
  return files;
}

/** The epochs of DIR/metrics.csv, in order. */
export function metricEpochs(dir: string): number[] {
  return readFileSync(join(dir, 'metrics.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => Number(line.split(',')[0]));
}

/** The single line a failing command must print: `pathwise: …`, no stack trace. */
export function oneLine(result: CliResult): string {
  const lines = result.stderr.split('\n').filter((line) => line.length > 0);
  if (lines.length !== 1 || !lines[0]!.startsWith('pathwise: ') || /^ {4}at /m.test(result.stderr)) {
    throw new Error(`expected one 'pathwise: ' line on stderr, got:\n${result.stderr}`);
  }
  return lines[0]!;
}
