import { join } from 'node:path';
import type { Command } from 'commander';
import { algorithms, ConfigError } from '@pathwise/core';
import { defaultProblemOf, loadPlugins, readConfigFile, resume, train, type EpochReport, type TrainResult } from '@pathwise/runtime';
import type { RunChildMessage } from '@pathwise/queue';
import { isMultiSeedSummary, seedStats, type Summary } from '@pathwise/report';
import { builtinsModule, globalOptions, printJson, Progress } from '../context.js';
import { countFlag, LIMITS, parseSeedList } from '../flags.js';
import { commandStop, reportInterrupted } from '../outcome.js';

/**
 * The env a run uses when --env is not given and the algorithm names none of its own
 * (`defaultProblem`), if its defaults accept it; else the first registered env they accept.
 */
export const FALLBACK_ENV = 'dejong64';

/** `--epochs N` of train, sweep and the aliases: a count bounded by LIMITS.epochs. */
export const parseEpochs = (flag: string) => countFlag(flag, 'epochs');

/** What `pathwise train` (and its aliases, e.g. `pipps train`) asks the runtime for. */
export interface TrainCommandRequest {
  algo: string;
  env?: string;
  /** Parsed (parseEpochs). */
  epochs?: number;
  /** Parsed (parseSeedList); default: the global --seed. */
  seeds?: number[];
  /** A JSON or YAML config file (its `plugins:` are imported first). */
  config?: string;
  estimator?: string;
  /** Overrides that win over the config file's (from an alias's own flags). */
  overrides?: Record<string, unknown>;
  out?: string;
  /** Continue the run in this directory. */
  resume?: string;
  force?: boolean;
}

/** Trains (or resumes) through @pathwise/runtime and prints the outcome; sets exit code 130 when interrupted. */
export async function runTrainCommand(request: TrainCommandRequest, command: Command): Promise<void> {
  const { json, backend, seed, plugins } = globalOptions(command);
  let progress: Progress | undefined;
  const onEpoch = (report: EpochReport, at: { done: number; total: number }) => {
    progress ??= new Progress(at.total, report.algo, json);
    progress.update(at.done, at.total, `reward ${report.reward.toPrecision(4)}`);
    // A queue worker runs us with an IPC channel and shows this as the job's progress. When the worker
    // dies (bin.ts then stops the run) a send fails: the callback takes the error, which would
    // otherwise be an 'error' event that ends the process before its checkpoint.
    if (process.send && process.connected) process.send({ type: 'epoch', epoch: report.epoch, epochs: report.epochs } satisfies RunChildMessage, undefined, {}, () => {});
  };
  const stop = commandStop();
  const execution = { preload: [builtinsModule()], onEpoch, stop };
  let result: TrainResult;
  try {
    if (request.resume !== undefined) {
      result = await resume(request.resume, { ...execution, backend });
    } else {
      const file = request.config ? await readConfigFile(request.config) : { overrides: {}, plugins: [] };
      const records = await loadPlugins([...plugins, ...file.plugins]);
      const { algorithm } = algorithms.lookup(request.algo);
      const env = request.env ?? defaultProblemOf(algorithm, [FALLBACK_ENV]) ?? FALLBACK_ENV;
      result = await train({
        algo: request.algo,
        env,
        seeds: request.seeds ?? [seed],
        backend,
        out: request.out ?? join('runs', `${env}-${request.algo}`),
        overrides: { ...file.overrides, ...(request.overrides ?? {}) },
        ...(request.epochs !== undefined ? { epochs: request.epochs } : {}),
        ...(request.estimator !== undefined ? { estimator: request.estimator } : {}),
        plugins: records,
        ...(request.force ? { force: true } : {}),
        ...execution,
      });
    }
  } finally {
    progress?.done();
  }
  if (result.interrupted) {
    reportInterrupted(stop, `checkpoint written; continue with  pathwise train --resume ${result.dir}`);
    return;
  }
  const summary = result.summary!;
  if (json) return printJson(summary);
  process.stdout.write(`${summaryLine(summary)}\n`);
  process.stdout.write(`run directory: ${result.dir}\nplot: ${join(result.dir, 'reward.svg')}\n`);
}

/**
 * The one-line result of `train`. The reward is the smoothed return of finished episodes, NaN until
 * the first one ends (cart-pole: 240 steps, 8 epochs), so a seed without one is named, not averaged in.
 */
