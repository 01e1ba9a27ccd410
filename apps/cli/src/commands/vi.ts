import { join } from 'node:path';
import type { Command } from 'commander';
import { assertFinite, ConfigError, Rng } from '@pathwise/core';
import { csvHeader, csvRow, linePlotSvg, scatterPlotSvg, type TableRow } from '@pathwise/report';
import { ensureDirectory, writeFileAtomic, writeJsonAtomic } from '@pathwise/report/node';
import {
  closedFormReport,
  compareOnModel,
  COMPARE_POINTS,
  COMPARED,
  mohamedStudy,
  MOHAMED_COSTS,
  resolveCompared,
  SYNTHETIC_DATA,
  type ComparePoint,
  type ModelComparison,
  type MohamedStudy,
} from '@pathwise/vi-analysis';
import { globalOptions, printJson, Progress, setupBackend } from '../context.js';
import { countFlag, LIMITS, listOption, parseCount, parseFiniteNumber, parseNameList, parseNumberArray, parseNumberMatrix } from '../flags.js';

/** `pathwise vi closed-form | compare | mohamed`: the analyses of @pathwise/vi-analysis. */
export function registerViCommand(program: Command): void {
  const vi = program.command('vi').description('Reparameterisation vs score-function gradient variance in mean-field Gaussian VI');

  vi.command('closed-form')
    .description('Exact single-draw variances of RP, SF-joint and SF-elbo for a quadratic log joint (docs/algorithms/vi.md §2.10)')
    .requiredOption('--mu <json>', 'variational mean, e.g. [0,0]', (text: string) => parseNumberArray('--mu', text))
    .requiredOption('--sigma <json>', 'variational standard deviations', (text: string) => parseNumberArray('--sigma', text))
    .requiredOption('--grad <json>', 'gradient of the log joint at mu', (text: string) => parseNumberArray('--grad', text))
    .requiredOption('--hessian <json>', 'Hessian of the log joint at mu (rows)', (text: string) => parseNumberMatrix('--hessian', text))
    .option(
      '--baseline <b>',
      'SF baseline: none, optimal or a finite number (applied to f for sf_joint, to f - log q for sf_elbo)',
      (text: string) => (text === 'none' || text === 'optimal' ? text : parseFiniteNumber('--baseline', text)),
      'none' as const,
    )
    .option('--samples <n>', 'divide the variances by S, a positive integer (default: single draw)', (text: string) => parseCount('--samples', text, Number.MAX_SAFE_INTEGER))
    .option('--c0 <number>', 'log joint at mu, a finite number (only SF variances depend on it)', (text: string) => parseFiniteNumber('--c0', text), 0)
    .option('--json', 'print the report as JSON')
    .action((options: { mu: number[]; sigma: number[]; grad: number[]; hessian: number[][]; baseline: 'none' | 'optimal' | number; samples?: number; c0: number }, command: Command) => {
      const { json } = globalOptions(command);
      const report = closedFormReport({
        mu: options.mu,
        sigma: options.sigma,
        grad: options.grad,
        hessian: options.hessian,
        baseline: options.baseline,
        c0: options.c0,
        ...(options.samples !== undefined ? { samples: options.samples } : {}),
      });
      // Finite inputs can still overflow (e.g. sigma 1e200): an error naming the entry, not a NaN table.
      for (const key of ['rp', 'sf_joint', 'sf_elbo', 'exact_gradient'] as const) {
        for (const [label, v] of Object.entries(report[key])) assertFinite(v as number[], `vi closed-form: ${key} ${label}`);
      }
      if (json) return printJson(report);
      const line = (label: string, v: number[]) => process.stdout.write(`  ${label.padEnd(16)} ${v.map((x) => x.toPrecision(6)).join('  ')}\n`);
      for (const key of ['rp', 'sf_joint', 'sf_elbo'] as const) {
        process.stdout.write(`${key}\n`);
        for (const [label, v] of Object.entries(report[key])) line(label, v as number[]);
      }
      process.stdout.write('exact_gradient\n');
      for (const [label, v] of Object.entries(report.exact_gradient)) line(label, v);
    });

  vi.command('compare')
    .description(
      'Empirical single-draw variances of ELBO-gradient estimators (RP vs SF by default, or any registered ones) with the quadratic prediction where a closed form exists, at init and at the VI optimum',
    )
    .option('--model <name>', 'logreg (Bayesian logistic regression) or bnn (Bayesian neural network regression)', 'logreg')
    .option('--data <name>', `breast-cancer, diabetes or ${SYNTHETIC_DATA} (docs/algorithms/vi.md §3.3, logreg only)`, 'breast-cancer')
    .addOption(
      listOption('--at <list>', 'comma-separated points: init, optimum (the VI fit), map (mu = MAP, sigma = 1/sqrt(-diag H(MAP)); logreg only)', (text) => parsePointList('--at', text), [
        'init',
        'optimum',
      ] as ComparePoint[]),
    )
    .addOption(
      listOption(
        '--estimators <list>',
        'comma-separated: the default columns, registered estimators (pathwise estimators), the presets sf-joint/sf-elbo, NAME@elbo for the elbo objective; the first is the reference of the ratios',
        (text) => parseNameList('--estimators', text),
        COMPARED,
      ),
    )
    .option('--samples <n>', `single-draw estimates per estimator and point, 1 to ${LIMITS.samples.max}`, countFlag('--samples', 'samples'), 20000)
    .option('--steps <n>', `Adam steps of the VI fit, 1 to ${LIMITS.steps.max}`, countFlag('--steps', 'steps'), 2000)
    .option('--out <dir>', 'write summary.json, CSV tables and SVG plots here')
    .option('--json', 'print the summary as JSON')
    .action(async (options: { model: string; data: string; at: ComparePoint[]; estimators: string[]; samples: number; steps: number; out?: string }, command: Command) => {
      const { json, backend, seed } = globalOptions(command);
      if (options.model !== 'logreg' && options.model !== 'bnn') throw new ConfigError('--model', options.model, 'logreg or bnn');
      if (options.model !== 'logreg' && (options.data === SYNTHETIC_DATA || options.at.includes('map'))) {
        throw new ConfigError(
          options.data === SYNTHETIC_DATA ? '--data' : '--at',
          options.data === SYNTHETIC_DATA ? options.data : 'map',
          'a choice for --model logreg only (synthetic is its data set, and map needs its closed-form Hessian)',
        );
      }
      const { estimators } = options;
      resolveCompared(estimators); // unknown names fail here, before any work, listing the registered estimators
      const active = await setupBackend(backend);
      const stages = [...(options.at.includes('optimum') ? ['fit'] : []), ...options.at];
      const progress = new Progress(stages.length, `vi compare ${options.model}/${options.data}`, json);
      const start = performance.now();
      const result = await compareOnModel({
        model: options.model,
        data: options.data,
        estimators,
        points: options.at,
        samples: options.samples,
        fit: { steps: options.steps },
        rng: new Rng(seed),
        onProgress: (stage) => progress.tick(stages.indexOf(stage), stage),
      });
      progress.tick(stages.length);
      progress.done();
      const summary = compareSummary(result, active, seed, (performance.now() - start) / 1000);
      if (options.out) writeCompare(options.out, result, summary);
      if (json) return printJson(summary);
      printCompare(summary);
      if (options.out) process.stdout.write(`wrote ${options.out}/summary.json, coordinates.csv, groups.csv, variances-<point>.svg, predicted-vs-empirical-<point>.svg\n`);
    });

  vi.command('mohamed')
    .description('Mohamed et al. (2020) test functions: variance vs k of SF, SF + optimal baseline and pathwise')
    .option('--samples <n>', `single-draw estimates per (cost, k), 1 to ${LIMITS.samples.max}`, countFlag('--samples', 'samples'), 20000)
    .option('--points <n>', `grid points per cost, 1 to ${LIMITS.points.max}`, countFlag('--points', 'points'), 25)
    .option('--out <dir>', 'write summary.json, mohamed.csv and one SVG per cost and parameter')
    .option('--json', 'print the summary as JSON')
    .action(async (options: { samples: number; points: number; out?: string }, command: Command) => {
      const { json, backend, seed } = globalOptions(command);
      const active = await setupBackend(backend);
      const { points } = options;
      const lin = (a: number, b: number) => Array.from({ length: points }, (_, i) => a + ((b - a) * i) / Math.max(points - 1, 1));
      const log = (a: number, b: number) => lin(Math.log10(a), Math.log10(b)).map((v) => 10 ** v);
      const study = await mohamedStudy({ ks: { square: lin(-3, 3), exp: log(0.1, 10), cos: log(0.5, 5) }, samples: options.samples, rng: new Rng(seed) });
      const summary = { backend: active, seed, mu: study.mu, sigma: study.sigma, samples: study.samples, pathwise_loses: study.pathwiseLoses, rows: study.rows.length };
      if (options.out) writeMohamed(options.out, study, summary);
      if (json) return printJson({ ...summary, table: study.rows });
      for (const p of study.pathwiseLoses) {
        const ks = p.ks.length ? `${p.ks.length} of ${points} grid points, k in [${Math.min(...p.ks).toPrecision(3)}, ${Math.max(...p.ks).toPrecision(3)}]` : 'nowhere on the grid';
        process.stdout.write(`${p.cost.padEnd(6)} ${p.param.padEnd(5)} pathwise variance > SF with optimal baseline: ${ks}\n`);
      }
      if (options.out) process.stdout.write(`wrote ${options.out}/summary.json, mohamed.csv, <cost>-<param>.svg\n`);
    });
}

