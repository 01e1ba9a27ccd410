import { join } from 'node:path';
import type { Command } from 'commander';
import { ConfigError, NonFiniteError } from '@pathwise/core';
import { csvHeader, csvRow, ensureDirectory, linePlotSvg, writeFileAtomic, writeJsonAtomic, writePlot } from '@pathwise/report/node';
import { CHAOS_METHODS, CHAOS_SYSTEMS, chaosStudy, makePropagator, type ChaosRow, type ChaosSystemName } from '@pathwise/pipps';
import { runStatus } from '@pathwise/runtime';
import { globalOptions, printJson, Progress, setupBackend } from '../context.js';
import { countFlag, countListFlag, LIMITS, listOption, parseFiniteNumber, parseNameList, parseSeedList } from '../flags.js';
import { refuseWithResume, runTrainCommand } from './train.js';

const VARIANCE_COLUMNS = ['T', 'method', 'trace_var', 'spread', 'cosine', 'mean_k_lr', 'nonfinite'] as const;

/** `pathwise pipps chaos` (gradient variance against horizon, PIPPS §3) and `pathwise pipps train` (policy search, §4). */
export function registerPippsCommand(program: Command): void {
  const pipps = program.command('pipps').description('PIPPS: particle gradients (RP, LR, total propagation), the curse-of-chaos study and model-based policy search');
  registerPippsTrain(pipps);

  pipps
    .command('chaos')
    .description('Gradient variance vs horizon for RP, LR and TP (or any registered estimator) with a fixed policy and model; writes variance.csv, summary.json, variance.svg')
    .requiredOption('--system <name>', `${CHAOS_SYSTEMS.join('|')}`)
    .addOption(listOption('--methods <list>', 'comma-separated estimators: rp, lr (lr-loo), tp, gr or any registered estimator', (text) => parseNameList('--methods', text), CHAOS_METHODS))
    .option('--scale <s>', 'a finite number > 0. rnn: the gain β (default 2.4); cartpole/double-pendulum: policy weight scale s, w ~ U(-s, s) (default 1/√50)', (text: string) =>
      parseFiniteNumber('--scale', text, { positive: true }),
    )
    .addOption(listOption('--horizons <list>', `comma-separated horizons, each 1 to ${LIMITS.horizon.max}`, countListFlag('--horizons', 'horizon'), [5, 10, 20, 30]))
    .option('--particles <n>', `particles per gradient estimate, 2 to ${LIMITS.particles.max}`, countFlag('--particles', 'particles', 2), 100)
    .option('--repeats <n>', `independent gradient estimates per horizon and method, 2 to ${LIMITS.repeats.max}`, countFlag('--repeats', 'repeats', 2), 20)
    .requiredOption('--out <dir>', 'output directory')
    .option('--json', 'print the summary as JSON')
    .action(async (flags: { system: string; scale?: number; methods: string[]; horizons: number[]; particles: number; repeats: number; out: string }, command: Command) => {
      const { json, backend, seed } = globalOptions(command);
      if (!CHAOS_SYSTEMS.includes(flags.system as ChaosSystemName)) throw new ConfigError('--system', flags.system, CHAOS_SYSTEMS.join(', '));
      const system = flags.system as ChaosSystemName;
      const { scale, horizons, particles, repeats, methods } = flags;
      if (new Set(methods).size !== methods.length) throw new ConfigError('--methods', methods.join(','), 'comma-separated distinct estimator names, e.g. rp,lr,tp');
      methods.forEach((m) => makePropagator(m)); // unknown names and estimators the tape cannot run fail here
      const active = await setupBackend(backend);
      const progress = new Progress(horizons.length * methods.length, `pipps chaos ${system}`, json);
      const start = performance.now();
      const rows = chaosStudy({
        system,
        ...(scale !== undefined ? { scale } : {}),
        horizons,
        particles,
        repeats,
        seed,
        methods,
        onCell: (done) => progress.tick(done),
      });
      progress.done();
      const wallSeconds = (performance.now() - start) / 1000;
      // Some non-finite estimates at long horizons are what the study measures (the nonfinite
      // column); a table with no finite variance at all measures nothing (e.g. an overflowing scale).
      const finite = rows.filter((r) => Number.isFinite(r.trace_var));
      if (finite.length === 0)
        throw new NonFiniteError(`pipps chaos ${system}${scale !== undefined ? ` (scale ${scale})` : ''}: the gradient variance of every horizon and method`, rows.length, rows.length);
      ensureDirectory(flags.out);

      writeFileAtomic(join(flags.out, 'variance.csv'), csvHeader(VARIANCE_COLUMNS) + rows.map((r) => csvRow(VARIANCE_COLUMNS, tableRow(r))).join(''));
      const summary = {
        system,
        scale: scale ?? null,
        horizons,
        particles,
        repeats,
        methods,
        seed,
        backend: active,
        wall_s: wallSeconds,
        nonfinite_total: rows.reduce((a, r) => a + r.nonfinite, 0),
        rows: rows.map(tableRow),
      };
      writeJsonAtomic(join(flags.out, 'summary.json'), summary);
      writePlot(
        join(flags.out, 'variance.svg'),
        linePlotSvg({
          title: `PIPPS gradient variance vs horizon: ${system}${scale !== undefined ? ` (scale ${scale})` : ''}, P = ${particles}, N = ${repeats}`,
          xLabel: 'horizon T',
          yLabel: 'trace of gradient covariance (log)',
          logY: true,
          series: methods.map((method) => {
            const own = rows.filter((r) => r.method === method);
            return { name: method.toUpperCase(), x: own.map((r) => r.T), y: own.map((r) => r.trace_var) };
          }),
        }),
      );
      if (json) return printJson(summary);
      process.stdout.write(`pipps chaos ${system} on ${active}: P = ${particles}, N = ${repeats}, ${wallSeconds.toFixed(1)} s\n`);
      process.stdout.write(`${'T'.padStart(5)} ${'method'.padEnd(6)} ${'trace_var'.padStart(11)} ${'spread'.padStart(11)} ${'cosine'.padStart(7)} ${'k_LR'.padStart(6)} nonfinite\n`);
      for (const r of rows) {
        process.stdout.write(
          `${String(r.T).padStart(5)} ${r.method.padEnd(6)} ${r.trace_var.toExponential(3).padStart(11)} ${r.spread.toExponential(3).padStart(11)} ${r.cosine.toFixed(3).padStart(7)} ${(Number.isNaN(r.mean_k_lr) ? '-' : r.mean_k_lr.toFixed(3)).padStart(6)} ${r.nonfinite}\n`,
        );
      }
    });
}