export function summaryLine(summary: Summary): string {
  const epochs = `${summary.epochs} epoch${summary.epochs === 1 ? '' : 's'}`;
  if (!isMultiSeedSummary(summary)) {
    return Number.isNaN(summary.best_reward)
      ? `${summary.algo} on ${summary.env} (seed ${summary.seed}, ${summary.backend}): no episode finished in its ${epochs}, so no reward yet (${summary.wall_s.toFixed(1)} s)`
      : `${summary.algo} on ${summary.env} (seed ${summary.seed}, ${summary.backend}): best reward ${summary.best_reward.toPrecision(5)}, final ${summary.final_reward.toPrecision(5)}, ${epochs} in ${summary.wall_s.toFixed(1)} s`;
  }
  const head = `${summary.algo} on ${summary.env}, seeds ${summary.seeds.join(',')}`;
  const finished = summary.seeds.map((_, i) => !Number.isNaN(summary.best_reward.per_seed[i]!));
  const without = summary.seeds.filter((_, i) => !finished[i]);
  if (without.length === summary.seeds.length) return `${head}: no episode finished in ${epochs} of any seed, so no reward yet (${summary.wall_s.toFixed(1)} s)`;
  const stat = (values: number[]) => {
    const s = seedStats(values.filter((_, i) => finished[i]));
    return `${s.mean.toPrecision(5)} ± ${s.std.toPrecision(3)}`;
  };
  const over = without.length === 0 ? '' : ` over the ${summary.seeds.length - without.length} seeds with a finished episode (none yet in seed${without.length === 1 ? '' : 's'} ${without.join(',')})`;
  return `${head}: best reward ${stat(summary.best_reward.per_seed)}, final ${stat(summary.final_reward.per_seed)}${over}`;
}

interface TrainFlags {
  algo: string;
  env?: string;
  epochs?: number;
  seeds?: number[];
  config?: string;
  estimator?: string;
  out?: string;
  resume?: string;
  force?: boolean;
}

/**
 * `--resume DIR` continues DIR exactly as it was started (its config.json): a flag that would
 * change the run (more epochs, another env, --force) is refused rather than ignored.
 */
export function refuseWithResume(command: Command, keys: readonly string[]): void {
  const given = keys.filter((key) => command.getOptionValueSource(key) === 'cli');
  if (given.length === 0) return;
  throw new ConfigError(
    given.map((key) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', '),
    given.map((key) => String(command.getOptionValue(key))).join(' '),
    `nothing with --resume: a resumed run keeps the settings in its config.json (a finished run is not extended; train a new run with more --epochs instead)`,
  );
}

export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description('Train any registered algorithm (pathwise algos) on an env; writes a run directory (config.json, metrics.csv, summary.json, reward.svg, checkpoint/)')
    .option('--algo <name>', 'algorithm or variant (pathwise algos lists them; --plugin adds more)', 'gippo')
    .option('--env <name>', `environment (pathwise envs lists them; default: the algorithm's own problem, else ${FALLBACK_ENV} where it accepts it)`)
    .option('--epochs <n>', `epochs to train, 1 to ${LIMITS.epochs.max} (sets the algorithm's epochs key; default: the config's own)`, parseEpochs('--epochs'))
    .option('--seeds <list>', 'comma-separated seeds in [0, 2^32), run in parallel worker threads (default: --seed)', (text: string) => parseSeedList('--seeds', text))
    .option('--config <file>', "JSON or YAML overrides (the algorithm's key aliases accepted; a plugins: list is imported first)")
    .option('--estimator <name>', "sets the config key 'estimator' (for algorithms that have one)")
    .option('--out <dir>', 'run directory (default runs/<env>-<algo>)')
    .option('--resume <dir>', 'continue an interrupted run in <dir> (its settings and plugins come from its config.json)')
    .option('--force', 'replace an existing run in --out')
    .option('--json', 'print summary.json to stdout')
    .action(async (flags: TrainFlags, command: Command) => {
      if (flags.resume !== undefined) refuseWithResume(command, ['algo', 'env', 'epochs', 'seeds', 'config', 'estimator', 'out', 'force']);
      await runTrainCommand(
        {
          algo: flags.algo,
          ...(flags.env !== undefined ? { env: flags.env } : {}),
          ...(flags.epochs !== undefined ? { epochs: flags.epochs } : {}),
          ...(flags.seeds !== undefined ? { seeds: flags.seeds } : {}),
          ...(flags.config !== undefined ? { config: flags.config } : {}),
          ...(flags.estimator !== undefined ? { estimator: flags.estimator } : {}),
          ...(flags.out !== undefined ? { out: flags.out } : {}),
          ...(flags.resume !== undefined ? { resume: flags.resume } : {}),
          ...(flags.force ? { force: true } : {}),
        },
        command,
      );
    });
}
