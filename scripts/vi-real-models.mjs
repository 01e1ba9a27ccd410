// The VI real-model study (issue 16 item 5; docs/reproduction/vi-real-models.md): runs `pathwise vi
// compare` on vi.md §3.3's synthetic logistic regression, Bayesian logistic regression on breast-cancer
// and diabetes, and the BNN on diabetes, each into docs/reproduction/vi-real-models/<study>/ (small
// files: summary.json, coordinates.csv, groups.csv, SVGs, run.json with the command and wall time),
// skipping studies already there (resumable; --force reruns), then writes tables.md and the
// predicted-vs-empirical plots (one per point, every model) from those files. Build first (`node -e "import('./scripts/lib.mjs')…"`).
// Usage: node scripts/vi-real-models.mjs [--report-only] [--force] [--backend wasm] [--only name,name]
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseCsvTable, scatterPlotSvg } from '../packages/report/dist/index.js';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const reportOnly = args.includes('--report-only');
const force = args.includes('--force');
const backend = flag('--backend', 'wasm');
const only = flag('--only', undefined)?.split(',');
const outRoot = 'docs/reproduction/vi-real-models';
const SEED = 1;

// Draw counts sized to a few minutes each on one core (wasm): the synthetic one matches the spec's N.
const STUDIES = [
  { name: 'synthetic', model: 'logreg', data: 'synthetic', at: 'init,map,optimum', samples: 400_000 },
  { name: 'logreg-diabetes', model: 'logreg', data: 'diabetes', at: 'init,optimum', samples: 100_000 },
  { name: 'logreg-breast-cancer', model: 'logreg', data: 'breast-cancer', at: 'init,optimum', samples: 50_000 },
  { name: 'bnn-diabetes', model: 'bnn', data: 'diabetes', at: 'init,optimum', samples: 40_000 },
];

// The spec's reference run of vi.md §3.3 (N = 400 000; ours, not the paper's): σ-parameterised
// per-coordinate variances, predicted at the theoretical optimal b*, and empirical (SE where it gave one).
const SPEC = {
  init: {
    'rp mu': { pred: [2510, 636.6, 627.0], emp: [1363, 332.7, 327.8], se: [2.5, 0.7, 0.7] },
    'rp sigma': { pred: [5696, 1712, 1459], emp: [2831, 1008, 769], se: [13, 5, 4] },
    'sf_joint mu': { pred: [66478, 52793, 52466], emp: [53382, 44504, 44319], se: [213, 149, 145] },
    'sf_joint_opt mu': { pred: [6392, 4281, 4038], emp: [4375, 3097, 2873] },
  },
  map: {
    'rp mu': { pred: [41.93, 20.28, 20.25], emp: [41.02, 19.91, 19.78], se: [0.09, 0.04, 0.04] },
    'rp sigma': { pred: [82.3, 39.79, 40.06], emp: [80.64, 39.1, 38.69] },
    'sf_joint mu': { pred: [6.43e5, 3.11e5, 3.16e5], emp: [6.41e5, 3.11e5, 3.15e5] },
    'sf_joint_opt mu': { pred: [106.1, 51.31, 51.4], emp: [104.98, 50.59, 50.13] },
    'sf_joint_opt sigma': { pred: [339.6, 164.2, 164.0], emp: [340.4, 163.9, 155.8] },
  },
};
// Rows of the synthetic table, in the spec's order, plus SF σ with b = 0 (not in the spec).
const SYNTHETIC_ROWS = [
  ['rp', 'mu', 'RP μ'],
  ['rp', 'sigma', 'RP σ'],
  ['sf_joint', 'mu', 'SF μ, b = 0'],
  ['sf_joint_opt', 'mu', 'SF μ, b = b̂*'],
  ['sf_joint', 'sigma', 'SF σ, b = 0'],
  ['sf_joint_opt', 'sigma', 'SF σ, b = b̂*'],
];

