// Prints the function-optimisation reproduction table (ours beside docs/algorithms/gippo.md §4.1) from a
// sweep's table.csv (a raw sweep under runs/ or its copy in docs/reproduction: table.csv is computed from
// the runs' summary.json, never from the thinned curves). Usage: node scripts/gippo-reproduction-table.mjs [sweep-dir]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const PAPER = {
  dejong: { lr: -1.2456e-6, rp: -1.4185e-8, lrp: -6.358e-8, ppo: -5.2068e-5, gippo: -3.8378e-10 },
  dejong64: { lr: -7.378e-4, rp: -9.2831e-7, lrp: -3.0529e-6, ppo: -1.0768e-3, gippo: -1.0404e-6 },
  ackley: { lr: -1.2772, rp: -0.48215, lrp: -1.2255, ppo: -0.24889, gippo: -5.2389e-4 },
  ackley64: { lr: -0.63782, rp: -8.9449e-3, lrp: -3.2602e-2, ppo: -0.13761, gippo: -3.6001e-3 },
};
const NAMES = { dejong: 'De Jong 1-D', ackley: 'Ackley 1-D', dejong64: 'De Jong 64-D', ackley64: 'Ackley 64-D' };
const ALGOS = { gippo: 'GI-PPO', rp: 'RP', lrp: 'LR+RP', ppo: 'PPO', lr: 'LR' };

const dir = process.argv[2] ?? 'docs/reproduction/gippo-function-optimisation';
const [header, ...lines] = readFileSync(join(dir, 'table.csv'), 'utf8').trim().split('\n');
const columns = header.split(',');
const rows = lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [columns[i], v])));
const fmt = (x) => {
  const [mantissa, exponent] = Number(x).toExponential(2).split('e');
  return Number(exponent) === 0 ? mantissa : `${mantissa}e${Number(exponent)}`;
};
const out = ['| problem | algorithm | ours: best reward, mean ± std (seeds) | ours: final reward | paper (5 seeds) | ours / paper (> 1: worse) |', '| --- | --- | --- | --- | --- | --- |'];
for (const env of Object.keys(PAPER)) {
  for (const algo of Object.keys(ALGOS)) {
    const row = rows.find((r) => r.env === env && r.algo === algo);
    const paper = PAPER[env][algo];
    if (!row) {
      out.push(`| ${NAMES[env]} | ${ALGOS[algo]} | — | — | ${fmt(paper)} | |`);
      continue;
    }
    const std = Number(row.seeds) > 1 ? ` ± ${fmt(row.best_std)}` : '';
    out.push(`| ${NAMES[env]} | ${ALGOS[algo]} | ${fmt(row.best_mean)}${std} (${row.seeds}) | ${fmt(row.final_mean)} | ${fmt(paper)} | ${(Number(row.best_mean) / paper).toFixed(2)} |`);
  }
}
process.stdout.write(`${out.join('\n')}\n`);
