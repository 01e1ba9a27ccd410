import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '@pathwise/core';
import { ALGORITHM_NAMES, type AlgorithmName } from '@pathwise/gippo';
import { getEnv } from '@pathwise/envs';
import { writePlot, writeSummary } from '@pathwise/report/node';
import { globalOptions, printJson, Progress } from '../context.js';
import { readConfigFile, runTraining, type RunResult } from '../train/run.js';
import { defaultConcurrency, runPool } from '../train/pool.js';
import { combineSummaries, meanCurve, rewardPlotSvg, seedDir } from '../train/combine.js';

export function parseSeeds(text: string | undefined, fallback: number): number[] {
  if (text === undefined) return [fallback];
  const seeds = text.split(',').map((s) => Number(s.trim()));
  if (seeds.length === 0 || seeds.some((s) => !Number.isInteger(s) || s < 0)) throw new ConfigError('--seeds', text, 'comma-separated non-negative integers, e.g. 1,2,3');
  return [...new Set(seeds)];
}

export function parseAlgo(name: string): AlgorithmName {
  if (!ALGORITHM_NAMES.includes(name as AlgorithmName)) throw new ConfigError('--algo', name, `one of ${ALGORITHM_NAMES.join(', ')}`);
  return name as AlgorithmName;
}

interface TrainFlags {
  algo: string;
  env: string;
  epochs?: string;
  seeds?: string;
  config?: string;
  out?: string;
  resume?: string;
  force?: boolean;
  json?: boolean;
}

export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description('Train LR, RP, LR+RP, PPO or GI-PPO on an env; writes a run directory (config.json, metrics.csv, summary.json, reward.svg, checkpoint/)')
    .option('--algo <name>', `algorithm: ${ALGORITHM_NAMES.join(', ')}`, 'gippo')
    .option('--env <name>', 'environment (pathwise envs lists them)', 'dejong64')
    .option('--epochs <n>', 'epochs to train (default: the config\'s own, 2001 for the function problems)')
    .option('--seeds <list>', 'comma-separated seeds, run in parallel worker threads (default: --seed)')
    .option('--config <file>', 'JSON or YAML overrides (reference key names accepted)')
    .option('--out <dir>', 'run directory (default runs/<env>-<algo>)')
    .option('--resume <dir>', 'continue an interrupted run in <dir>')
    .option('--force', 'replace an existing run in --out')
    .option('--json', 'print summary.json to stdout')
    .action(async (flags: TrainFlags, command: Command) => {
      const { json, backend, seed } = globalOptions(command);
      const resumeDir = flags.resume;
      const out = resumeDir ?? flags.out ?? join('runs', `${flags.env}-${flags.algo}`);
      const algo = parseAlgo(flags.algo);
      if (flags.force && resumeDir === undefined) rmSync(out, { recursive: true, force: true });
      if (resumeDir === undefined) getEnv(flags.env); // unknown names fail here, listing the envs
      const overrides = flags.config ? await readConfigFile(flags.config) : {};
      if (flags.epochs !== undefined) {
        const epochs = Number(flags.epochs);
        if (!Number.isInteger(epochs) || epochs < 1) throw new ConfigError('--epochs', flags.epochs, 'a positive integer');
        overrides.epochs = epochs;
      }
      const resumedSeeds = resumeDir !== undefined ? seedsInDir(resumeDir) : [];
      const seeds = resumedSeeds.length > 0 ? resumedSeeds : parseSeeds(flags.seeds, seed);
      const start = performance.now();
      if (seeds.length === 1 && resumedSeeds.length === 0) {
        const progress = new Progress(1, `${algo} ${flags.env}`, json);
        let stop = false;
        const onSignal = () => {
          stop = true;
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
        let result: RunResult;
        try {
          result = await runTraining({
            algo,
            env: flags.env,
            seed: seeds[0]!,
            backend,
            out,
            overrides,
            resume: resumeDir !== undefined,
            onEpoch: (epoch, total, reward) => progress.update(epoch, total, `reward ${reward.toPrecision(4)}`),
            shouldStop: () => stop,
          });
        } finally {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          progress.done();
        }
        if (result.interrupted) {
          process.stderr.write(`interrupted: checkpoint written; continue with  pathwise train --resume ${out}\n`);
          process.exitCode = 130;
          return;
        }
        if (json) return printJson(result.summary);
        const s = result.summary!;
        process.stdout.write(`${algo} on ${flags.env} (seed ${s.seed}, ${s.backend}): best reward ${s.best_reward.toPrecision(5)}, final ${s.final_reward.toPrecision(5)}, ${s.epochs} epochs in ${s.wall_s.toFixed(1)} s\n`);
        process.stdout.write(`run directory: ${out}\nplot: ${join(out, 'reward.svg')}\n`);
        return;
      }

      // Several seeds: one worker per seed (up to the core count), one run directory per seed.
      const progress = new Progress(seeds.length, `${algo} ${flags.env} x${seeds.length} seeds`, json);
      const done = new Array<number>(seeds.length).fill(0);
      let total = 0;
      const results = await runPool(
        seeds.map((s) => ({ algo, env: flags.env, seed: s, backend, out: seedDir(out, s), overrides, resume: resumeDir !== undefined })),
        defaultConcurrency(),
        {
          resumeHint: `Continue with \`pathwise train --resume ${out}\`.`,
          onEpoch: (task, epoch, epochs) => {
            done[task] = epoch;
            total = epochs * seeds.length;
            progress.update(done.reduce((a, b) => a + b, 0), total);
          },
        },
      );
      progress.done();
      const summary = combineSummaries(results.map((r) => r.summary!), (performance.now() - start) / 1000);
      writeSummary(out, summary);
      writePlot(
        join(out, 'reward.svg'),
        rewardPlotSvg(`${algo} on ${flags.env}: mean ± std over ${seeds.length} seeds`, [meanCurve(algo, seeds.map((s) => seedDir(out, s)))]),
      );
      if (json) return printJson(summary);
      process.stdout.write(
        `${algo} on ${flags.env}, seeds ${seeds.join(',')}: best reward ${summary.best_reward.mean.toPrecision(5)} ± ${summary.best_reward.std.toPrecision(3)}, final ${summary.final_reward.mean.toPrecision(5)} ± ${summary.final_reward.std.toPrecision(3)}\n`,
      );
      process.stdout.write(`run directory: ${out}\nplot: ${join(out, 'reward.svg')}\n`);
    });
}

/** Seeds of a several-seed run directory (its `seed-<n>/` folders). */
function seedsInDir(dir: string): number[] {
  if (!existsSync(dir) || existsSync(join(dir, 'config.json'))) return [];
  return readdirSync(dir)
    .map((name) => /^seed-(\d+)$/.exec(name)?.[1])
    .filter((s): s is string => s !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}
