// Golden outputs: the cases, how each is run through the built CLI, how its outputs are normalised
// (timing fields dropped) and how a fresh run is compared with the recorded goldens. Used by
// scripts/golden.mjs (record / check) and by tests/golden/src/golden.test.ts.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
export const goldenDir = join(repoRoot, 'tests', 'golden');
export const dataDir = join(goldenDir, 'data');
export const defaultCli = join(repoRoot, 'apps', 'cli', 'dist', 'bin.js');

export const ALGOS = ['lr', 'rp', 'lrp', 'ppo', 'gippo'];
export const BACKENDS = ['cpu', 'wasm'];
export const SEED = 1;

/**
 * Epochs recorded per env and backend. 30 everywhere was the target; cartpole-swingup on cpu
 * takes 15-50 s per epoch on the shared 2-core recording machine (gippo: 22 s per epoch unloaded,
 * 198 s for the 4 recorded epochs under load, so 30 epochs would be 11-25 min per run), so it is
 * recorded with 4 epochs; wasm cartpole (1.5-3.5 s per epoch) is cut to 10 to keep record +
 * check --full within the time box. Only the first 3 epochs are compared strictly (see
 * tolerances.json); the later ones are informational in any case.
 */
export const TRAIN_EPOCHS = {
  'dejong64/cpu': 30,
  'dejong64/wasm': 30,
  'cartpole-swingup/cpu': 4,
  'cartpole-swingup/wasm': 10,
};

/** Timing fields: nondeterministic, dropped before storing or comparing. */
export const DROP_CSV_COLUMNS = ['wall_s'];
export const DROP_JSON_KEY = /(^wall_s|^fit_s|^policy_s|^eval_s|^ms_per_policy_step)$/;

/**
 * A case: `kind` selects the tolerance in tolerances.json; `args(out)` is the CLI argv;
 * `outputs` maps produced files (relative to out, or 'stdout') to golden file suffixes.
 */
function trainCase(algo, env, backend, epochs = TRAIN_EPOCHS[`${env}/${backend}`]) {
  return {
    name: `train-${algo}-${env}-${backend}`,
    kind: 'train',
    args: (out) => ['train', '--algo', algo, '--env', env, '--epochs', String(epochs), '--seed', String(SEED), '--backend', backend, '--out', out, '--force'],
    outputs: [{ from: 'metrics.csv', suffix: '.csv', type: 'csv' }],
    rows: epochs,
  };
}

function chaosCase(system, { horizons, particles, repeats }) {
  return {
    name: `pipps-chaos-${system}-cpu`,
    kind: 'pipps-chaos',
    args: (out) => [
      'pipps',
      'chaos',
      '--system',
      system,
      '--horizons',
      horizons,
      '--particles',
      String(particles),
      '--repeats',
      String(repeats),
      '--seed',
      String(SEED),
      '--backend',
      'cpu',
      '--out',
      out,
    ],
    outputs: [
      { from: 'variance.csv', suffix: '.csv', type: 'csv' },
      { from: 'summary.json', suffix: '.json', type: 'json' },
    ],
  };
}

/**
 * `pipps train` now writes the runtime's run directory (one run orchestrator for every algorithm):
 * metrics with `epoch` for `trial`, the settings in config.json, the PIPPS summary fields in the
 * metrics rows. This puts the same numbers back into the golden's shape (no value is recomputed
 * except sums and the last/best row), so the comparison stays value for value.
 */
