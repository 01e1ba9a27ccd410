import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '@pathwise/core';
import { getEnv } from '@pathwise/envs';
import { ALGORITHM_NAMES, type AlgorithmName } from '@pathwise/gippo';
import {
  csvHeader,
  csvRow,
  formatMeanStd,
  isRunFinished,
  markdownTable,
  readSummary,
  writeFileAtomic,
  writeJsonAtomic,
  writePlot,
  type RunSummary,
} from '@pathwise/report/node';
import { globalOptions, printJson, Progress } from '../context.js';
import { defaultConcurrency, runPool, type RunTask } from '../train/pool.js';
import { combineSummaries, meanCurve, rewardPlotSvg } from '../train/combine.js';
import { parseAlgo, parseSeeds } from './train.js';

/** A sweep grid (grid.json): algorithms × envs × seeds, with shared overrides. */
export interface SweepGrid {
  algos: AlgorithmName[];
  envs: string[];
  seeds: number[];
  epochs?: number;
  backend: string;
  overrides?: Record<string, unknown>;
}

export function runDir(out: string, env: string, algo: string, seed: number): string {
  return join(out, 'runs', env, algo, `seed-${seed}`);
}

export function registerSweepCommand(program: Command): void {
  program
    .command('sweep')
    .description('Run algorithms × envs × seeds in a worker pool; resumable; writes table.csv, table.md and one <env>.svg per env')
    .option('--grid <file>', 'grid.json with {algos, envs, seeds, epochs?, backend?, overrides?}')
    .option('--algos <list>', `comma-separated algorithms (${ALGORITHM_NAMES.join(', ')})`)
    .option('--envs <list>', 'comma-separated envs')
    .option('--seeds <list>', 'comma-separated seeds', '1,2,3')
    .option('--epochs <n>', 'epochs per run (default: each config\'s own)')
    .option('--workers <n>', 'parallel runs (default: one per core)')
    .option('--report-only', 'write table.csv, table.md and the plots from the finished runs, run nothing')
    .requiredOption('--out <dir>', 'sweep directory')
    .option('--json', 'print the table as JSON')
    .action(async (flags: { grid?: string; algos?: string; envs?: string; seeds: string; epochs?: string; workers?: string; out: string; reportOnly?: boolean }, command: Command) => {
      const { json, backend } = globalOptions(command);
      const gridPath = join(flags.out, 'grid.json');
      let grid: SweepGrid;
      if (flags.grid) grid = JSON.parse(readFileSync(flags.grid, 'utf8')) as SweepGrid;
      else if (!flags.algos && !flags.envs && existsSync(gridPath)) grid = JSON.parse(readFileSync(gridPath, 'utf8')) as SweepGrid;
      else {
        if (!flags.algos || !flags.envs) throw new ConfigError('--algos/--envs', flags.algos ?? flags.envs, 'both lists (or --grid FILE, or an existing sweep directory)');
        grid = {
          algos: flags.algos.split(',').map((a) => parseAlgo(a.trim())),
          envs: flags.envs.split(',').map((e) => e.trim()),
          seeds: parseSeeds(flags.seeds, 1),
          backend,
          ...(flags.epochs ? { epochs: Number(flags.epochs) } : {}),
        };
      }
      grid.backend ??= backend;
      grid.algos.forEach(parseAlgo);
      grid.envs.forEach((e) => getEnv(e));
      mkdirSync(flags.out, { recursive: true });
      if (!flags.reportOnly) writeJsonAtomic(gridPath, grid);

      // The unit of work is a self-contained run directory: finished ones are skipped, interrupted ones resumed.
      // Seed-major order: a partial sweep already has every env × algorithm cell for its first seeds.
      const tasks: RunTask[] = [];
      for (const seed of grid.seeds) {
        for (const env of grid.envs) {
          for (const algo of grid.algos) {
            const dir = runDir(flags.out, env, algo, seed);
            if (isRunFinished(dir)) continue;
            const overrides = { ...(grid.overrides ?? {}), ...(grid.epochs ? { epochs: grid.epochs } : {}) };
            tasks.push({ algo, env, seed, backend: grid.backend, out: dir, overrides, resume: existsSync(join(dir, 'config.json')) });
          }
        }
      }
      const totalRuns = grid.envs.length * grid.algos.length * grid.seeds.length;
      if (flags.reportOnly) {
        const table = writeSweepTables(flags.out, grid);
        process.stderr.write(`sweep report: ${totalRuns - tasks.length} of ${totalRuns} runs finished\n`);
        if (json) return printJson(table);
        process.stdout.write(readFileSync(join(flags.out, 'table.md'), 'utf8'));
        return;
      }
      process.stderr.write(`sweep: ${totalRuns} runs, ${totalRuns - tasks.length} already finished, ${tasks.length} to run\n`);
      const progress = new Progress(tasks.length, 'sweep', json);
      const epochsDone = new Array<number>(tasks.length).fill(0);
      const epochsTotal = new Array<number>(tasks.length).fill(0);
      let finished = 0;
      await runPool(tasks, flags.workers ? Number(flags.workers) : defaultConcurrency(), {
        resumeHint: `Run \`pathwise sweep --out ${flags.out}\` again to continue: finished runs are skipped, interrupted ones resume from their checkpoints.`,
        onEpoch: (task, epoch, total) => {
          epochsDone[task] = epoch;
          epochsTotal[task] = total;
          const fraction = epochsDone.reduce((a, b) => a + b, 0) / Math.max(1, epochsTotal.reduce((a, b) => a + b, 0));
          progress.update(finished, tasks.length, `(${(100 * fraction).toFixed(1)}% of started runs' epochs)`);
        },
        onDone: () => {
          finished++;
          progress.update(finished, tasks.length);
        },
      });
      progress.done();
      const table = writeSweepTables(flags.out, grid);
      if (json) return printJson(table);
      process.stdout.write(readFileSync(join(flags.out, 'table.md'), 'utf8'));
    });
}

