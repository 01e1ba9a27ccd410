// Prints the PIPPS cart-pole reproduction tables from `pathwise pipps train` run directories:
// one per-trial table per run, then evaluation cost per trial across runs (mean ± std over the
// runs that reached that trial). With --group, runs named NAME-seedK are pooled per NAME and only
// the pooled tables are printed, and --svg FILE plots their mean ± std per trial (needs
// `pnpm build`). Usage: node scripts/pipps-cartpole-table.mjs [--group [--svg FILE]] DIR [DIR ...]
// DIR is a raw run under runs/ or its copy in docs/reproduction: metrics.csv has one row per trial and
// is kept whole there (docs/reproduction/README.md).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const group = args.includes('--group');
const svgIndex = args.indexOf('--svg');
const svgPath = svgIndex >= 0 ? args[svgIndex + 1] : undefined;
const dirs = args.filter((a, i) => a !== '--group' && (svgIndex < 0 || (i !== svgIndex && i !== svgIndex + 1)));
if (dirs.length === 0) {
  console.error('usage: node scripts/pipps-cartpole-table.mjs RUN_DIR [RUN_DIR ...]');
  process.exit(2);
}

function readRun(dir) {
  const [header, ...lines] = readFileSync(join(dir, 'metrics.csv'), 'utf8').trim().split('\n');
  const columns = header.split(',');
  const rows = lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [columns[i], Number(v)])));
  // summary.json carries per-trial diagnostics once a run is finished; before that the checkpoint does
  // (in a raw run under runs/), or per_trial.json, its copy in docs/reproduction (scripts/thin-runs.mjs).
  const summaryPath = join(dir, 'summary.json');
  const perTrialPath = join(dir, 'per_trial.json');
  const checkpointPath = join(dir, 'checkpoint', 'pipps.json');
  const perTrial = existsSync(summaryPath)
    ? (JSON.parse(readFileSync(summaryPath, 'utf8')).per_trial ?? [])
    : existsSync(perTrialPath)
      ? JSON.parse(readFileSync(perTrialPath, 'utf8'))
      : existsSync(checkpointPath)
        ? (JSON.parse(readFileSync(checkpointPath, 'utf8')).details ?? [])
        : [];
  return { dir, rows, perTrial };
}

const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : '—');
const runs = dirs.map(readRun);
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs) => (xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean(xs)) ** 2, 0) / (xs.length - 1)) : NaN);
const meanStd = (xs) => (xs.length === 0 ? '—' : `${f2(mean(xs))}${xs.length > 1 ? ` ± ${f2(std(xs))}` : ''} (${xs.length})`);

if (group) {
  const groups = new Map();
  for (const run of runs) {
    const name = run.dir
      .split('/')
      .pop()
      .replace(/-seed\d+$/, '');
    groups.set(name, [...(groups.get(name) ?? []), run]);
  }
  const maxTrial = Math.max(...runs.map((r) => r.rows.length));
  const names = [...groups.keys()];
  console.log('### Real evaluation cost per trial, mean ± std over seeds (seeds that reached the trial)\n');
  console.log(`| trial | ${names.join(' | ')} |`);
  console.log(`| --- | ${names.map(() => '---').join(' | ')} |`);
  for (let t = 1; t <= maxTrial; t++) {
    const cells = names.map((n) => meanStd(groups.get(n).flatMap((r) => r.rows.filter((row) => row.trial === t).map((row) => row.eval_cost_mean))));
    console.log(`| ${t} | ${cells.join(' | ')} |`);
  }
  if (svgPath) {
    const { linePlotSvg } = await import('../packages/report/dist/index.js');
    const series = names.map((n) => {
      const x = [];
      const y = [];
      const sd = [];
      for (let t = 1; t <= maxTrial; t++) {
        const costs = groups.get(n).flatMap((r) => r.rows.filter((row) => row.trial === t).map((row) => row.eval_cost_mean));
        // Only trials every seed reached: a mean over fewer seeds would jump.
        if (costs.length < groups.get(n).length) break;
        x.push(t);
        y.push(mean(costs));
        sd.push(costs.length > 1 ? std(costs) : 0);
      }
      return { name: `${n} (${groups.get(n).length} seeds)`, x, y, std: sd };
    });
    writeFileSync(svgPath, linePlotSvg({ title: 'Cart-pole swing-up: real evaluation cost per trial (mean ± std over seeds)', xLabel: 'trial', yLabel: 'cost (sum of 30 step costs)', series }));
    console.error(`plot: ${svgPath}`);
  }
  console.log('\n### Per run: trials finished, best and last cost, ms per policy step (mean over trials), non-finite steps\n');
  console.log('| run | trials | best cost | last cost | ms per policy step | skipped non-finite steps |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const run of runs) {
    const costs = run.rows.map((r) => r.eval_cost_mean);
    const ms = run.perTrial.map((d) => d.ms_per_policy_step).filter((x) => x != null);
    const skipped = run.perTrial.reduce((a, d) => a + (d.nonfinite_steps ?? 0), 0);
    console.log(`| ${run.dir.split('/').pop()} | ${run.rows.length} | ${f2(Math.min(...costs))} | ${f2(costs.at(-1))} | ${ms.length ? mean(ms).toFixed(0) : '—'} | ${skipped} |`);
  }
  process.exit(0);
}

for (const run of runs) {
  console.log(`\n### ${run.dir}: ${run.rows.length} trials\n`);
  console.log(
    '| trial | real evaluation cost, mean ± std of 30 episodes | model NLL per transition (held out) | model cost at the end of the policy steps | mean k_LR | ms per policy step | wall s (cumulative) |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const row of run.rows) {
    const d = run.perTrial.find((p) => p.trial === row.trial) ?? {};
    console.log(
      `| ${row.trial} | ${f2(row.eval_cost_mean)} ± ${f2(row.eval_cost_std)} | ${f2(row.model_nll)} | ${f2(d.model_cost_final)} | ${d.mean_k_lr != null ? d.mean_k_lr.toFixed(3) : '—'} | ${d.ms_per_policy_step != null ? d.ms_per_policy_step.toFixed(0) : '—'} | ${row.wall_s.toFixed(0)} |`,
    );
  }
}

if (runs.length > 1) {
  const maxTrial = Math.max(...runs.map((r) => r.rows.length));
  console.log('\n### Evaluation cost across runs\n');
  console.log(`| trial | ${runs.map((r) => r.dir.split('/').pop()).join(' | ')} | mean ± std (runs) |`);
  console.log(`| --- | ${runs.map(() => '---').join(' | ')} | --- |`);
  for (let t = 1; t <= maxTrial; t++) {
    const values = runs.map((r) => r.rows.find((row) => row.trial === t)?.eval_cost_mean);
    console.log(`| ${t} | ${values.map((v) => (v === undefined ? '—' : f2(v))).join(' | ')} | ${meanStd(values.filter((v) => v !== undefined))} |`);
  }
}
