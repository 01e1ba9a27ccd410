// Copies the progress of the long reproduction runs still in flight into docs/reproduction: thins each
// live sweep under runs/ (scripts/thin-runs.mjs --unfinished), draws the physics runs of one env side by
// side (`pathwise plot`), and rewrites the progress tables between the `<!-- progress:start -->` and
// `<!-- progress:end -->` markers of gippo-physics.md and gippo-traffic.md from the thinned curves.
// Sweeps that do not exist (yet) under runs/ are skipped; the tables then show what docs already holds.
// Needs `pnpm build` (apps/cli/dist). Usage: node scripts/reproduction-progress.mjs
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readThinCurve } from './lib.mjs';

const docs = 'docs/reproduction';
const physics = join(docs, 'gippo-physics');
const SWEEPS = [
  ['runs/gippo-physics-hopper-s1', join(physics, 'hopper-s1')],
  ['runs/gippo-physics-hopper-gippo-s1', join(physics, 'hopper-gippo-s1')],
  ['runs/gippo-physics-ant-s1', join(physics, 'ant-s1')],
  ['runs/gippo-traffic-be', join(docs, 'gippo-traffic-be')],
  ['runs/gippo-traffic-acd', join(docs, 'gippo-traffic-acd')],
];
const NAMES = { gippo: 'GI-PPO', ppo: 'PPO', rp: 'RP', lrp: 'LR+RP', lr: 'LR' };

for (const [src, dst] of SWEEPS) {
  if (!existsSync(src)) continue;
  rmSync(dst, { recursive: true, force: true });
  execFileSync(process.execPath, ['scripts/thin-runs.mjs', '--unfinished', src, dst], { stdio: 'inherit' });
}

/** A run's thinned curve in docs, or undefined when it has not started. */
function curve(dir) {
  if (!existsSync(join(dir, 'metrics.thin.csv'))) return undefined;
  const rows = readThinCurve(dir);
  return { rows, last: rows.at(-1), finished: existsSync(join(dir, 'summary.json')) };
}

const thousands = (x) => (x === undefined ? '—' : x.toFixed(1).replace(/\B(?=(\d{3})+(?!\d))/g, ' '));

// Physics: one row per seed-1 run; the plots put each env's runs side by side.
const PHYSICS = [
  ['hopper', 'ppo', 'hopper-s1', '4 452.2'],
  ['hopper', 'gippo', 'hopper-gippo-s1', '4 776.8'],
  ['hopper', 'rp', 'hopper-s1', '5 176.0 (SHAC)'],
  ['ant', 'gippo', 'ant-s1', '5 933.0'],
  ['ant', 'ppo', 'ant-s1', '4 797.4'],
  ['ant', 'rp', 'ant-s1', '7 066.3 (SHAC)'],
];
const physicsRows = ['| run | epochs done of 2 000 | best smoothed reward so far | best by epoch 300 | paper (5-seed mean of the best) |', '| --- | --- | --- | --- | --- |'];
const plots = {};
for (const [env, algo, sweep, paper] of PHYSICS) {
  const dir = join(physics, sweep, 'runs', env, algo, 'seed-1');
  const c = curve(dir);
  const name = `${NAMES[algo]}, ${env}, seed 1`;
  if (!c) {
    physicsRows.push(`| ${name} | 0 (not started) | — | — | ${paper} |`);
    continue;
  }
  const at300 = c.rows.find((r) => r.epoch === 300)?.best_reward;
  physicsRows.push(`| ${name} | ${c.last.epoch}${c.finished ? ' (finished)' : ''} | ${thousands(c.last.best_reward)} | ${thousands(at300)} | ${paper} |`);
  (plots[env] ??= []).push([dir, `${NAMES[algo]}${c.finished ? '' : ' (unfinished)'}`]);
}
for (const [env, runs] of Object.entries(plots)) {
  const args = [
    'apps/cli/dist/bin.js',
    'plot',
    ...runs.map(([dir]) => dir),
    '--labels',
    runs.map(([, label]) => label).join(','),
    '--title',
    `${env}, seed 1: smoothed episode reward`,
    '--out',
    join(physics, `${env}-seed1-compare.svg`),
  ];
  execFileSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
}

// Traffic: every run that has started, B and E first.
const TRAFFIC_PAPER = {
  'traffic-a': { lr: 945.31, rp: 947.4, lrp: 947.18, ppo: 946.34, gippo: 943.47 },
  'traffic-b': { lr: 434.73, rp: 545.19, lrp: 679.54, ppo: 489.5, gippo: 873.69 },
  'traffic-c': { lr: 116.37, rp: 102.99, lrp: 152.92, ppo: 181.28, gippo: 157.45 },
  'traffic-d': { lr: 125.91, rp: 131.17, lrp: 127.78, ppo: 131.82, gippo: 137.13 },
  'traffic-e': { lr: 22.29, rp: 22.75, lrp: 27.97, ppo: 32.54, gippo: 44.38 },
};
const trafficRows = [
  '| scenario | algorithm | seed | epochs done of 500 | best smoothed reward | paper (mean of the best over its runs) | ours / paper (> 1: ours better) |',
  '| --- | --- | --- | --- | --- | --- | --- |',
];
for (const [sweep, envs] of [
  ['gippo-traffic-be', ['traffic-b', 'traffic-e']],
  ['gippo-traffic-acd', ['traffic-a', 'traffic-c', 'traffic-d']],
]) {
  for (const env of envs) {
    for (const algo of ['gippo', 'rp', 'lrp', 'ppo', 'lr']) {
      for (const seed of [1, 2, 3]) {
        const c = curve(join(docs, sweep, 'runs', env, algo, `seed-${seed}`));
        if (!c) continue;
        const paper = TRAFFIC_PAPER[env][algo];
        const best = c.last.best_reward;
        trafficRows.push(
          `| ${env.at(-1).toUpperCase()} | ${NAMES[algo]} | ${seed} | ${c.last.epoch} (${c.finished ? 'finished' : 'running'}) | ${best.toFixed(2)} | ${paper.toFixed(2)} | ${c.finished ? (best / paper).toFixed(2) : '—'} |`,
        );
      }
    }
  }
}

function replaceProgress(path, rows) {
  const text = readFileSync(path, 'utf8');
  const marked = /<!-- progress:start -->[\s\S]*?<!-- progress:end -->/;
  if (!marked.test(text)) throw new Error(`${path} has no <!-- progress:start --> … <!-- progress:end --> markers`);
  writeFileSync(path, text.replace(marked, `<!-- progress:start -->\n${rows.join('\n')}\n<!-- progress:end -->`));
}
replaceProgress(join(docs, 'gippo-physics.md'), physicsRows);
replaceProgress(join(docs, 'gippo-traffic.md'), trafficRows);
console.log(physicsRows.join('\n'));
console.log(trafficRows.join('\n'));
