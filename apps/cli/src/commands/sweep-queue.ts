// `pathwise sweep --queue redis://…`: enqueue the sweep's runs for `pathwise worker`s, then follow
// them (or --detach), or say where the sweep stands (--status). @pathwise/queue (BullMQ, ioredis) is
// imported only here, so commands without --queue never load it.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, PathwiseError } from '@pathwise/core';
import { writeSweepTables, type SweepGrid } from '@pathwise/runtime';
import type { BuildInfo, SweepQueue, SweepStatus } from '@pathwise/queue';
import cliPackage from '../../package.json';
import { printJson, Progress } from '../context.js';

/** --detach and --status only mean something with --queue. */
export function checkQueueFlags(flags: { queue?: string; detach?: boolean; status?: boolean; workers?: number }): void {
  if (flags.queue !== undefined) {
    if (flags.workers !== undefined) throw new ConfigError('--workers', flags.workers, 'no --workers with --queue: each `pathwise worker --concurrency N` says how many runs it takes');
    return;
  }
  for (const flag of ['detach', 'status'] as const) {
    if (flags[flag]) throw new ConfigError(`--${flag}`, true, '--queue redis://HOST:PORT[/DB] as well (it applies to sweeps on a queue)');
  }
}

/**
 * The version of this CLI (inlined at build time) and the git commit of the checkout it runs from:
 * jobs carry it, workers compare.
 */
export async function pathwiseBuild(): Promise<BuildInfo> {
  const { buildInfo } = await import('@pathwise/queue');
  return buildInfo(cliPackage.version, dirname(cliEntry()));
}

/** The file this CLI was started from (dist/bin.js, or a bundle of it): what a worker runs its runs with. */
export function cliEntry(): string {
  const bin = fileURLToPath(new URL('./bin.js', import.meta.url));
  return existsSync(bin) ? bin : process.argv[1]!;
}

export interface QueuedSweepRequest {
  url: string;
  out: string;
  grid: SweepGrid;
  json: boolean;
  detach: boolean;
  status: boolean;
}

export async function runQueuedSweep(request: QueuedSweepRequest): Promise<void> {
  const { SweepQueue } = await import('@pathwise/queue');
  const { url, out, grid, json } = request;
  const queue = await SweepQueue.connect(url);
  try {
    if (request.status) {
      const status = await queue.status(out, grid);
      const wrote = status.completed === status.total && writeMissingTables(out, grid);
      if (json) return printJson(status);
      process.stdout.write(describeStatus(out, status));
      if (wrote) process.stdout.write(`wrote the tables: ${join(out, 'table.md')}\n`);
      return;
    }
    const result = await queue.enqueue(out, grid, await pathwiseBuild());
    process.stderr.write(`sweep: ${result.total} runs, ${result.finished} already finished, ${result.queued} enqueued, ${result.alreadyQueued} already in the queue at ${url}\n`);
    if (request.detach) {
      process.stderr.write(`detached: \`pathwise worker --queue ${url}\` runs them on any machine that sees ${out}; \`pathwise sweep --queue ${url} --status --out ${out}\` says where they stand\n`);
      if (json) printJson(result);
      return;
    }
    await follow(queue, out, grid, json);
  } finally {
    await queue.close();
  }
}

/** Polls the sweep's status until every run has finished (then writes and prints the tables) or nothing is left to run. */
async function follow(queue: SweepQueue, out: string, grid: SweepGrid, json: boolean): Promise<void> {
  const progress = new Progress(0, 'sweep', json);
  let status: SweepStatus;
  for (;;) {
    status = await queue.status(out, grid);
    const running = status.runs.filter((r) => r.state === 'active').map((r) => `${runLabel(out, r.dir)} ${r.epoch}/${r.epochs}`);
    progress.update(status.completed, status.total, running.join(', '));
    if (status.completed === status.total || (status.active === 0 && status.waiting === 0)) break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  progress.done();
  if (status.completed < status.total) {
    const stuck = status.runs.filter((r) => r.state === 'failed' || r.state === 'missing');
    throw new PathwiseError(
      `${stuck.length} run(s) of ${out} did not finish: ${stuck.map((r) => `${runLabel(out, r.dir)} (${r.state}${r.reason ? `: ${r.reason}` : ''})`).join('; ')}. Fix the cause and run the same command again: finished runs are kept, failed ones retried.`,
    );
  }
  const rows = writeSweepTables(out, grid);
  if (json) return printJson(rows);
  process.stdout.write(readFileSync(join(out, 'table.md'), 'utf8'));
}

/** table.csv, table.md and the <env>.svg plots, if any is missing (the worker that finished the last run normally wrote them). */
function writeMissingTables(out: string, grid: SweepGrid): boolean {
  const files = ['table.csv', 'table.md', ...grid.envs.map((env) => `${env}.svg`)];
  if (files.every((file) => existsSync(join(out, file)))) return false;
  writeSweepTables(out, grid);
  return true;
}

/** env/algo/seed-<n>: the run directory under DIR/runs. */
function runLabel(out: string, dir: string): string {
  return relative(join(resolve(out), 'runs'), dir);
}

function describeStatus(out: string, status: SweepStatus): string {
  const head = `${out}: ${status.total} runs, ${status.completed} completed, ${status.active} active, ${status.waiting} waiting, ${status.failed} failed${status.missing ? `, ${status.missing} not in the queue` : ''}\n`;
  const width = Math.max(...status.runs.map((r) => runLabel(out, r.dir).length));
  const lines = status.runs.map((r) =>
    `  ${runLabel(out, r.dir).padEnd(width)}  ${r.state.padEnd(9)} ${`${r.epoch}/${r.epochs}`.padStart(11)}  ${r.worker ?? ''}${r.reason ? `  ${r.reason}` : ''}`.trimEnd(),
  );
  return `${head}${lines.join('\n')}\n`;
}