function tableRow(r: ChaosRow): Record<(typeof VARIANCE_COLUMNS)[number], string | number> {
  return { T: r.T, method: r.method, trace_var: r.trace_var, spread: r.spread, cosine: r.cosine, mean_k_lr: r.mean_k_lr, nonfinite: r.nonfinite };
}

// ---------------------------------------------------------------------------------------------
// pathwise pipps train: an alias of `pathwise train --algo pipps` that keeps the PIPPS flags.

/** `pipps train` flags and the config keys of the `pipps` algorithm they set (--trials sets its epochs key). */
const PIPPS_FLAG_KEYS = {
  model: 'model',
  particles: 'particles',
  horizon: 'horizon',
  policySteps: 'policySteps',
  evalEpisodes: 'evalEpisodes',
  inducingPoints: 'inducingPoints',
  variancePoints: 'variancePoints',
} as const;

type PippsTrainFlags = { [K in keyof typeof PIPPS_FLAG_KEYS]?: string } & {
  method?: string;
  trials?: number;
  seeds?: number[];
  config?: string;
  resume?: boolean;
  force?: boolean;
  reportOnly?: boolean;
  out: string;
};

/** `--report-only`: where the run(s) in `out` stand, from their files. */
async function reportOnly(out: string, json: boolean): Promise<void> {
  const status = await runStatus(out);
  if (json) return printJson(status);
  for (const s of status) {
    const reward = s.last !== undefined ? `, last reward ${Number(s.last.reward).toPrecision(5)}` : '';
    process.stdout.write(`seed ${s.seed}: ${s.epochs_done}/${s.epochs} trials checkpointed${s.finished ? ' (finished)' : ''}${reward}; plot in ${s.dir}\n`);
  }
}