function run(study) {
  const dir = join(outRoot, study.name);
  if (!force && existsSync(join(dir, 'run.json'))) return;
  if (reportOnly) return;
  mkdirSync(dir, { recursive: true });
  const cli = ['vi', 'compare', '--model', study.model, '--data', study.data, '--at', study.at, '--samples', String(study.samples), '--backend', backend, '--seed', String(SEED), '--out', dir];
  process.stderr.write(`${study.name}: pathwise ${cli.join(' ')}\n`);
  // The code version the run uses (the CLI as built now), recorded before it starts.
  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
  const start = performance.now();
  const result = spawnSync(process.execPath, ['apps/cli/dist/bin.js', ...cli], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${study.name} failed with status ${result.status}`);
  const wall = (performance.now() - start) / 1000;
  writeFileSync(join(dir, 'table.txt'), result.stdout);
  writeFileSync(join(dir, 'run.json'), `${JSON.stringify({ command: `pathwise ${cli.join(' ')}`, wall_s: Math.round(wall * 10) / 10, commit, date: new Date().toISOString() }, null, 2)}\n`);
  process.stderr.write(`${study.name}: ${wall.toFixed(1)} s\n`);
}

const read = (name, file) => {
  const path = join(outRoot, name, file);
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
};
const num = (v) => (v === '' || v === undefined || v === null ? null : Number(v));
const sig = (x, digits = 4) => {
  if (x === null || !Number.isFinite(x)) return '—';
  const a = Math.abs(x);
  return a !== 0 && (a >= 1e5 || a < 1e-3) ? x.toExponential(2).replace('e+', 'e') : String(Number(x.toPrecision(digits)));
};
const pm = (x, se) => `${sig(x)} ± ${sig(se, 2)}`;

/** Rows of coordinates.csv, numbers parsed. */
function coordinates(name) {
  const text = read(name, 'coordinates.csv');
  if (!text) return undefined;
  return parseCsvTable(text).rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, ['point', 'param', 'name', 'group'].includes(k) ? v : num(v)])));
}

/** σ-parameterised values from the log σ rows (vi.md §2.7: Var(ĝ_σ) = Var(ĝ_logσ)/σ²). */
function sigmaOf(summary, point, rows, column, field) {
  const sigma = summary.points.find((p) => p.point === point);
  return rows.map((r) => r[`${column}_${field}`] / sigma.sigma[r.index] ** 2);
}

function syntheticTable(summary, rows) {
  const lines = [
    '| point | estimator | coordinate | spec pred (b\\*) | ours pred (b used) | spec empirical | ours empirical ± SE | (ours − spec) / SE |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const point of ['init', 'map']) {
    for (const [column, param, label] of SYNTHETIC_ROWS) {
      const block = rows.filter((r) => r.point === point && r.param === (param === 'mu' ? 'mu' : 'logsigma'));
      const emp = param === 'mu' ? block.map((r) => r[`${column}_empirical`]) : sigmaOf(summary, point, block, column, 'empirical');
      const se = param === 'mu' ? block.map((r) => r[`${column}_se`]) : sigmaOf(summary, point, block, column, 'se');
      const pred = param === 'mu' ? block.map((r) => r[`${column}_predicted`]) : sigmaOf(summary, point, block, column, 'predicted');
      const spec = SPEC[point][`${column} ${param}`];
      block.forEach((_, i) => {
        const specSe = spec?.se?.[i];
        const z = spec ? (emp[i] - spec.emp[i]) / Math.hypot(se[i], specSe ?? 0) : null;
        lines.push(
          `| ${i === 0 ? (point === 'init' ? 'μ = 0, σ = 1' : 'μ = MAP, σ = 1/√(−diag H)') : ''} | ${i === 0 ? label : ''} | θ${i + 1} | ${spec ? sig(spec.pred[i]) : '—'} | ${sig(pred[i])} | ${spec ? (specSe ? pm(spec.emp[i], specSe) : sig(spec.emp[i])) : '—'} | ${pm(emp[i], se[i])} | ${z === null ? '—' : z.toFixed(1)} |`,
        );
      });
    }
  }
  return lines.join('\n');
}

/** Per model and point: SF/RP ratios over all coordinates, empirical (± SE) beside predicted, and how far the quadratic prediction is off. */
function ratioTable(name, summary, rows) {
  const lines = [
    '| point | param | estimator | ratio mean: empirical ± SE | predicted | rel. error | ratio max: empirical ± SE | predicted | RP variance: rel. error of the prediction ± SE | SF variance: rel. error |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const p of summary.points) {
    for (const param of ['mu', 'logsigma']) {
      for (const estimator of ['sf_joint', 'sf_joint_opt', 'sf_elbo_opt']) {
        const g = p.groups.find((x) => x.param === param && x.group === 'all' && x.estimator === estimator);
        const block = rows.filter((r) => r.point === p.point && r.param === param);
        const predictedRatios = block.map((r) => r[`${estimator}_predicted`] / r.rp_predicted);
        const sfError = block.reduce((a, r) => a + Math.abs(r[`${estimator}_empirical`] / r[`${estimator}_predicted`] - 1), 0) / block.length;
        lines.push(
          `| ${p.point} | ${param === 'mu' ? 'μ' : 'log σ'} | ${estimator} | ${pm(g.ratioEmpiricalMean, g.ratioEmpiricalMeanSe)} | ${sig(g.ratioPredictedMean)} | ${pct(g.ratioEmpiricalMean / g.ratioPredictedMean - 1)} | ${pm(g.ratioEmpiricalMax, g.ratioEmpiricalMaxSe)} | ${sig(Math.max(...predictedRatios))} | ${pct(g.rpPredictionError)} ± ${pct(g.rpPredictionErrorSe)} | ${pct(sfError)} |`,
        );
      }
    }
  }
  return `### ${name}: ${summary.model}, d = ${summary.dim}, N = ${summary.draws} draws per estimator and point\n\n${lines.join('\n')}`;
}
const pct = (x) => (x === null || !Number.isFinite(x) ? '—' : `${(100 * x).toFixed(1)} %`);

/** The dimension law (vi.md §2.6) and Theorem C (§5.4) checked on every point. */
function invariantTable(results) {
  const lines = [
    '| study | point | d | SF\\*/RP μ: empirical ± SE | d/2 + 1 | z | SF\\*/RP log σ: empirical ± SE | (d + 5)/2 | z | coordinates with SF-joint < RP by > 5 SE | SF-elbo\\*/RP μ, mean |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const { name, summary, rows } of results) {
    const d = summary.dim;
    for (const p of summary.points) {
      const g = (param, estimator) => p.groups.find((x) => x.param === param && x.group === 'all' && x.estimator === estimator);
      const mu = g('mu', 'sf_joint_opt');
      const ls = g('logsigma', 'sf_joint_opt');
      const block = rows.filter((r) => r.point === p.point);
      const violations = block.filter((r) => ['sf_joint', 'sf_joint_opt'].some((c) => r[`${c}_ratio`] < 1 && (1 - r[`${c}_ratio`]) / r[`${c}_ratio_se`] > 5)).length;
      lines.push(
        `| ${name} | ${p.point} | ${d} | ${pm(mu.ratioEmpiricalMean, mu.ratioEmpiricalMeanSe)} | ${d / 2 + 1} | ${((mu.ratioEmpiricalMean - (d / 2 + 1)) / mu.ratioEmpiricalMeanSe).toFixed(1)} | ${pm(ls.ratioEmpiricalMean, ls.ratioEmpiricalMeanSe)} | ${(d + 5) / 2} | ${((ls.ratioEmpiricalMean - (d + 5) / 2) / ls.ratioEmpiricalMeanSe).toFixed(1)} | ${violations} of ${2 * block.length} | ${sig(g('mu', 'sf_elbo_opt').ratioEmpiricalMean)} |`,
      );
    }
  }
  return lines.join('\n');
}

for (const study of STUDIES) if (!only || only.includes(study.name)) run(study);

/**
 * The spec's "SF μ, b = b*" at init used the quadratic's b* (vi.md §2.5); compare's SF columns use the
 * pilot estimate of Cov(f·s, s)/Var(s) for the real f. Both, on the same draws, at μ = 0, σ = 1
 * (written once to synthetic/baselines.json; --force recomputes).
 */
async function baselineCheck() {
  const file = join(outRoot, 'synthetic', 'baselines.json');
  if (existsSync(file) && !force) return JSON.parse(readFileSync(file, 'utf8'));
  if (reportOnly) return undefined;
  await import('../packages/backend-wasm/dist/index.js');
  const { Rng, useBackend } = await import('../packages/core/dist/index.js');
  const vi = await import('../packages/vi-analysis/dist/index.js');
  await useBackend('wasm');
  const model = vi.logisticRegression(vi.syntheticLogisticData(), { priorVariance: 10 });
  const at = { mu: [0, 0, 0], sigma: [1, 1, 1] };
  const quadratic = vi.optimalBaselines(model.quadraticAt(at.mu), at.sigma);
  const pilot = await vi.estimateOptimalBaselines({ logJoint: model.logJoint, ...at, variant: 'joint', draws: 100_000, rng: new Rng(SEED).fork(5) });
  const draws = 200_000;
  const out = { point: 'init', draws, seed: SEED, rows: [] };
  for (const [label, baseline] of [
    ['quadratic b*', quadratic],
    ['pilot b̂*', pilot],
  ]) {
    const d = await vi.viGradientDraws({ logJoint: model.logJoint, ...at, estimator: 'sf-joint', baseline, draws, chunk: 5000, rng: new Rng(SEED).fork(9) });
    const m = vi.columnMoments(d.mu, d.n, d.d);
    out.rows.push({ baseline: label, b_mu: baseline.mu, variance_mu: m.variance, se_mu: m.seVariance });
  }
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  return out;
}

function baselineTable(check) {
  const spec = SPEC.init['sf_joint_opt mu'].emp;
  const lines = ['| baseline | b (θ1, θ2, θ3) | empirical SF μ variance ± SE (θ1, θ2, θ3) | spec empirical | (ours − spec) / SE |', '| --- | --- | --- | --- | --- |'];
  for (const r of check.rows) {
    lines.push(
      `| ${r.baseline} | ${r.b_mu.map((v) => v.toFixed(2)).join(', ')} | ${r.variance_mu.map((v, i) => pm(v, r.se_mu[i])).join(', ')} | ${spec.join(', ')} | ${r.variance_mu.map((v, i) => ((v - spec[i]) / r.se_mu[i]).toFixed(1)).join(', ')} |`,
    );
  }
  return `### SF μ at init: the spec's b* is the quadratic's\n\nN = ${check.draws} draws, the same for both baselines.\n\n${lines.join('\n')}`;
}
const check = await baselineCheck();

const results = STUDIES.map((s) => ({
  name: s.name,
  summary: read(s.name, 'summary.json') && JSON.parse(read(s.name, 'summary.json')),
  rows: coordinates(s.name),
  run: read(s.name, 'run.json') && JSON.parse(read(s.name, 'run.json')),
})).filter((r) => r.summary && r.rows);
const sections = ['<!-- Generated by scripts/vi-real-models.mjs from the files beside it; do not edit by hand. -->', '# VI real-model study: tables'];
const synthetic = results.find((r) => r.name === 'synthetic');
if (synthetic) sections.push(`## vi.md §3.3 synthetic logistic regression beside the spec's reference run\n\n${syntheticTable(synthetic.summary, synthetic.rows)}`);
if (check) sections.push(baselineTable(check));
sections.push('## SF/RP variance ratios, every coordinate', ...results.map((r) => ratioTable(r.name, r.summary, r.rows)));
sections.push(`## Invariants\n\n${invariantTable(results)}`);
sections.push(
  `## Runs\n\n| study | command | wall time | commit |\n| --- | --- | --- | --- |\n${results.map((r) => `| ${r.name} | \`${r.run?.command}\` | ${r.run?.wall_s} s | ${r.run?.commit} |`).join('\n')}`,
);
writeFileSync(join(outRoot, 'tables.md'), `${sections.join('\n\n')}\n`);

// Every coordinate of every model, RP and SF with the optimal baseline, measured against predicted: one plot per point.
for (const point of ['init', 'optimum']) {
  const series = results.flatMap(({ name, rows }) => {
    const block = rows.filter((r) => r.point === point);
    return [
      ['rp', 'RP'],
      ['sf_joint_opt', 'SF b̂*'],
    ].map(([column, label]) => ({
      name: `${name} ${label}`,
      x: block.map((r) => r[`${column}_predicted`]),
      y: block.map((r) => r[`${column}_empirical`]),
      yError: block.map((r) => r[`${column}_se`]),
    }));
  });
  writeFileSync(
    join(outRoot, `predicted-vs-empirical-${point}.svg`),
    scatterPlotSvg({
      title: `At ${point === 'init' ? 'the initial point' : 'the VI optimum'}: single-draw variances (μ and log σ), measured vs quadratic prediction`,
      xLabel: 'predicted (quadratic approximation at μ)',
      yLabel: 'empirical (± SE)',
      logX: true,
      logY: true,
      identityLine: true,
      width: 900,
      height: 600,
      series,
    }),
  );
}
process.stderr.write(`wrote ${outRoot}/tables.md and predicted-vs-empirical-{init,optimum}.svg\n`);