function adaptPippsRun(out) {
  const { header, rows } = parseCsv(readFileSync(join(out, 'metrics.csv'), 'utf8'));
  const col = (row, name) => Number(row[header.indexOf(name)]);
  const record = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  const c = record.config;
  const last = rows[rows.length - 1];
  const csv = [
    'trial,eval_cost_mean,eval_cost_std,model_nll,policy_steps',
    ...rows.map((r) => ['epoch', 'eval_cost_mean', 'eval_cost_std', 'model_nll', 'policy_steps'].map((n) => r[header.indexOf(n)]).join(',')),
  ].join('\n');
  const json = {
    method: c.estimator,
    model: c.model,
    seed: record.seed,
    backend: record.backend,
    trials: c.trials,
    particles: c.particles,
    horizon: c.horizon,
    policy_steps: c.policySteps,
    eval_episodes: c.evalEpisodes,
    final_cost: col(last, 'eval_cost_mean'),
    final_cost_std: col(last, 'eval_cost_std'),
    best_cost: -summary.best_reward,
    final_model_nll: col(last, 'model_nll'),
    nonfinite_steps: rows.reduce((sum, r) => sum + col(r, 'nonfinite_steps'), 0),
    per_trial: rows.map((r) => ({
      trial: col(r, 'epoch'),
      data_points: col(r, 'steps'),
      fit_loss: col(r, 'fit_loss'),
      nonfinite_steps: col(r, 'nonfinite_steps'),
      model_cost_final: col(r, 'model_cost_final'),
      mean_k_lr: col(r, 'mean_k_lr'),
    })),
  };
  return { '.csv': `${csv}\n`, '.json': JSON.stringify(json) };
}

const pippsTrain = {
  name: 'pipps-train-tp-gp-cpu',
  kind: 'pipps-train',
  adapt: (out) => (existsSync(join(out, 'config.json')) && JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).algo === 'pipps' ? adaptPippsRun(out) : undefined),
  args: (out) => [
    'pipps',
    'train',
    '--method',
    'tp',
    '--model',
    'gp',
    '--trials',
    '1',
    '--particles',
    '10',
    '--horizon',
    '10',
    '--policy-steps',
    '5',
    '--eval-episodes',
    '3',
    '--seed',
    String(SEED),
    '--backend',
    'cpu',
    '--out',
    out,
    '--force',
  ],
  outputs: [
    { from: 'metrics.csv', suffix: '.csv', type: 'csv' },
    { from: 'summary.json', suffix: '.json', type: 'json' },
  ],
};

const viClosedForm = {
  name: 'vi-closed-form-2d',
  kind: 'vi-closed-form',
  args: () => ['vi', 'closed-form', '--mu', '[0.5,-1]', '--sigma', '[1,0.5]', '--grad', '[1,2]', '--hessian', '[[-2,0.5],[0.5,-1]]', '--baseline', 'optimal', '--c0', '0.25', '--json'],
  outputs: [{ from: 'stdout', suffix: '.json', type: 'json' }],
};

/**
 * `vi compare` gained a summary group `all` (every coordinate) beside `bias` and `weights`, and
 * standard-error columns. The golden predates them: the `all` rows are left out here (new columns
 * and keys are reported as not compared), so every recorded group is still compared value for value.
 */
function adaptViCompare(out) {
  const groups = readFileSync(join(out, 'groups.csv'), 'utf8').split('\n');
  const column = groups[0].split(',').indexOf('group');
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  for (const point of summary.points) point.groups = point.groups.filter((g) => g.group !== 'all');
  return {
    '.groups.csv': groups.filter((line, i) => i === 0 || line.split(',')[column] !== 'all').join('\n'),
    '.json': JSON.stringify(summary),
  };
}

const viCompare = {
  name: 'vi-compare-logreg-cpu',
  kind: 'vi-compare',
  adapt: adaptViCompare,
  args: (out) => ['vi', 'compare', '--model', 'logreg', '--data', 'breast-cancer', '--samples', '100', '--steps', '50', '--seed', String(SEED), '--backend', 'cpu', '--out', out],
  outputs: [
    { from: 'summary.json', suffix: '.json', type: 'json' },
    { from: 'groups.csv', suffix: '.groups.csv', type: 'csv' },
    { from: 'coordinates.csv', suffix: '.coordinates.csv', type: 'csv' },
  ],
};

/** Every recorded case, at its full size. */
export function fullCases() {
  const cases = [];
  for (const env of ['dejong64', 'cartpole-swingup']) for (const backend of BACKENDS) for (const algo of ALGOS) cases.push(trainCase(algo, env, backend));
  cases.push(chaosCase('rnn', { horizons: '5,10', particles: 20, repeats: 5 }));
  cases.push(chaosCase('cartpole', { horizons: '5,10', particles: 10, repeats: 3 }));
  cases.push(pippsTrain, viClosedForm, viCompare);
  return cases;
}

