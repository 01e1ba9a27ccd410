import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ConfigError, PathwiseError } from '@pathwise/core';
import {
  csvHeader,
  csvRow,
  decodeNonFinite,
  isRunFinished,
  linePlotSvg,
  readCheckpoint,
  seedDirName,
  seedStats,
  stringifyWithNonFinite,
  writeCheckpoint,
  writeFileAtomic,
  writeJsonAtomic,
  writePlot,
  type LineSeries,
} from '@pathwise/report/node';
import {
  CHAOS_METHODS,
  CHAOS_SYSTEMS,
  chaosStudy,
  makePropagator,
  MODEL_NAMES,
  PIPPS_METRICS_COLUMNS,
  PROPAGATOR_NAMES,
  resolvePippsConfig,
  trainPipps,
  type ChaosRow,
  type ChaosSystemName,
  type ModelName,
  type PippsCheckpoint,
  type PippsMetricsRow,
  type PippsTrainResult,
  type PropagatorName,
  type ResolvedPippsConfig,
  type TrajectoryComparison,
} from '@pathwise/pipps';
import { globalOptions, printJson, Progress, setupBackend } from '../context.js';

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

function parseSeedList(text: string): number[] {
  const values = text.split(',').map((v) => Number(v.trim()));
  if (values.some((v) => !Number.isInteger(v) || v < 0) || new Set(values).size !== values.length) {
    throw new ConfigError('--seeds', text, 'comma-separated distinct integers >= 0, e.g. 1,2,3');
  }
  return values;
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
// pathwise pipps train

const RUN_CONFIG = 'config.json';
const CHECKPOINT_FILE = 'pipps.json';

interface TrainFlags {
  method: string;
  model: string;
  trials: string;
  particles: string;
  horizon: string;
  policySteps: string;
  evalEpisodes: string;
  inducingPoints: string;
  variancePoints: string;
  seeds?: string;
  resume?: boolean;
  force?: boolean;
  reportOnly?: boolean;
  out: string;
}

/** What `DIR/config.json` holds: enough to resume every seed exactly. */
interface TrainRunConfig {
  command: 'pipps train';
  backend: string;
  seeds: number[];
  config: Omit<ResolvedPippsConfig, 'seed'>;
}

interface SeedSummary {
  method: PropagatorName;
  model: ModelName;
  seed: number;
  backend: string;
  trials: number;
  particles: number;
  horizon: number;
  policy_steps: number;
  eval_episodes: number;
  final_cost: number;
  final_cost_std: number;
  best_cost: number;
  final_model_nll: number;
  nonfinite_steps: number;
  ms_per_policy_step: number;
  fit_s: number;
  wall_s: number;
  per_trial: PippsTrainResult['details'];
}

function registerPippsTrain(pipps: Command): void {
  pipps
    .command('train')
    .description('Model-based policy search on the noisy cart-pole swing-up (PIPPS §4); writes metrics.csv, summary.json, cost.svg, trajectory.svg and checkpoint/')
    .option('--method <name>', `particle gradient estimator: ${PROPAGATOR_NAMES.join('|')}`, 'tp')
    .option('--model <name>', `dynamics model: ${MODEL_NAMES.join('|')}`, 'gp')
    .option('--trials <n>', 'learned trials after the random one', '15')
    .option('--particles <n>', 'particles P per gradient', '300')
    .option('--horizon <n>', 'model rollout horizon T', '30')
    .option('--policy-steps <n>', 'policy gradient steps per trial', '250')
    .option('--eval-episodes <n>', 'real evaluation episodes per trial', '30')
    .option('--inducing-points <n>', 'gp: most data points the predictive mean uses (exact below, DTC above)', '100')
    .option('--variance-points <n>', 'gp: most points the predictive variance conditions on (subset of data)', '50')
    .option('--seeds <list>', 'comma-separated seeds, run one after another into DIR/seed-<n> (default: --seed)')
    .option('--resume', 'continue the run(s) in --out from their checkpoints (settings come from DIR/config.json)')
    .option('--force', 'replace an existing run in --out')
    .option('--report-only', 'train nothing: redraw cost.svg and trajectory.svg of the run(s) in --out from their checkpoints and print their progress')
    .requiredOption('--out <dir>', 'output directory')
    .option('--json', 'print the summary as JSON')
    .action(async (flags: TrainFlags, command: Command) => {
      const { json, backend, seed } = globalOptions(command);
      const out = flags.out;
      if (flags.reportOnly) return reportOnly(out, json);
      let run: TrainRunConfig;
      if (flags.resume) {
        const path = join(out, RUN_CONFIG);
        if (!existsSync(path)) throw new PathwiseError(`Cannot resume: ${path} does not exist (is ${out} a 'pipps train' run directory?).`);
        run = JSON.parse(readFileSync(path, 'utf8'), decodeNonFinite) as TrainRunConfig;
        if (run.command !== 'pipps train') throw new PathwiseError(`Cannot resume: ${path} is not from 'pipps train'.`);
      } else {
        if (!PROPAGATOR_NAMES.includes(flags.method as PropagatorName)) throw new ConfigError('--method', flags.method, PROPAGATOR_NAMES.join(', '));
        if (!MODEL_NAMES.includes(flags.model as ModelName)) throw new ConfigError('--model', flags.model, MODEL_NAMES.join(', '));
        const seeds = flags.seeds !== undefined ? parseSeedList(flags.seeds) : [seed];
        const { seed: _seed, ...config } = resolvePippsConfig({
          method: flags.method as PropagatorName,
          model: flags.model as ModelName,
          trials: parsePositiveInteger('--trials', flags.trials),
          particles: parsePositiveInteger('--particles', flags.particles, 2),
          horizon: parsePositiveInteger('--horizon', flags.horizon),
          policySteps: parsePositiveInteger('--policy-steps', flags.policySteps, 0),
          evalEpisodes: parsePositiveInteger('--eval-episodes', flags.evalEpisodes, 2),
          seed: seeds[0]!,
          ...(flags.model === 'gp'
            ? { gp: { inducingPoints: parsePositiveInteger('--inducing-points', flags.inducingPoints), variancePoints: parsePositiveInteger('--variance-points', flags.variancePoints) } }
            : {}),
        });
        if (existsSync(join(out, RUN_CONFIG))) {
          if (!flags.force) throw new PathwiseError(`${out} already holds a run: pass --resume to continue it, --force to replace it, or choose another --out.`);
          rmSync(out, { recursive: true, force: true });
        }
        run = { command: 'pipps train', backend, seeds, config };
      }
      const active = await setupBackend(run.backend);
      if (flags.resume && active !== run.backend) {
        throw new PathwiseError(`This run was made on '${run.backend}'; resume it on the same backend (--backend ${run.backend}) to continue it exactly.`);
      }
      if (!flags.resume) {
        run.backend = active;
        mkdirSync(out, { recursive: true });
        writeJsonAtomic(join(out, RUN_CONFIG), run);
      }
      const { config, seeds } = run;
      const perSeed = config.trials * Math.max(config.policySteps, 1);
      const progress = new Progress(seeds.length * perSeed, `pipps train ${config.method}/${config.model}`, json);
      const summaries: SeedSummary[] = [];
      const histories: PippsMetricsRow[][] = [];
      for (const [index, s] of seeds.entries()) {
        const dir = seeds.length === 1 ? out : join(out, seedDirName(s));
        const result = await trainSeed({ ...config, seed: s }, dir, active, Boolean(flags.resume), (trial, step) =>
          progress.tick(index * perSeed + (trial - 1) * Math.max(config.policySteps, 1) + step, `seed ${s} trial ${trial}`),
        );
        summaries.push(result.summary);
        histories.push(result.rows);
      }
      progress.done();
      for (const s of summaries) {
        if (s.nonfinite_steps > 0) process.stderr.write(`warning: seed ${s.seed}: ${s.nonfinite_steps} policy step(s) had a NaN/Inf gradient and were skipped (see per_trial in summary.json)\n`);
      }
      const summary = seeds.length === 1 ? summaries[0]! : combinedSummary(run, active, summaries, histories, out);
      if (json) return printJson(JSON.parse(stringifyWithNonFinite(summary)));
      for (const s of summaries) {
        process.stdout.write(
          `pipps train ${s.method}/${s.model} seed ${s.seed} on ${active}: final cost ${s.final_cost.toFixed(2)} ± ${s.final_cost_std.toFixed(2)}, best ${s.best_cost.toFixed(2)}, ${s.ms_per_policy_step.toFixed(0)} ms per policy step, ${s.wall_s.toFixed(1)} s\n`,
        );
      }
    });
}

/** `--report-only`: plots and progress of (possibly unfinished) runs from their checkpoints. */
function reportOnly(out: string, json: boolean): void {
  const path = join(out, RUN_CONFIG);
  if (!existsSync(path)) throw new PathwiseError(`${path} does not exist (is ${out} a 'pipps train' run directory?).`);
  const run = JSON.parse(readFileSync(path, 'utf8'), decodeNonFinite) as TrainRunConfig;
  const report = run.seeds.map((s) => {
    const dir = run.seeds.length === 1 ? out : join(out, seedDirName(s));
    const files = readCheckpoint(dir);
    const checkpoint = files ? (JSON.parse(files[CHECKPOINT_FILE] as string, decodeNonFinite) as PippsCheckpoint) : undefined;
    if (checkpoint) writeSeedPlots(dir, { ...run.config, seed: s }, checkpoint);
    return { seed: s, dir, finished: isRunFinished(dir), trials_done: checkpoint?.rows.length ?? 0, trials: run.config.trials, rows: checkpoint?.rows ?? [] };
  });
  if (json) return printJson(report);
  for (const r of report) {
    const last = r.rows[r.rows.length - 1];
    process.stdout.write(`seed ${r.seed}: ${r.trials_done}/${r.trials} trials${r.finished ? ' (finished)' : ''}${last ? `, last eval cost ${last.eval_cost_mean.toFixed(2)} ± ${last.eval_cost_std.toFixed(2)}` : ''}; plots in ${r.dir}\n`);
  }
}

/** Trains (or resumes, or just re-reads) one seed's run directory. */
async function trainSeed(
  config: ResolvedPippsConfig,
  dir: string,
  backend: string,
  resume: boolean,
  onStep: (trial: number, step: number) => void,
): Promise<{ summary: SeedSummary; rows: PippsMetricsRow[] }> {
  const checkpointFiles = resume ? readCheckpoint(dir) : undefined;
  const checkpoint = checkpointFiles ? (JSON.parse(checkpointFiles[CHECKPOINT_FILE] as string, decodeNonFinite) as PippsCheckpoint) : undefined;
  if (isRunFinished(dir) && checkpoint) {
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'), decodeNonFinite) as SeedSummary;
    return { summary, rows: checkpoint.rows };
  }
  mkdirSync(dir, { recursive: true });
  const writeMetrics = (rows: readonly PippsMetricsRow[]) =>
    writeFileAtomic(join(dir, 'metrics.csv'), csvHeader(PIPPS_METRICS_COLUMNS) + rows.map((r) => csvRow(PIPPS_METRICS_COLUMNS, { ...r })).join(''));
  // metrics.csv is rewritten from the checkpoint's rows: a crash between the two files is repaired on resume.
  writeMetrics(checkpoint?.rows ?? []);
  const result = await trainPipps(config, {
    ...(checkpoint ? { resume: checkpoint } : {}),
    onPolicyStep: (trial, step) => onStep(trial, step),
    onTrial: (_row, state) => {
      writeCheckpoint(dir, { [CHECKPOINT_FILE]: stringifyWithNonFinite(state) });
      writeMetrics(state.rows);
      writeSeedPlots(dir, config, state);
    },
  });
  const rows = result.rows;
  const costs = rows.map((r) => r.eval_cost_mean);
  const last = rows[rows.length - 1]!;
  const details = result.details;
  const summary: SeedSummary = {
    method: config.method,
    model: config.model,
    seed: config.seed,
    backend,
    trials: rows.length,
    particles: config.particles,
    horizon: config.horizon,
    policy_steps: config.policySteps,
    eval_episodes: config.evalEpisodes,
    final_cost: last.eval_cost_mean,
    final_cost_std: last.eval_cost_std,
    best_cost: Math.min(...costs),
    final_model_nll: last.model_nll,
    nonfinite_steps: details.reduce((a, d) => a + d.nonfinite_steps, 0),
    ms_per_policy_step: details.reduce((a, d) => a + d.ms_per_policy_step, 0) / Math.max(details.length, 1),
    fit_s: details.reduce((a, d) => a + d.fit_s, 0),
    wall_s: last.wall_s,
    per_trial: details,
  };
  writeSeedPlots(dir, config, result.checkpoint);
  writeJsonAtomic(join(dir, 'summary.json'), JSON.parse(stringifyWithNonFinite(summary)));
  return { summary, rows };
}

/** cost.svg and trajectory.svg of one seed from its checkpoint (after every trial, and at the end). */
function writeSeedPlots(dir: string, config: ResolvedPippsConfig, checkpoint: PippsCheckpoint): void {
  const rows = checkpoint.rows;
  if (rows.length === 0) return;
  writePlot(
    join(dir, 'cost.svg'),
    costPlot(`PIPPS ${config.method.toUpperCase()} with a ${config.model} model (seed ${config.seed}): real evaluation cost`, [
      { name: `${config.method} (± std over ${config.evalEpisodes} episodes)`, x: rows.map((r) => r.trial), y: rows.map((r) => r.eval_cost_mean), std: rows.map((r) => r.eval_cost_std) },
    ]),
  );
  const last = rows[rows.length - 1]!;
  if (checkpoint.trajectory) writePlot(join(dir, 'trajectory.svg'), trajectoryPlot(checkpoint.trajectory, `trial ${last.trial}, ${config.model} model, P = ${config.particles}`));
}

function costPlot(title: string, series: LineSeries[]): string {
  return linePlotSvg({ title, xLabel: 'trial', yLabel: 'summed cost of 30 steps (log)', logY: true, series });
}

/** Several seeds: DIR/summary.json (mean ± std over seeds, N − 1) and DIR/cost.svg. */
function combinedSummary(run: TrainRunConfig, backend: string, summaries: SeedSummary[], histories: PippsMetricsRow[][], out: string) {
  const { config, seeds } = run;
  const trials = Math.min(...histories.map((h) => h.length));
  const perTrial = Array.from({ length: trials }, (_, t) => seedStats(histories.map((h) => h[t]!.eval_cost_mean)));
  const summary = {
    method: config.method,
    model: config.model,
    backend,
    trials,
    particles: config.particles,
    horizon: config.horizon,
    policy_steps: config.policySteps,
    seeds,
    final_cost: seedStats(summaries.map((s) => s.final_cost)),
    best_cost: seedStats(summaries.map((s) => s.best_cost)),
    final_model_nll: seedStats(summaries.map((s) => s.final_model_nll)),
    nonfinite_steps: summaries.reduce((a, s) => a + s.nonfinite_steps, 0),
    ms_per_policy_step: seedStats(summaries.map((s) => s.ms_per_policy_step)),
    eval_cost_per_trial: perTrial.map((s) => ({ mean: s.mean, std: s.std })),
    wall_s: summaries.reduce((a, s) => a + s.wall_s, 0),
  };
  writeJsonAtomic(join(out, 'summary.json'), JSON.parse(stringifyWithNonFinite(summary)));
  writePlot(
    join(out, 'cost.svg'),
    costPlot(`PIPPS ${config.method.toUpperCase()} with a ${config.model} model: real evaluation cost, mean ± std over ${seeds.length} seeds`, [
      { name: config.method, x: perTrial.map((_, t) => t + 1), y: perTrial.map((s) => s.mean), std: perTrial.map((s) => s.std) },
    ]),
  );
  return summary;
}

const STATE_LABELS = ['cart position p (m)', 'pole angle φ (rad, 0 = upright)', 'cart velocity ṗ (m/s)', 'angular velocity φ̇ (rad/s)'];

/** Four panels (one per state dim): model particles' mean ± 2 std vs the real rollout's true states. */
function trajectoryPlot(trajectory: TrajectoryComparison, note: string): string {
  const width = 560;
  const height = 320;
  const panels = STATE_LABELS.map((label, d) => {
    const steps = trajectory.predictedMean.map((_, t) => t);
    const svg = linePlotSvg({
      title: `${label.split(' (')[0]}: model vs real (${note})`,
      xLabel: 'step',
      yLabel: label,
      width,
      height,
      series: [
        { name: 'model mean ± 2 std', x: steps, y: trajectory.predictedMean.map((m) => m[d]!), std: trajectory.predictedStd.map((s) => 2 * s[d]!) },
        { name: 'real (true state)', x: trajectory.real.map((_, t) => t), y: trajectory.real.map((r) => r[d]!) },
      ],
    });
    return svg.replace('<svg ', `<svg x="${(d % 2) * width}" y="${Math.floor(d / 2) * height}" `);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * width}" height="${2 * height}" viewBox="0 0 ${2 * width} ${2 * height}">\n${panels.join('\n')}\n</svg>\n`;
}
