// Copies what docs/reproduction keeps of a finished run or sweep (docs/reproduction/README.md): summaries,
// configs, grids, tables, logs, plots and reports, and each per-epoch metrics.csv as a thinned
// metrics.thin.csv (the header, then every EVERY-th epoch plus the first, the last and the best-reward
// row, lines verbatim and in order). Checkpoints (checkpoint/, checkpoint.old/) and metrics.jsonl (a copy
// of metrics.csv) are left behind. Per-trial metrics.csv files (PIPPS, one row per trial: no `epoch`
// column) are copied whole. A PIPPS run without per-trial diagnostics in summary.json (unfinished) gets
// them from checkpoint/pipps.json as per_trial.json, which scripts/pipps-cartpole-table.mjs reads.
//
// Plots of per-epoch curves are redrawn from the thinned curves (the full ones are ~10x larger): in a
// sweep (a directory with grid.json) each <env>.svg, as `pathwise sweep --report-only` draws it. A
// per-epoch run's own reward.svg is left out (the sweep plot shows its curve; its data is in
// metrics.thin.csv); --run-plots keeps it, redrawn from the thinned curve as `pathwise train` draws it.
// Redrawing needs `pnpm build` (packages/report/dist); --keep-plots copies these plots as they are instead.
// Run plots of other runs (PIPPS cost.svg, trajectory.svg, variance.svg) are copied as they are.
//
// --unfinished also draws runs still in flight (no summary.json yet) in the sweep plots, labelled so.
// Runs a sweep has set up but not started (a config.json only) and a live sweep's tables without
// rows are left out.
//
// Usage: node scripts/thin-runs.mjs [--every N] [--run-plots] [--keep-plots] [--unfinished] RUN_DIR DOCS_DIR
//   e.g. node scripts/thin-runs.mjs runs/gippo-function-optimisation docs/reproduction/gippo-function-optimisation
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { readThinCurve } from './lib.mjs';

const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  args.splice(i, 2);
  return value;
};
const every = Number(flag('--every') ?? 10);
const keepPlots = args.includes('--keep-plots');
const runPlots = args.includes('--run-plots');
const unfinished = args.includes('--unfinished');
const [src, dst] = args.filter((a) => a !== '--keep-plots' && a !== '--run-plots' && a !== '--unfinished');
if (!src || !dst || !Number.isInteger(every) || every < 1) {
  console.error('usage: node scripts/thin-runs.mjs [--every N] [--run-plots] [--keep-plots] [--unfinished] RUN_DIR DOCS_DIR');
  process.exit(2);
}
if (!existsSync(src)) {
  console.error(`no such directory: ${src}`);
  process.exit(2);
}

const KEEP = /\.(json|csv|md|svg|log|txt)$/;
const SKIP_DIRS = new Set(['checkpoint', 'checkpoint.old']);
// lock.json is a live run's lock (who holds the directory), not a result.
const SKIP_FILES = new Set(['metrics.jsonl', 'lock.json']);
const THIN_CSV = 'metrics.thin.csv';

/** The kept lines of a per-epoch metrics.csv: header, every `every`-th epoch, first, last and best row. */
function thinCsv(text, every) {
  if (text.includes('"')) throw new Error('quoted CSV fields are not supported by the thinning (metrics are numeric)');
  const lines = text.split('\n').filter((line) => line.length > 0);
  const [header, ...rows] = lines;
  const columns = header.split(',');
  const epochAt = columns.indexOf('epoch');
  const rewardAt = columns.indexOf('reward');
  const bestAt = columns.indexOf('best_reward');
  const cells = rows.map((line) => line.split(','));
  const keep = new Set([0, rows.length - 1]);
  cells.forEach((row, i) => {
    if (Number(row[epochAt]) % every === 0) keep.add(i);
  });
  // The best row: where the running best (best_reward, which summary.json's best_reward is) first
  // reaches its final value; without that column, the largest finite reward.
  let best = -1;
  if (bestAt >= 0) best = cells.findIndex((row) => row[bestAt] === cells.at(-1)[bestAt]);
  else if (rewardAt >= 0) {
    cells.forEach((row, i) => {
      const r = Number(row[rewardAt]);
      if (Number.isFinite(r) && (best < 0 || r > Number(cells[best][rewardAt]))) best = i;
    });
  }
  if (best >= 0) keep.add(best);
  return { header, kept: [...keep].sort((a, b) => a - b).map((i) => rows[i]), total: rows.length, best };
}