/**
 * The fast subset (the vitest file and `check` without --full): the same golden files, train runs
 * cut to their first epochs (a run of N epochs is the first N rows of a longer run: the learning
 * rate schedules follow the config's maxEpochs, not --epochs).
 */
export function fastCases() {
  const cases = [];
  for (const backend of BACKENDS) for (const algo of ALGOS) cases.push(trainCase(algo, 'dejong64', backend, 3));
  // Multi-step cart-pole on wasm: cpu takes 20-50 s per epoch here, wasm 1.5-3.5 s.
  for (const algo of ['gippo', 'rp']) cases.push(trainCase(algo, 'cartpole-swingup', 'wasm', 2));
  cases.push(viClosedForm, viCompare, chaosCase('rnn', { horizons: '5,10', particles: 20, repeats: 5 }));
  return cases;
}

// ---------------------------------------------------------------------------------------------
// Running and normalising

/** Runs one case with the CLI at `cli` in a fresh temp dir; returns { [suffix]: normalised text }. */
export function runCase(cli, kase, { quiet = true } = {}) {
  const work = mkdtempSync(join(tmpdir(), `golden-${kase.name}-`));
  const out = join(work, 'out');
  try {
    const result = spawnSync(process.execPath, [cli, ...kase.args(out)], {
      cwd: work,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    if (result.status !== 0) {
      throw new Error(`${kase.name}: 'node ${cli} ${kase.args(out).join(' ')}' exited with ${result.status}\n${result.stderr}`);
    }
    if (!quiet && result.stderr) process.stderr.write(result.stderr);
    const files = {};
    const adapted = kase.adapt?.(out);
    for (const o of kase.outputs) {
      const text = adapted?.[o.suffix] ?? (o.from === 'stdout' ? result.stdout : readFileSync(join(out, o.from), 'utf8'));
      files[o.suffix] = o.type === 'csv' ? normaliseCsv(text) : normaliseJson(text);
    }
    return files;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export function parseCsv(text) {
  const lines = text.split('\n').filter((l) => l.length > 0);
  // The CLI's CSVs hold numbers and bare words; a quoted cell with a comma would need a real parser.
  if (lines.some((l) => l.includes('"'))) throw new Error('quoted CSV cells are not supported');
  const [header, ...rows] = lines.map((l) => l.split(','));
  return { header: header ?? [], rows };
}

export function normaliseCsv(text) {
  const { header, rows } = parseCsv(text);
  const keep = header.map((h, i) => (DROP_CSV_COLUMNS.includes(h) ? -1 : i)).filter((i) => i >= 0);
  return [header, ...rows].map((r) => keep.map((i) => r[i] ?? '').join(',')).join('\n') + '\n';
}

function dropKeys(value) {
  if (Array.isArray(value)) return value.map(dropKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => !DROP_JSON_KEY.test(k))
        .map(([k, v]) => [k, dropKeys(v)]),
    );
  }
  return value;
}

export function normaliseJson(text) {
  return JSON.stringify(dropKeys(JSON.parse(text)), null, 2) + '\n';
}

// ---------------------------------------------------------------------------------------------
// Comparing

export function loadTolerances(dir = goldenDir) {
  return JSON.parse(readFileSync(join(dir, 'tolerances.json'), 'utf8'));
}

/** Relative difference |a - b| / max(|a|, |b|); 0 when equal (NaN equals NaN), Infinity when one is not a number. */
export function relDiff(a, b) {
  if (Object.is(a, b) || a === b) return 0;
  if (Number.isNaN(a) && Number.isNaN(b)) return 0;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return Infinity;
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
}

function cellNumber(s) {
  if (s === 'NaN') return NaN;
  if (s === 'Infinity') return Infinity;
  if (s === '-Infinity') return -Infinity;
  if (s.trim() === '') return undefined;
  const n = Number(s);
  return Number.isNaN(n) ? undefined : n;
}

/**
 * Compares one value pair. Exact means identical as printed. Otherwise numbers pass when
 * |a - b| <= max(rel · max(|a|, |b|), abs); strings must be identical.
 */
function compareValue(golden, actual, tol) {
  if (golden === actual) return { exact: true, ok: true, rel: 0 };
  const g = typeof golden === 'number' ? golden : typeof golden === 'string' ? cellNumber(golden) : undefined;
  const a = typeof actual === 'number' ? actual : typeof actual === 'string' ? cellNumber(actual) : undefined;
  if (g === undefined || a === undefined) return { exact: false, ok: false, rel: Infinity };
  const rel = relDiff(g, a);
  if (rel === 0) return { exact: false, ok: true, rel: 0 };
  const ok = Number.isFinite(g) && Number.isFinite(a) && Math.abs(g - a) <= Math.max(tol.rel * Math.max(Math.abs(g), Math.abs(a)), tol.abs);
  return { exact: false, ok, rel };
}

class Tally {
  constructor() {
    this.strict = { cells: 0, inexact: 0, failed: 0, maxRel: 0, worst: null };
    this.info = { cells: 0, inexact: 0, maxRel: 0, worst: null };
    this.problems = [];
  }
  add(where, golden, actual, tol, informational) {
    const r = compareValue(golden, actual, tol);
    const t = informational ? this.info : this.strict;
    t.cells++;
    if (!r.exact) t.inexact++;
    if (r.rel > t.maxRel || (t.worst === null && !r.exact)) {
      t.maxRel = Math.max(t.maxRel, r.rel);
      t.worst = `${where}: golden ${golden} vs ${actual}`;
    }
    if (!informational && !r.ok) {
      this.strict.failed++;
      if (this.problems.length < 5) this.problems.push(`${where}: golden ${golden} vs ${actual} (rel ${r.rel.toExponential(2)})`);
    }
  }
  problem(message) {
    this.problems.push(message);
    this.strict.failed++;
  }
}

/**
 * Compares CSV texts column by column. `tol.strict_rows` (train): only the first N data rows are
 * held to the tolerance, later rows are reported as informational. `prefixRows`: the actual run is
 * shorter on purpose (fast subset) and is compared with the golden's first rows.
 */
function compareCsv(goldenText, actualText, tol, tally, label, prefixRows) {
  const g = parseCsv(goldenText);
  const a = parseCsv(actualText);
  const expectedRows = prefixRows ?? g.rows.length;
  if (expectedRows > g.rows.length) tally.problem(`${label}: asked for ${expectedRows} rows, the golden has ${g.rows.length}`);
  if (a.rows.length !== expectedRows) tally.problem(`${label}: ${a.rows.length} rows, expected ${expectedRows}`);
  const extra = a.header.filter((h) => !g.header.includes(h));
  const notes = extra.length ? [`${label}: new columns not in the golden (not compared): ${extra.join(', ')}`] : [];
  for (const [gi, column] of g.header.entries()) {
    const ai = a.header.indexOf(column);
    if (ai < 0) {
      tally.problem(`${label}: column ${column} is missing`);
      continue;
    }
    for (let r = 0; r < Math.min(expectedRows, a.rows.length, g.rows.length); r++) {
      const informational = tol.strict_rows !== undefined && r >= tol.strict_rows;
      tally.add(`${label} row ${r + 1} ${column}`, g.rows[r][gi], a.rows[r][ai], tol, informational);
    }
  }
  return notes;
}

function compareJson(goldenText, actualText, tol, tally, label) {
  const notes = [];
  const walk = (g, a, path) => {
    if (Array.isArray(g)) {
      if (!Array.isArray(a) || a.length !== g.length) return tally.problem(`${label} ${path}: array length ${Array.isArray(a) ? a.length : typeof a}, golden ${g.length}`);
      g.forEach((v, i) => walk(v, a[i], `${path}[${i}]`));
    } else if (g !== null && typeof g === 'object') {
      if (a === null || typeof a !== 'object' || Array.isArray(a)) return tally.problem(`${label} ${path}: not an object`);
      for (const k of Object.keys(g)) {
        if (!(k in a)) tally.problem(`${label} ${path}.${k}: missing`);
        else walk(g[k], a[k], `${path}.${k}`);
      }
      const extra = Object.keys(a).filter((k) => !(k in g));
      if (extra.length) notes.push(`${label} ${path}: new keys not in the golden (not compared): ${extra.join(', ')}`);
    } else {
      tally.add(`${label} ${path}`, g, a, tol, false);
    }
  };
  walk(JSON.parse(goldenText), JSON.parse(actualText), '$');
  return notes;
}

/**
 * Compares a case's fresh outputs with the golden files. Returns
 * { name, kind, ok, exact, strict: {...}, info: {...}, problems, notes }.
 */
export function compareCase(kase, actualFiles, tolerances, { dir = dataDir, prefixRows } = {}) {
  const tol = tolerances.kinds[kase.kind];
  if (!tol) throw new Error(`no tolerance for kind ${kase.kind}`);
  const tally = new Tally();
  const notes = [];
  for (const o of kase.outputs) {
    const file = join(dir, kase.name + o.suffix);
    if (!existsSync(file)) {
      tally.problem(`golden ${kase.name + o.suffix} is missing`);
      continue;
    }
    const golden = readFileSync(file, 'utf8');
    const actual = actualFiles[o.suffix];
    if (o.type === 'csv') notes.push(...compareCsv(golden, actual, tol, tally, kase.name + o.suffix, prefixRows));
    else notes.push(...compareJson(golden, actual, tol, tally, kase.name + o.suffix));
  }
  const exact = tally.problems.length === 0 && tally.strict.inexact === 0 && tally.info.inexact === 0;
  return { name: kase.name, kind: kase.kind, ok: tally.strict.failed === 0, exact, strict: tally.strict, info: tally.info, problems: tally.problems, notes };
}

export function formatResult(r) {
  const status = !r.ok ? 'FAIL' : r.exact ? 'EXACT' : 'WITHIN TOLERANCE';
  let line = `${status.padEnd(16)} ${r.name.padEnd(40)} max rel diff ${r.strict.maxRel.toExponential(2)} (${r.strict.cells} cells, ${r.strict.inexact} not bit-identical)`;
  if (r.info.cells > 0) line += `; later rows (informational) max rel ${r.info.maxRel.toExponential(2)} (${r.info.cells} cells, ${r.info.inexact} not bit-identical)`;
  const more = [...r.problems.map((p) => `    ! ${p}`), ...r.notes.map((n) => `    note: ${n}`)];
  if (!r.exact && r.strict.worst) more.push(`    worst: ${r.strict.worst}`);
  return [line, ...more].join('\n');
}

// ---------------------------------------------------------------------------------------------
// SHA256SUMS

export function sha256(path) {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Files covered by SHA256SUMS, relative to tests/golden. */
export function summedFiles(cases = fullCases()) {
  const files = cases.flatMap((c) => c.outputs.map((o) => `data/${c.name}${o.suffix}`));
  return [...files, 'tolerances.json', 'manifest.json'];
}

export function writeSums(dir = goldenDir, cases = fullCases()) {
  const lines = summedFiles(cases).map((f) => `${sha256(join(dir, f))}  ${f}`);
  writeFileSync(join(dir, 'SHA256SUMS'), lines.join('\n') + '\n');
}

/** Returns a list of problems: a changed, missing or unlisted golden file. */
export function verifySums(dir = goldenDir, cases = fullCases()) {
  const problems = [];
  const listed = new Map();
  for (const line of readFileSync(join(dir, 'SHA256SUMS'), 'utf8').split('\n').filter(Boolean)) {
    const m = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
    if (!m) problems.push(`SHA256SUMS: bad line '${line}'`);
    else listed.set(m[2], m[1]);
  }
  for (const f of summedFiles(cases)) {
    if (!listed.has(f)) problems.push(`${f} is not listed in SHA256SUMS`);
    else if (!existsSync(join(dir, f))) problems.push(`${f} is missing`);
    else if (sha256(join(dir, f)) !== listed.get(f)) problems.push(`${f} does not match its sha256 in SHA256SUMS`);
  }
  return problems;
}

export function ensureDir(path) {
  mkdirSync(path, { recursive: true });
}
