import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '@pathwise/core';
import { finishedRuns, GRID_JSON, loadPlugins, readGrid, sweep, writeSweepTables, type SweepGrid } from '@pathwise/runtime';
import { builtinsModule, globalOptions, printJson, Progress } from '../context.js';
import { countFlag, LIMITS, listOption, parseNameList, parseRedisUrl, parseSeedList } from '../flags.js';
import { checkQueueFlags, runQueuedSweep } from './sweep-queue.js';
import { parseEpochs } from './train.js';
import { commandStop, reportInterrupted } from '../outcome.js';

interface SweepFlags {
  grid?: string;
  algos?: string[];
  envs?: string[];
  seeds: number[];
  epochs?: number;
  estimator?: string;
  workers?: number;
  out: string;
  reportOnly?: boolean;
  queue?: string;
  detach?: boolean;
  status?: boolean;
}

export function registerSweepCommand(program: Command): void {
  program
    .command('sweep')
    .description('Run algorithms × envs × seeds in a worker pool; resumable; writes table.csv, table.md and one <env>.svg per env')
    .option('--grid <file>', 'grid.json with {algos, envs, seeds, epochs?, estimator?, backend?, overrides?, plugins?}')
    .option('--algos <list>', 'comma-separated algorithms or variants (pathwise algos lists them)', (text: string) => parseNameList('--algos', text))
    .option('--envs <list>', 'comma-separated envs', (text: string) => parseNameList('--envs', text))
    .addOption(listOption('--seeds <list>', 'comma-separated seeds in [0, 2^32)', (text) => parseSeedList('--seeds', text), [1, 2, 3]))
    .option('--epochs <n>', `epochs per run, 1 to ${LIMITS.epochs.max} (sets each algorithm's epochs key; default: each config's own)`, parseEpochs('--epochs'))
    .option('--estimator <name>', "sets the config key 'estimator' of every run")
    .option('--workers <n>', `parallel runs, 1 to ${LIMITS.workers.max} (default: one per core)`, countFlag('--workers', 'workers'))
    .option('--report-only', 'write table.csv, table.md and the plots from the finished runs, run nothing')
    .option('--queue <url>', 'enqueue the runs in this Redis (redis://HOST:PORT[/DB]) for `pathwise worker`s on any machine, then follow them; --out must be a shared directory', (text: string) =>
      parseRedisUrl('--queue', text),
    )
    .option('--detach', 'with --queue: return once the runs are enqueued (the worker that finishes the last run writes the tables)')
    .option('--status', 'with --queue: say where the sweep in --out stands, and write its tables once it is complete')
    .requiredOption('--out <dir>', 'sweep directory')
    .option('--json', 'print the table as JSON')
    .action(async (flags: SweepFlags, command: Command) => {
      const { json, backend, plugins } = globalOptions(command);
      checkQueueFlags(flags);
      const gridPath = join(flags.out, GRID_JSON);
      let grid: SweepGrid;
      if (flags.grid) grid = readGrid(flags.grid);
      else if (!flags.algos && !flags.envs && existsSync(gridPath)) grid = readGrid(gridPath);
      else {
        if (!flags.algos || !flags.envs) throw new ConfigError('--algos/--envs', flags.algos ?? flags.envs, 'both lists (or --grid FILE, or an existing sweep directory)');
        grid = {
          algos: flags.algos,
          envs: flags.envs,
          seeds: flags.seeds,
          backend,
          ...(flags.epochs !== undefined ? { epochs: flags.epochs } : {}),
          ...(flags.estimator !== undefined ? { estimator: flags.estimator } : {}),
        };
      }
      grid.backend ??= backend;
      // --plugin adds to the grid's own plugins; every run records and re-imports them.
      const records = await loadPlugins([...(grid.plugins ?? []), ...plugins]);
      if (records.length > 0) grid.plugins = records;

      if (flags.reportOnly) {
        const table = writeSweepTables(flags.out, grid);
        const runs = grid.envs.length * grid.algos.length * grid.seeds.length;
        process.stderr.write(`sweep report: ${finishedRuns(flags.out, grid)} of ${runs} runs finished\n`);
        if (json) return printJson(table);
        process.stdout.write(readFileSync(join(flags.out, 'table.md'), 'utf8'));
        return;
      }
      if (flags.queue) return runQueuedSweep({ url: flags.queue, out: flags.out, grid, json, detach: Boolean(flags.detach), status: Boolean(flags.status) });
      let progress: Progress | undefined;
      let runsDone = 0;
      let runsToDo = 0;
      let epochShare = '';
      const stop = commandStop();
      const result = await sweep(flags.out, grid, {
        preload: [builtinsModule()],
        stop,
        ...(flags.workers !== undefined ? { concurrency: flags.workers } : {}),
        onPlan: (plan) => {
          runsToDo = plan.toRun;
          process.stderr.write(`sweep: ${plan.runs} runs, ${plan.finished} already finished, ${plan.toRun} to run\n`);
          progress = new Progress(plan.toRun, 'sweep', json);
        },
        onEpoch: (_report, at) => {
          epochShare = `(${((100 * at.done) / Math.max(1, at.total)).toFixed(1)}% of the epochs)`;
          progress?.update(runsDone, runsToDo, epochShare);
        },
        onRunDone: (done) => {
          runsDone = done;
          progress?.update(runsDone, runsToDo, epochShare);
        },
      });
      progress?.done();
      if (result.interrupted) {
        reportInterrupted(
          stop,
          `every run wrote a checkpoint. Run \`pathwise sweep --out ${flags.out}\` again to continue: finished runs are skipped, interrupted ones resume from their checkpoints.`,
        );
        return;
      }
      if (json) return printJson(result.rows);
      process.stdout.write(readFileSync(join(flags.out, 'table.md'), 'utf8'));
    });
}