/** `--at`: a name list (the shared parser) whose names must be compare points; duplicates dropped. */
function parsePointList(flag: string, text: string): ComparePoint[] {
  const names = parseNameList(flag, text);
  const unknown = names.find((n) => !(COMPARE_POINTS as readonly string[]).includes(n));
  if (unknown !== undefined) throw new ConfigError(flag, text, `comma-separated points from ${COMPARE_POINTS.join(', ')}; '${unknown}' is not one`);
  return [...new Set(names)] as ComparePoint[];
}

interface CompareSummary {
  model: string;
  data: string;
  dim: number;
  draws: number;
  backend: string;
  seed: number;
  wall_s: number;
  fit: ModelComparison['fit'];
  points: {
    point: string;
    elbo: number;
    f_mu: number;
    grad_norm: number;
    sigma_min: number;
    sigma_max: number;
    mu: number[];
    sigma: number[];
    groups: ModelComparison['points'][number]['summary'];
  }[];
  reference: string;
  estimators: ModelComparison['estimators'];
  description: string;
}

function compareSummary(result: ModelComparison, backend: string, seed: number, wall: number): CompareSummary {
  return {
    model: result.model,
    data: result.data,
    dim: result.dim,
    draws: result.draws,
    backend,
    seed,
    wall_s: wall,
    fit: result.fit,
    points: result.points.map((p) => ({
      point: p.point,
      elbo: p.elbo,
      f_mu: p.quadratic.c0,
      grad_norm: p.quadratic.gradNorm,
      sigma_min: Math.min(...p.sigma),
      sigma_max: Math.max(...p.sigma),
      mu: p.mu,
      sigma: p.sigma,
      groups: p.summary,
    })),
    reference: result.reference,
    estimators: result.estimators,
    description: result.description,
  };
}