function registerPippsTrain(pipps: Command): void {
  pipps
    .command('train')
    .description('Model-based policy search on the noisy cart-pole swing-up (PIPPS §4): `pathwise train --algo pipps` with the PIPPS flags (one epoch is one trial)')
    .option('--method <name>', "particle gradient estimator (sets the config key 'estimator'): rp, lr, tp or gr")
    .option('--model <name>', 'dynamics model: gp, ensemble or true')
    .option('--trials <n>', `learned trials after the random one, 1 to ${LIMITS.trials.max} (sets the epochs)`, countFlag('--trials', 'trials'))
    .option('--particles <n>', 'particles P per gradient')
    .option('--horizon <n>', 'model rollout horizon T')
    .option('--policy-steps <n>', 'policy gradient steps per trial')
    .option('--eval-episodes <n>', 'real evaluation episodes per trial')
    .option('--inducing-points <n>', 'gp: most data points the predictive mean uses (exact below, DTC above)')
    .option('--variance-points <n>', 'gp: most points the predictive variance conditions on (subset of data)')
    .option('--seeds <list>', 'comma-separated seeds in [0, 2^32), run in parallel worker threads into DIR/seed-<n> (default: --seed)', (text: string) => parseSeedList('--seeds', text))
    .option('--config <file>', 'JSON or YAML overrides of the pipps config (a plugins: list is imported first)')
    .option('--resume', 'continue the run(s) in --out from their checkpoints (settings come from DIR/config.json)')
    .option('--force', 'replace an existing run in --out')
    .option('--report-only', 'train nothing: print the progress of the run(s) in --out from their checkpoints and redraw their reward.svg')
    .requiredOption('--out <dir>', 'output directory')
    .option('--json', 'print the summary as JSON')
    .addHelpText('after', "\nDefaults are the pipps algorithm's (pathwise algos --json). Same as: pathwise train --algo pipps --env cartpole-pilco ...")
    .action(async (flags: PippsTrainFlags, command: Command) => {
      if (flags.reportOnly) return reportOnly(flags.out, globalOptions(command).json);
      if (flags.resume) {
        refuseWithResume(command, [...Object.keys(PIPPS_FLAG_KEYS), 'method', 'trials', 'seeds', 'config', 'force']);
        return runTrainCommand({ algo: 'pipps', resume: flags.out }, command);
      }
      const overrides: Record<string, unknown> = {};
      for (const [flag, key] of Object.entries(PIPPS_FLAG_KEYS)) {
        const text = flags[flag as keyof typeof PIPPS_FLAG_KEYS];
        if (text !== undefined) overrides[key] = key === 'model' ? text : parseFiniteNumber(`--${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, text);
      }
      await runTrainCommand(
        {
          algo: 'pipps',
          env: 'cartpole-pilco',
          out: flags.out,
          overrides,
          ...(flags.method !== undefined ? { estimator: flags.method } : {}),
          ...(flags.trials !== undefined ? { epochs: flags.trials } : {}),
          ...(flags.seeds !== undefined ? { seeds: flags.seeds } : {}),
          ...(flags.config !== undefined ? { config: flags.config } : {}),
          ...(flags.force ? { force: true } : {}),
        },
        command,
      );
    });
}