/** table.csv, table.md and <env>.svg from the finished runs of a sweep directory. */
export function writeSweepTables(out: string, grid: SweepGrid) {
  const rows: Array<Record<string, string | number>> = [];
  for (const env of grid.envs) {
    const series = [];
    for (const algo of grid.algos) {
      const dirs = grid.seeds.map((s) => runDir(out, env, algo, s)).filter((d) => isRunFinished(d));
      if (dirs.length === 0) continue;
      const summary = combineSummaries(dirs.map((d) => readSummary(d) as RunSummary), 0);
      rows.push({
        env,
        algo,
        seeds: dirs.length,
        best_mean: summary.best_reward.mean,
        best_std: summary.best_reward.std,
        final_mean: summary.final_reward.mean,
        final_std: summary.final_reward.std,
      });
      series.push(meanCurve(algo, dirs));
    }
    if (series.length > 0) {
      writePlot(join(out, `${env}.svg`), rewardPlotSvg(`${env}: mean ± std over seeds`, series));
    }
  }
  const columns = ['env', 'algo', 'seeds', 'best_mean', 'best_std', 'final_mean', 'final_std'];
  writeFileAtomic(join(out, 'table.csv'), csvHeader(columns) + rows.map((r) => csvRow(columns, r)).join(''));
  writeFileAtomic(
    join(out, 'table.md'),
    markdownTable(
      ['env', 'algo', 'seeds', 'best reward (mean ± std)', 'final reward (mean ± std)'],
      rows.map((r) => [String(r.env), String(r.algo), String(r.seeds), formatMeanStd(Number(r.best_mean), Number(r.best_std), 4), formatMeanStd(Number(r.final_mean), Number(r.final_std), 4)]),
    ),
  );
  return rows;
}