function printCompare(summary: CompareSummary): void {
  process.stdout.write(`${summary.model} on ${summary.data} (d = ${summary.dim}, ${summary.draws} draws per estimator, ${summary.backend}, ${summary.wall_s.toFixed(1)} s)\n`);
  // Ratios divide by the reference (the first estimator): RP in the default comparison.
  const sfOnly = summary.estimators.slice(1).every((e) => e.estimator === 'sf-joint' || e.estimator === 'sf-elbo');
  const ratio = summary.reference === 'rp' && sfOnly ? 'SF/RP emp mean' : `/${summary.reference} emp mean`;
  const width = Math.max(13, ...summary.estimators.map((e) => e.column.length));
  for (const p of summary.points) {
    process.stdout.write(`\n${p.point}: ELBO ${p.elbo.toFixed(2)}, f(mu) ${p.f_mu.toFixed(2)}, sigma in [${p.sigma_min.toPrecision(3)}, ${p.sigma_max.toPrecision(3)}]\n`);
    process.stdout.write(
      `  ${'param'.padEnd(9)} ${'group'.padEnd(8)} ${'estimator'.padEnd(width)} ${`${ratio} ± SE`.padStart(24)} ${'[min, max ± SE]'.padStart(30)} ${'pred mean'.padStart(11)} ${'RP pred err ± SE'.padStart(18)}\n`,
    );
    for (const g of p.groups) {
      // No closed form: an empty cell, never a number.
      const predicted = g.ratioPredictedMean === null ? '' : g.ratioPredictedMean.toPrecision(4);
      const rpError = g.rpPredictionError === null || g.rpPredictionErrorSe === null ? '' : `${(100 * g.rpPredictionError).toFixed(1)} ± ${(100 * g.rpPredictionErrorSe).toFixed(1)}%`;
      const mean = `${g.ratioEmpiricalMean.toPrecision(4)} ± ${g.ratioEmpiricalMeanSe.toPrecision(2)}`;
      const range = `[${g.ratioEmpiricalMin.toPrecision(3)}, ${g.ratioEmpiricalMax.toPrecision(3)} ± ${g.ratioEmpiricalMaxSe.toPrecision(2)}]`;
      process.stdout.write(`  ${g.param.padEnd(9)} ${g.group.padEnd(8)} ${g.estimator.padEnd(width)} ${mean.padStart(24)} ${range.padStart(30)} ${predicted.padStart(11)} ${rpError.padStart(18)}\n`);
    }
  }
}