const stats = { files: 0, thinned: 0, perTrial: 0, runPlotsLeft: 0, notStarted: 0 };
const thinnedRuns = [];
const sweeps = [];

function copy(from, to) {
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
  stats.files++;
}

/** A per-epoch run directory: its metrics.csv has an `epoch` column. */
function isEpochRun(dir) {
  const path = join(dir, 'metrics.csv');
  if (!existsSync(path)) return false;
  const text = readFileSync(path, 'utf8');
  return text.slice(0, text.indexOf('\n')).split(',').includes('epoch');
}

function sizeOf(dir) {
  let bytes = 0;
  let files = 0;
  for (const name of readdirSync(dir)) {
    const info = statSync(join(dir, name));
    if (info.isDirectory()) {
      const inner = sizeOf(join(dir, name));
      bytes += inner.bytes;
      files += inner.files;
    } else {
      bytes += info.size;
      files++;
    }
  }
  return { bytes, files };
}

/** A run a sweep has set up but not started: its config.json and nothing it has written yet. */
function notStarted(dir) {
  return existsSync(join(dir, 'config.json')) && !['metrics.csv', 'summary.json', 'checkpoint'].some((name) => existsSync(join(dir, name)));
}

/** A sweep table with no row yet (a live sweep writes its tables when it ends). */
function emptyTable(path, name) {
  const lines = readFileSync(path, 'utf8').trim().split('\n');
  return (name === 'table.csv' && lines.length <= 1) || (name === 'table.md' && lines.length <= 2);
}

function walk(from, to) {
  if (notStarted(from)) {
    stats.notStarted++;
    return;
  }
  const names = readdirSync(from).sort();
  const epochRun = isEpochRun(from);
  for (const name of names) {
    const path = join(from, name);
    const info = statSync(path);
    if (info.isDirectory()) {
      if (SKIP_DIRS.has(name)) continue;
      walk(path, join(to, name));
      continue;
    }
    if (SKIP_FILES.has(name) || name.endsWith('.tmp') || !KEEP.test(name)) continue;
    if ((name === 'table.csv' || name === 'table.md') && emptyTable(path, name)) continue;
    if (name === 'grid.json') sweeps.push(to);
    if (epochRun && name === 'metrics.csv') {
      const { header, kept } = thinCsv(readFileSync(path, 'utf8'), every);
      mkdirSync(to, { recursive: true });
      writeFileSync(join(to, THIN_CSV), `${header}\n${kept.join('\n')}\n`);
      stats.files++;
      stats.thinned++;
      thinnedRuns.push({ dir: to, replot: existsSync(join(from, 'reward.svg')) });
      continue;
    }
    if (epochRun && name === 'reward.svg' && !(runPlots && keepPlots)) {
      stats.runPlotsLeft += runPlots ? 0 : 1;
      continue; // left out, or redrawn below (--run-plots)
    }
    copy(path, join(to, name));
  }
  // PIPPS: per-trial diagnostics of a run that has no summary.json with them yet.
  const checkpoint = join(from, 'checkpoint', 'pipps.json');
  if (existsSync(checkpoint)) {
    const summaryPath = join(from, 'summary.json');
    const summary = existsSync(summaryPath) ? JSON.parse(readFileSync(summaryPath, 'utf8')) : undefined;
    if (!summary?.per_trial) {
      const details = JSON.parse(readFileSync(checkpoint, 'utf8')).details ?? [];
      mkdirSync(to, { recursive: true });
      writeFileSync(join(to, 'per_trial.json'), `${JSON.stringify(details)}\n`);
      stats.files++;
      stats.perTrial++;
    }
  }
}

