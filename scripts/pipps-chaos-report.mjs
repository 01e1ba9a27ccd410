// Runs the PIPPS curse-of-chaos studies (docs/algorithms/pipps.md §3.3–3.4) with `pathwise pipps chaos`,
// one run directory per (study, policy seed) under runs/pipps-chaos/ (ignored), skipping finished ones,
// copies each finished run into docs/reproduction/pipps-chaos/ with scripts/thin-runs.mjs, and writes
// the tables beside the spec's numbers to docs/reproduction/pipps-chaos/tables.md.
// Usage: node scripts/pipps-chaos-report.mjs [--report-only] [--backend wasm] [--only name,name]
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const reportOnly = args.includes('--report-only');
const backend = flag('--backend', 'wasm');
const only = flag('--only', undefined)?.split(',');
const runRoot = 'runs/pipps-chaos';
const outRoot = 'docs/reproduction/pipps-chaos';

// Spec values (trVar RP, LR, TP, mean k_LR) for the rows the spec reports.
const SPEC = {
  'cartpole-scale3': { 5: [1.7e-4, 3.3e-3, 1.8e-4, 0.08], 10: [3.2e-1, 3.7e-1, 6.9e-2, 0.14], 20: [3.2e5, 1.0, 0.63, 0.3], 30: [1.6e6, 1.7, 1.0, 0.33] },
  'cartpole-scale1': { 5: [1.2e-4, 4.3e-4, 8.1e-5, 0.13], 10: [6.2e-3, 2.5e-2, 5.1e-3, 0.14], 20: [1.2e-1, 3.5e-2, 1.7e-2, 0.19], 30: [3.9, 7.0e-2, 3.2e-2, 0.14], 50: [3.1e-1, 3.0e-2, 2.1e-2, 0.18] },
  'cartpole-gentle': { 10: [6.3e-5, 1.4e-3, 7.7e-5, 0.013], 30: [5.2e-4, 2.3e-2, 8.7e-4, 0.006], 75: [4.7e-4, 6.3e-2, 5.3e-3, 0.19] },
  rnn: { 10: [2.5e-6, 1.5e-3, 3.4e-6, 0.02], 20: [6.9e-6, 7.5e-3, 1.2e-5, 0.03], 30: [1.7e-5, 6.9e-3, 3.1e-5, 0.05], 50: [3.0e-4, 2.0e-2, 1.0e-4, 0.08], 100: [6.8e-2, 7.1e-2, 5.4e-4, 0.09] },
};

const STUDIES = [
  { name: 'cartpole-scale3', system: 'cartpole', scale: 3, horizons: '5,10,20,30', particles: 100, repeats: 20, seeds: [0, 1, 2, 3, 4, 5, 6, 7] },
  { name: 'rnn', system: 'rnn', horizons: '10,20,30,50,100', particles: 1000, repeats: 30, seeds: [0] },
  { name: 'cartpole-scale1', system: 'cartpole', scale: 1, horizons: '5,10,20,30,50', particles: 100, repeats: 20, seeds: [0, 1, 2, 3] },
  { name: 'double-pendulum', system: 'double-pendulum', scale: 1, horizons: '5,10,20,30', particles: 100, repeats: 20, seeds: [0, 1, 2, 3] },
  { name: 'double-pendulum-long', system: 'double-pendulum', scale: 1, horizons: '50,100', particles: 100, repeats: 20, seeds: [0, 1] },
  { name: 'cartpole-gentle', system: 'cartpole', scale: 0.141, horizons: '10,30,75', particles: 100, repeats: 20, seeds: [0, 1] },
];

const fmt = (x) => (Number.isFinite(x) ? x.toExponential(1).replace('e+', 'e') : String(x));

/** The run's copy in docs/reproduction: runs it under runs/ first when neither has finished it. */
function run(study, seed) {
  const docsDir = join(outRoot, study.name, `seed-${seed}`);
  if (existsSync(join(docsDir, 'summary.json'))) return docsDir;
  const dir = join(runRoot, study.name, `seed-${seed}`);
  if (existsSync(join(dir, 'summary.json'))) return publish(dir, docsDir);
  if (reportOnly) return undefined;
  const cli = [
    'apps/cli/dist/bin.js',
    'pipps',
    'chaos',
    '--system',
    study.system,
    '--horizons',
    study.horizons,
    '--particles',
    String(study.particles),
    '--repeats',
    String(study.repeats),
    '--backend',
    backend,
    '--seed',
    String(seed),
    '--out',
    dir,
    '--json',
  ];
  if (study.scale !== undefined) cli.push('--scale', String(study.scale));
  process.stderr.write(`chaos ${study.name} seed ${seed} ...\n`);
  const result = spawnSync('node', cli, { stdio: ['ignore', 'ignore', 'inherit'] });
  if (result.status !== 0) throw new Error(`pipps chaos failed for ${study.name} seed ${seed}`);
  return publish(dir, docsDir);
}

function publish(dir, docsDir) {
  const result = spawnSync('node', ['scripts/thin-runs.mjs', dir, docsDir], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) throw new Error(`thin-runs failed for ${dir}`);
  return docsDir;
}

const sections = [];
for (const study of STUDIES) {
  if (only && !only.includes(study.name)) continue;
  const lines = [
    `### ${study.name}: system ${study.system}${study.scale !== undefined ? `, scale ${study.scale}` : ''}, P = ${study.particles}, N = ${study.repeats} repeats, ${backend}`,
    '',
    '| policy seed | T | trVar RP | trVar LR | trVar TP | RP / TP | TP / LR | mean k_LR | cosine RP / LR / TP | non-finite RP / LR / TP | spec RP / LR / TP (k_LR) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const seed of study.seeds) {
    const dir = run(study, seed);
    if (!dir) {
      lines.push(`| ${seed} | not run | | | | | | | | | |`);
      continue;
    }
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    for (const T of summary.horizons) {
      const row = (m) => summary.rows.find((r) => r.T === T && r.method === m);
      const [rp, lr, tp] = ['rp', 'lr', 'tp'].map(row);
      const spec = SPEC[study.name]?.[T];
      const specText = spec ? `${fmt(spec[0])} / ${fmt(spec[1])} / ${fmt(spec[2])} (${spec[3]})` : '—';
      lines.push(
        `| ${seed} | ${T} | ${fmt(rp.trace_var)} | ${fmt(lr.trace_var)} | ${fmt(tp.trace_var)} | ${fmt(rp.trace_var / tp.trace_var)} | ${(tp.trace_var / lr.trace_var).toFixed(2)} | ${tp.mean_k_lr.toFixed(3)} | ${rp.cosine.toFixed(2)} / ${lr.cosine.toFixed(2)} / ${tp.cosine.toFixed(2)} | ${rp.nonfinite} / ${lr.nonfinite} / ${tp.nonfinite} | ${specText} |`,
      );
    }
  }
  sections.push(lines.join('\n'));
}
mkdirSync(outRoot, { recursive: true });
const text = `<!-- generated by scripts/pipps-chaos-report.mjs; do not edit by hand -->\n\n${sections.join('\n\n')}\n`;
writeFileSync(join(outRoot, 'tables.md'), text);
process.stdout.write(text);