/** A CSV cell for a value that may be missing (no closed form): empty, never a made-up number. */
function cell(value: number | null | undefined): number | string {
  return value === null || value === undefined ? '' : value;
}

function writeCompare(dir: string, result: ModelComparison, summary: CompareSummary): void {
  ensureDirectory(dir);
  writeJsonAtomic(join(dir, 'summary.json'), summary);
  const compared = result.estimators.map((e) => e.column);
  const coordColumns = ['point', 'param', 'index', 'name', 'group', ...compared.flatMap((n) => [`${n}_empirical`, `${n}_se`, `${n}_predicted`, `${n}_ratio`, `${n}_ratio_se`])];
  const coordRows: TableRow[] = result.points.flatMap((p) =>
    p.rows.map((r) => ({
      point: p.point,
      param: r.param,
      index: r.index,
      name: r.name,
      group: r.group,
      ...Object.fromEntries(
        compared.flatMap((n) => [
          [`${n}_empirical`, r.empirical[n]!],
          [`${n}_se`, r.se[n]!],
          [`${n}_predicted`, cell(r.predicted[n])],
          [`${n}_ratio`, r.ratio[n]!],
          [`${n}_ratio_se`, r.ratioSe[n]!],
        ]),
      ),
    })),
  );
  writeFileAtomic(join(dir, 'coordinates.csv'), csvHeader(coordColumns) + coordRows.map((r) => csvRow(coordColumns, r)).join(''));
  const groupColumns = [
    'point',
    'param',
    'group',
    'coordinates',
    'estimator',
    'ratio_empirical_mean',
    'ratio_empirical_mean_se',
    'ratio_empirical_min',
    'ratio_empirical_max',
    'ratio_empirical_max_se',
    'ratio_predicted_mean',
    'rp_prediction_error',
    'rp_prediction_error_se',
  ];
  const groupRows: TableRow[] = result.points.flatMap((p) =>
    p.summary.map((g) => ({
      point: p.point,
      param: g.param,
      group: g.group,
      coordinates: g.coordinates,
      estimator: g.estimator,
      ratio_empirical_mean: g.ratioEmpiricalMean,
      ratio_empirical_mean_se: g.ratioEmpiricalMeanSe,
      ratio_empirical_min: g.ratioEmpiricalMin,
      ratio_empirical_max: g.ratioEmpiricalMax,
      ratio_empirical_max_se: g.ratioEmpiricalMaxSe,
      ratio_predicted_mean: cell(g.ratioPredictedMean),
      rp_prediction_error: cell(g.rpPredictionError),
      rp_prediction_error_se: cell(g.rpPredictionErrorSe),
    })),
  );
  writeFileAtomic(join(dir, 'groups.csv'), csvHeader(groupColumns) + groupRows.map((r) => csvRow(groupColumns, r)).join(''));
  for (const p of result.points) {
    // Per-coordinate variance (log scale), empirical (lines) and predicted (dashed by name), μ block.
    // Score functions with b = 0 are off the scale of the others (f(μ) is large) and are left out;
    // predicted series only where a closed form exists.
    const rows = p.rows.filter((r) => r.param === 'mu');
    const x = rows.map((r) => r.index);
    const plotted = result.estimators.filter((e) => e.baseline !== 'zero').map((e) => e.column);
    const series = plotted.flatMap((n) => [
      { name: `${n} empirical`, x, y: rows.map((r) => r.empirical[n]!) },
      ...(rows.every((r) => r.predicted[n] !== null) ? [{ name: `${n} predicted`, x, y: rows.map((r) => r.predicted[n]!) }] : []),
    ]);
    writeFileAtomic(
      join(dir, `variances-${p.point}.svg`),
      linePlotSvg({ title: `${result.model} at ${p.point}: single-draw variance of the mu gradient`, xLabel: 'coordinate', yLabel: 'variance', logY: true, series }),
    );
    // Every coordinate (mu and log sigma) of every column with a closed form: measured (± SE) against predicted.
    const predictedColumns = result.estimators.map((e) => e.column).filter((n) => p.rows.every((r) => r.predicted[n] !== null));
    writeFileAtomic(
      join(dir, `predicted-vs-empirical-${p.point}.svg`),
      scatterPlotSvg({
        title: `${result.model} at ${p.point}: single-draw variances, mu and log sigma`,
        xLabel: 'predicted (quadratic approximation)',
        yLabel: 'empirical (± SE)',
        logX: true,
        logY: true,
        identityLine: true,
        series: predictedColumns.map((n) => ({ name: n, x: p.rows.map((r) => r.predicted[n]!), y: p.rows.map((r) => r.empirical[n]!), yError: p.rows.map((r) => r.se[n]!) })),
      }),
    );
  }
}

