// The report of docs/reproduction/gippo-tp-cartpole.md: GI-PPO with total-propagation action gradients
// beside GI-PPO with RP (the reference's estimator), both from scripts/gippo-tp-cartpole.mjs (RP seed 1
// is the 500-epoch run of docs/reproduction/gippo-cartpole). Copies each run's config, summary (when
// finished) and thinned curve into the docs folder, prints the table at the epochs every run has
// reached, and writes the curves plot.
// Usage: node scripts/gippo-tp-cartpole-report.mjs [--runs runs/gippo-tp-cartpole] [--rp-runs runs/gippo-rp-cartpole] [--docs docs/reproduction/gippo-tp-cartpole]
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { linePlotSvg, seedStats } from '../packages/report/dist/index.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: 'runs/gippo-tp-cartpole' },
    'rp-runs': { type: 'string', default: 'runs/gippo-rp-cartpole' },
    docs: { type: 'string', default: 'docs/reproduction/gippo-tp-cartpole' },
    baseline: { type: 'string', default: 'docs/reproduction/gippo-cartpole/runs/cartpole-swingup/gippo/seed-1/metrics.thin.csv' },
  },
});

const parse = (text) => {
  const [header, ...lines] = text.trim().split('\n');
  const columns = header.split(',');
  return { header, lines, rows: lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [columns[i], Number(v)]))) };
};

/** Every 10th epoch plus the first, the last and the first that reached the final best (docs/reproduction/README.md). */
function thin(lines, rows) {
  const last = rows.length - 1;
  const best = rows[last]?.best_reward;
  const firstBest = rows.findIndex((r) => r.best_reward === best);
  return lines.filter((_, i) => i === 0 || i === last || i === firstBest || rows[i].epoch % 10 === 0);
}

/** Thinned copies of the run directories under `from` into `docs/<prefix>seed-<n>`; the full curves for the table. */
function collect(from, prefix) {
  const names = existsSync(from)
    ? readdirSync(from)
        .filter((d) => /^seed-\d+$/.test(d))
        .sort()
    : [];
  return names.map((name) => {
    const dir = join(from, name);
    const { header, lines, rows } = parse(readFileSync(join(dir, 'metrics.csv'), 'utf8'));
    const out = join(values.docs, `${prefix}${name}`);
    mkdirSync(out, { recursive: true });
    copyFileSync(join(dir, 'config.json'), join(out, 'config.json'));
    if (existsSync(join(dir, 'summary.json'))) copyFileSync(join(dir, 'summary.json'), join(out, 'summary.json'));
    writeFileSync(join(out, 'metrics.thin.csv'), `${[header, ...thin(lines, rows)].join('\n')}\n`);
    return { seed: Number(name.slice(5)), rows, finished: existsSync(join(dir, 'summary.json')) };
  });
}

const tp = collect(values.runs, 'tp-');
if (tp.length === 0) throw new Error(`No runs under ${values.runs}: run node scripts/gippo-tp-cartpole.mjs first.`);
const rpRuns = collect(values['rp-runs'], 'rp-');
const baseline = parse(readFileSync(values.baseline, 'utf8')).rows;
// The epochs every run has reached, rounded down to a multiple of 10 (the seed-1 baseline is thinned to those).
const common = Math.floor(Math.min(...[...tp, ...rpRuns].map((r) => r.rows.length)) / 10) * 10;
if (common < 50) throw new Error(`Every run needs at least 50 epochs for the table; the shortest has ${Math.min(...[...tp, ...rpRuns].map((r) => r.rows.length))}.`);
const at = (rows, epoch) => rows.find((r) => r.epoch === epoch);
const fmt = (x) => (Number.isFinite(x) ? x.toFixed(1) : String(x));
const meanOver = (rows, key, from, to) => {
  const xs = rows.filter((r) => r.epoch > from && r.epoch <= to && Number.isFinite(r[key])).map((r) => r[key]);
  return xs.reduce((a, b) => a + b, 0) / xs.length;
};

const lines = [];
lines.push(`| run | epochs run | best smoothed reward by epoch ${common} | reward at epoch ${common} | mean α over epochs ${common - 49}–${common} | mean OORR over the same |`);
lines.push('| --- | --- | --- | --- | --- | --- |');
for (const r of tp) {
  lines.push(
    `| GI-PPO + TP, seed ${r.seed} | ${r.rows.length}${r.finished ? ' (finished)' : ''} | ${fmt(at(r.rows, common).best_reward)} | ${fmt(at(r.rows, common).reward)} | ${meanOver(r.rows, 'alpha', common - 50, common).toFixed(3)} | ${meanOver(r.rows, 'oorr', common - 50, common).toFixed(3)} |`,
  );
}
const best = seedStats(tp.map((r) => at(r.rows, common).best_reward));
lines.push(`| **GI-PPO + TP, mean ± std over ${tp.length} seeds** | | **${fmt(best.mean)} ± ${fmt(best.std)}** | | | |`);
const b = at(baseline, common);
lines.push(
  `| GI-PPO + RP, seed 1 (docs/reproduction/gippo-cartpole) | 500 (finished) | ${b ? fmt(b.best_reward) : 'n/a'} | ${b ? fmt(b.reward) : 'n/a'} | ${meanOver(baseline, 'alpha', common - 50, common).toFixed(3)} (thinned rows) | ${meanOver(baseline, 'oorr', common - 50, common).toFixed(3)} (thinned rows) |`,
);
for (const r of rpRuns) {
  lines.push(
    `| GI-PPO + RP, seed ${r.seed} | ${r.rows.length}${r.finished ? ' (finished)' : ''} | ${fmt(at(r.rows, common).best_reward)} | ${fmt(at(r.rows, common).reward)} | ${meanOver(r.rows, 'alpha', common - 50, common).toFixed(3)} | ${meanOver(r.rows, 'oorr', common - 50, common).toFixed(3)} |`,
  );
}
const rpBest = seedStats([...(b ? [b.best_reward] : []), ...rpRuns.map((r) => at(r.rows, common).best_reward)]);
lines.push(`| **GI-PPO + RP, mean ± std over ${rpBest.per_seed.length} seeds** | | **${fmt(rpBest.mean)} ± ${fmt(rpBest.std)}** | | | |`);
const table = lines.join('\n');
writeFileSync(join(values.docs, 'table.md'), `${table}\n`);
process.stdout.write(`${table}\n`);

const series = [
  ...tp.map((r) => ({ name: `TP seed ${r.seed}`, x: r.rows.filter((row) => row.epoch % 5 === 0).map((row) => row.epoch), y: r.rows.filter((row) => row.epoch % 5 === 0).map((row) => row.reward) })),
  { name: 'RP seed 1', x: baseline.map((row) => row.epoch), y: baseline.map((row) => row.reward) },
  ...rpRuns.map((r) => ({
    name: `RP seed ${r.seed}`,
    x: r.rows.filter((row) => row.epoch % 5 === 0).map((row) => row.epoch),
    y: r.rows.filter((row) => row.epoch % 5 === 0).map((row) => row.reward),
  })),
];
writeFileSync(join(values.docs, 'reward.svg'), linePlotSvg({ title: 'GI-PPO on cart-pole swing-up: TP vs RP action gradients', xLabel: 'epoch', yLabel: 'smoothed episode reward', series }));
