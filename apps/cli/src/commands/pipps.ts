import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '@pathwise/core';
import { csvHeader, csvRow, linePlotSvg, writeFileAtomic, writeJsonAtomic, writePlot } from '@pathwise/report/node';
import { CHAOS_METHODS, CHAOS_SYSTEMS, chaosStudy, makePropagator, type ChaosRow, type ChaosSystemName } from '@pathwise/pipps';
import { runStatus } from '@pathwise/runtime';
import { globalOptions, printJson, Progress, setupBackend } from '../context.js';
import { runTrainCommand } from './train.js';

const VARIANCE_COLUMNS = ['T', 'method', 'trace_var', 'spread', 'cosine', 'mean_k_lr', 'nonfinite'] as const;

function parseIntegerList(name: string, text: string): number[] {
  const values = text.split(',').map((v) => Number(v.trim()));
  if (values.length === 0 || values.some((v) => !Number.isInteger(v) || v < 1)) throw new ConfigError(name, text, 'comma-separated positive integers, e.g. 5,10,20,30');
  return values;
}

function parsePositiveInteger(name: string, text: string, minimum = 1): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < minimum) throw new ConfigError(name, text, `an integer >= ${minimum}`);
  return value;
}

/** `pathwise pipps chaos` (gradient variance against horizon, PIPPS §3) and `pathwise pipps train` (policy search, §4). */
export function registerPippsCommand(program: Command): void {
  const pipps = program.command('pipps').description('PIPPS: particle gradients (RP, LR, total propagation), the curse-of-chaos study and model-based policy search');
  registerPippsTrain(pipps);

  pipps
    .command('chaos')
    .description('Gradient variance vs horizon for RP, LR and TP (or any registered estimator) with a fixed policy and model; writes variance.csv, summary.json, variance.svg')
    .requiredOption('--system <name>', `${CHAOS_SYSTEMS.join('|')}`)
    .option('--methods <list>', 'comma-separated estimators: rp, lr (lr-loo), tp, gr or any registered estimator', CHAOS_METHODS.join(','))
    .option('--scale <s>', 'rnn: the gain β (default 2.4); cartpole/double-pendulum: policy weight scale s, w ~ U(-s, s) (default 1/√50)')
    .option('--horizons <list>', 'comma-separated horizons', '5,10,20,30')
    .option('--particles <n>', 'particles per gradient estimate', '100')
    .option('--repeats <n>', 'independent gradient estimates per horizon and method', '20')
    .requiredOption('--out <dir>', 'output directory')
    .option('--json', 'print the summary as JSON')
    .action(async (flags: { system: string; scale?: string; methods: string; horizons: string; particles: string; repeats: string; out: string }, command: Command) => {
      const { json, backend, seed } = globalOptions(command);
      if (!CHAOS_SYSTEMS.includes(flags.system as ChaosSystemName)) throw new ConfigError('--system', flags.system, CHAOS_SYSTEMS.join(', '));
      const system = flags.system as ChaosSystemName;
      const scale = flags.scale !== undefined ? Number(flags.scale) : undefined;
      if (scale !== undefined && !(scale > 0)) throw new ConfigError('--scale', flags.scale, 'a positive number');
      const horizons = parseIntegerList('--horizons', flags.horizons);
      const particles = parsePositiveInteger('--particles', flags.particles, 2);
      const repeats = parsePositiveInteger('--repeats', flags.repeats, 2);
      const methods = flags.methods.split(',').map((m) => m.trim());
      if (methods.some((m) => m.length === 0) || new Set(methods).size !== methods.length) throw new ConfigError('--methods', flags.methods, 'comma-separated distinct estimator names, e.g. rp,lr,tp');
      methods.forEach((m) => makePropagator(m)); // unknown names and estimators the tape cannot run fail here
      const active = await setupBackend(backend);
      mkdirSync(flags.out, { recursive: true });
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
  trials?: string;
  seeds?: string;
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

/** A flag's text as the number the config key takes (the algorithm's schema checks its range). */
function numberFlag(flag: string, text: string): number | string {
  return /^\s*-?\d+(\.\d+)?\s*$/.test(text) ? Number(text) : text;
}

function registerPippsTrain(pipps: Command): void {
  pipps
    .command('train')
    .description('Model-based policy search on the noisy cart-pole swing-up (PIPPS §4): `pathwise train --algo pipps` with the PIPPS flags (one epoch is one trial)')
    .option('--method <name>', "particle gradient estimator (sets the config key 'estimator'): rp, lr, tp or gr")
    .option('--model <name>', 'dynamics model: gp, ensemble or true')
    .option('--trials <n>', 'learned trials after the random one (sets the epochs)')
    .option('--particles <n>', 'particles P per gradient')
    .option('--horizon <n>', 'model rollout horizon T')
    .option('--policy-steps <n>', 'policy gradient steps per trial')
    .option('--eval-episodes <n>', 'real evaluation episodes per trial')
    .option('--inducing-points <n>', 'gp: most data points the predictive mean uses (exact below, DTC above)')
    .option('--variance-points <n>', 'gp: most points the predictive variance conditions on (subset of data)')
    .option('--seeds <list>', 'comma-separated seeds, run in parallel worker threads into DIR/seed-<n> (default: --seed)')
    .option('--config <file>', 'JSON or YAML overrides of the pipps config (a plugins: list is imported first)')
    .option('--resume', 'continue the run(s) in --out from their checkpoints (settings come from DIR/config.json)')
    .option('--force', 'replace an existing run in --out')
    .option('--report-only', 'train nothing: print the progress of the run(s) in --out from their checkpoints and redraw their reward.svg')
    .requiredOption('--out <dir>', 'output directory')
    .option('--json', 'print the summary as JSON')
    .addHelpText('after', "\nDefaults are the pipps algorithm's (pathwise algos --json). Same as: pathwise train --algo pipps --env cartpole-pilco ...")
    .action(async (flags: PippsTrainFlags, command: Command) => {
      if (flags.reportOnly) return reportOnly(flags.out, globalOptions(command).json);
      if (flags.resume) return runTrainCommand({ algo: 'pipps', resume: flags.out }, command);
      const overrides: Record<string, unknown> = {};
      for (const [flag, key] of Object.entries(PIPPS_FLAG_KEYS)) {
        const text = flags[flag as keyof typeof PIPPS_FLAG_KEYS];
        if (text !== undefined) overrides[key] = key === 'model' ? text : numberFlag(`--${flag}`, text);
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
