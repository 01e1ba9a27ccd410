import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** scripts/bench/<name>, found by walking up from this module (it ships with the repository, not the npm package). */
export function benchScript(name: string): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'scripts', 'bench', name);
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  return undefined;
}

/** The PyTorch scripts' exit code when torch cannot be imported. */
const TORCH_MISSING_EXIT = 3;

/**
 * Runs a PyTorch reference script of scripts/bench and parses the JSON it prints; an error message
 * instead when the script, python3 or torch is missing. The first python3 on PATH may be a pyenv or
 * venv one without torch; Debian's python3-torch is /usr/bin's. PATHWISE_PYTHON names the one
 * interpreter to use instead.
 */
export function runTorchScript<T>(name: string, args: string[]): { value: T } | { error: string } {
  const script = benchScript(name);
  if (script === undefined) return { error: `scripts/bench/${name} not found (it is in the pathwise repository, not in the npm package)` };
  const pythons = process.env['PATHWISE_PYTHON'] ? [process.env['PATHWISE_PYTHON']] : ['python3', '/usr/bin/python3'];
  let run: SpawnSyncReturns<string> | undefined;
  for (const python of pythons) {
    run = spawnSync(python, [script, ...args], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    if (run.error === undefined && run.status !== TORCH_MISSING_EXIT) break;
  }
  if (run!.error !== undefined) return { error: `python3 could not be run: ${run!.error.message}` };
  if (run!.status !== 0) return { error: (run!.stderr.trim().split('\n').pop() ?? '') || `${name} exited with ${run!.status}` };
  try {
    return { value: JSON.parse(run!.stdout) as T };
  } catch {
    return { error: `${name} printed no JSON` };
  }
}
