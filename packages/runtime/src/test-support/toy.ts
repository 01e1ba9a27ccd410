// A deterministic toy algorithm for the runtime's tests, written as a plugin module so worker
// threads (which do not share the test's imports) can load it too.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const CORE_URL = pathToFileURL(fileURLToPath(new URL('../../../core/dist/index.js', import.meta.url))).href;
export const BACKEND_CPU_URL = pathToFileURL(fileURLToPath(new URL('../../../backend-cpu/dist/index.js', import.meta.url))).href;

/**
 * Plugin source registering `name` (variant `<name>-big`): a seeded random walk of x towards 0,
 * reward −x², columns x and step_size. Config: epochs, step, delayMs (sleep per epoch),
 * checkpointEvery, and `estimator` when `withEstimator` (a key some algorithms lack).
 */
export function toyPluginSource(name: string, options: { withEstimator?: boolean; epochsKey?: string } = {}): string {
  const epochsKey = options.epochsKey ?? 'epochs';
  return `
import { defineAlgorithm, registerAlgorithm, Rng } from '${CORE_URL}';
registerAlgorithm(defineAlgorithm({
  name: ${JSON.stringify(name)},
  description: 'seeded random walk towards 0 (runtime tests)',
  configSchema: {
    ${epochsKey}: { type: 'integer', min: 0 },
    step: { type: 'number', min: 0 },
    delayMs: { type: 'integer', min: 0 },
    checkpointEvery: { type: 'integer', min: 1 },
    ${options.withEstimator ? "estimator: { type: 'string', enum: ['lr', 'rp'] }," : ''}
  },
  ${options.epochsKey ? `epochsKey: ${JSON.stringify(epochsKey)},` : ''}
  defaultProblem: 'ackley',
  defaults: (problem) => ({ ${epochsKey}: 3, step: problem === 'dejong' ? 0.5 : 1, delayMs: 0, checkpointEvery: 1${options.withEstimator ? ", estimator: 'lr'" : ''} }),
  epochs: (c) => c.${epochsKey},
  checkpointEvery: (c) => c.checkpointEvery,
  variants: { ${JSON.stringify(`${name}-big`)}: { description: 'bigger steps', preset: { step: 2 } } },
  columns: () => ['x', 'step_size'],
  create: ({ config, rng, problem }) => {
    let random = rng;
    let x = 1 + random.uniform();
    let epoch = 0;
    let best = -Infinity;
    return {
      async epoch() {
        if (config.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, config.delayMs));
        x += config.step * (random.uniform() - 0.5) - 0.1 * x;
        epoch++;
        const reward = -x * x;
        best = Math.max(best, reward);
        return { epoch, steps: epoch * problem.episodeLength, reward, best_reward: best, x, step_size: config.step };
      },
      async state() { return { rng: random.state(), x, epoch, best }; },
      load(state) { random = Rng.fromState(state.rng); x = state.x; epoch = state.epoch; best = state.best; },
      dispose() {},
    };
  },
}));
`;
}

export function tempDir(prefix = 'pathwise-runtime-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes a toy plugin module into `dir` and returns its path. */
export function writeToyPlugin(dir: string, name: string, options: Parameters<typeof toyPluginSource>[1] = {}): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.mjs`);
  writeFileSync(file, toyPluginSource(name, options));
  return file;
}

export const lines = (dir: string, file = 'metrics.csv') => readFileSync(join(dir, file), 'utf8').trim().split('\n');
export const json = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

/** metrics.csv lines without the wall_s column, which measures time. */
export function withoutWall(rows: string[]): string[] {
  const wall = rows[0]!.split(',').indexOf('wall_s');
  return rows.map((line) =>
    line
      .split(',')
      .filter((_, i) => i !== wall)
      .join(','),
  );
}

/** A summary without wall_s. */
export function summaryWithoutWall(summary: Record<string, unknown>): Record<string, unknown> {
  const { wall_s: _wall, ...rest } = summary;
  return rest;
}