walk(src, dst);

if (!keepPlots && ((runPlots && thinnedRuns.length > 0) || sweeps.length > 0)) {
  const { seedStats } = await import('../packages/report/dist/index.js');
  // The runtime's own reward plot, so a thinned copy is drawn as the run drew it.
  const { rewardPlotSvg } = await import('../packages/runtime/dist/index.js');
  for (const { dir, replot } of runPlots ? thinnedRuns : []) {
    const summaryPath = join(dir, 'summary.json');
    if (!replot || !existsSync(summaryPath)) continue;
    const s = JSON.parse(readFileSync(summaryPath, 'utf8'));
    const rows = readThinCurve(dir);
    writeFileSync(join(dir, 'reward.svg'), rewardPlotSvg(`${s.algo} on ${s.env} (seed ${s.seed}, ${s.backend})`, [{ name: s.algo, x: rows.map((r) => r.steps), y: rows.map((r) => r.reward) }]));
  }
  // As `pathwise sweep` draws <env>.svg (mean ± std over the finished seeds), on the epochs every seed kept.
  for (const out of sweeps) {
    const grid = JSON.parse(readFileSync(join(out, 'grid.json'), 'utf8'));
    for (const env of grid.envs) {
      const series = [];
      for (const algo of grid.algos) {
        const all = grid.seeds.map((seed) => join(out, 'runs', env, algo, `seed-${seed}`));
        const dirs = all.filter((d) => existsSync(join(d, 'summary.json')) || (unfinished && existsSync(join(d, THIN_CSV))));
        const inFlight = dirs.some((d) => !existsSync(join(d, 'summary.json')));
        if (dirs.length === 0 || !dirs.every((d) => existsSync(join(d, THIN_CSV)))) continue;
        const runs = dirs.map(readThinCurve);
        const byEpoch = runs.map((rows) => new Map(rows.map((r) => [r.epoch, r])));
        const epochs = runs[0].map((r) => r.epoch).filter((e) => byEpoch.every((m) => m.has(e)));
        const x = [];
        const y = [];
        const std = [];
        for (const e of epochs) {
          const st = seedStats(byEpoch.map((m) => m.get(e).reward));
          x.push(byEpoch[0].get(e).steps);
          y.push(st.mean);
          std.push(st.std);
        }
        series.push({ name: inFlight ? `${algo} (unfinished: to epoch ${epochs[epochs.length - 1]})` : algo, x, y, ...(dirs.length > 1 ? { std } : {}) });
      }
      if (series.length > 0) writeFileSync(join(out, `${env}.svg`), rewardPlotSvg(`${env}: mean ± std over seeds`, series));
    }
  }
}

const mb = (b) => `${(b / 1e6).toFixed(2)} MB`;
const before = sizeOf(src);
const after = sizeOf(dst);
console.error(
  `thin-runs: ${relative('.', src) || '.'} (${before.files} files, ${mb(before.bytes)}) -> ${relative('.', dst) || '.'} (${after.files} files, ${mb(after.bytes)}); ` +
    `${stats.thinned} metrics.csv thinned to ${THIN_CSV} (every ${every}th epoch + first, last, best)` +
    `${stats.perTrial ? `, ${stats.perTrial} per_trial.json from checkpoints` : ''}` +
    `${stats.runPlotsLeft ? `, ${stats.runPlotsLeft} per-run reward.svg left out` : ''}` +
    `${stats.notStarted ? `, ${stats.notStarted} runs not started yet left out` : ''}` +
    `${!keepPlots && sweeps.length ? `, ${sweeps.length} sweep's curve plots redrawn from the thinned curves` : ''}`,
);