function writeMohamed(dir: string, study: MohamedStudy, summary: object): void {
  ensureDirectory(dir);
  writeJsonAtomic(join(dir, 'summary.json'), summary);
  const columns = ['cost', 'k', 'param', 'sf', 'sf_optimal', 'pathwise', 'sf_empirical', 'sf_se', 'sf_optimal_empirical', 'sf_optimal_se', 'pathwise_empirical', 'pathwise_se', 'best'];
  writeFileAtomic(join(dir, 'mohamed.csv'), csvHeader(columns) + study.rows.map((r) => csvRow(columns, r as unknown as TableRow)).join(''));
  for (const cost of MOHAMED_COSTS) {
    for (const param of ['mu', 'sigma'] as const) {
      const rows = study.rows.filter((r) => r.cost === cost && r.param === param);
      const x = rows.map((r) => r.k);
      writeFileAtomic(
        join(dir, `${cost}-${param}.svg`),
        linePlotSvg({
          title: `${cost}: variance of the ${param} gradient (mu = sigma = 1)`,
          xLabel: 'k',
          yLabel: 'single-draw variance',
          logY: true,
          series: [
            { name: 'score function', x, y: rows.map((r) => r.sf) },
            { name: 'score function + optimal baseline', x, y: rows.map((r) => r.sf_optimal) },
            { name: 'pathwise', x, y: rows.map((r) => r.pathwise) },
          ],
        }),
      );
    }
  }
}
