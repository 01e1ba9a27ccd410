// Prints the PIPPS cart-pole reproduction tables from `pathwise pipps train` run directories:
// one per-trial table per run, then evaluation cost per trial across runs (mean ± std over the
// runs that reached that trial). Usage: node scripts/pipps-cartpole-table.mjs DIR [DIR ...]
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dirs = process.argv.slice(2);
if (dirs.length === 0) {
  console.error('usage: node scripts/pipps-cartpole-table.mjs RUN_DIR [RUN_DIR ...]');
  process.exit(2);
}

function readRun(dir) {
  const [header, ...lines] = readFileSync(join(dir, 'metrics.csv'), 'utf8').trim().split('\n');
  const columns = header.split(',');
  const rows = lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [columns[i], Number(v)])));
  // summary.json carries per-trial diagnostics once a run is finished; before that the checkpoint does.
  const summaryPath = join(dir, 'summary.json');
  const checkpointPath = join(dir, 'checkpoint', 'pipps.json');
  const perTrial = existsSync(summaryPath)
    ? (JSON.parse(readFileSync(summaryPath, 'utf8')).per_trial ?? [])
    : existsSync(checkpointPath)
      ? (JSON.parse(readFileSync(checkpointPath, 'utf8')).details ?? [])
      : [];
  return { dir, rows, perTrial };
}

const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : '—');
const runs = dirs.map(readRun);
for (const run of runs) {
  console.log(`\n### ${run.dir}: ${run.rows.length} trials\n`);
  console.log('| trial | real evaluation cost, mean ± std of 30 episodes | model NLL per transition (held out) | model cost at the end of the policy steps | mean k_LR | ms per policy step | wall s (cumulative) |');
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
    const have = values.filter((v) => v !== undefined);
    const mean = have.reduce((a, b) => a + b, 0) / have.length;
    const std = have.length > 1 ? Math.sqrt(have.reduce((a, b) => a + (b - mean) ** 2, 0) / (have.length - 1)) : NaN;
    console.log(`| ${t} | ${values.map((v) => (v === undefined ? '—' : f2(v))).join(' | ')} | ${f2(mean)}${have.length > 1 ? ` ± ${f2(std)}` : ''} (${have.length}) |`);
  }
}
