#!/usr/bin/env node
// Golden outputs of the built CLI, to prove a refactor changed no numbers.
//
//   node scripts/golden.mjs record [--force]            record every case into tests/golden/data
//   node scripts/golden.mjs check [--full] [--cli PATH] re-run the cases and compare with the goldens
//
// `check` runs the fast subset (the one tests/golden runs) unless --full is given, with the CLI of
// the tree it runs in (apps/cli/dist/bin.js) unless --cli names another one. It prints one line per
// case (EXACT, WITHIN TOLERANCE or FAIL, with the max relative difference) and exits 1 on a failure
// or when tests/golden/SHA256SUMS does not match the golden files. Cases run one after another.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { compareCase, dataDir, defaultCli, ensureDir, fastCases, formatResult, fullCases, goldenDir, loadTolerances, runCase, TRAIN_EPOCHS, verifySums, writeSums } from './golden-lib.mjs';

const [mode, ...rest] = process.argv.slice(2);
const flag = (name) => rest.includes(name);
const option = (name) => {
  const i = rest.indexOf(name);
  return i >= 0 ? rest[i + 1] : undefined;
};
const cli = resolve(option('--cli') ?? defaultCli);
const log = (m) => process.stderr.write(`${m}\n`);

if (!existsSync(cli)) {
  log(`no built CLI at ${cli}: build first (pnpm turbo run build) or pass --cli PATH`);
  process.exit(2);
}

if (mode === 'record') {
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0 && !flag('--force')) {
    log(`${dataDir} already holds goldens: pass --force to overwrite them (the refactored tree must use check, not record)`);
    process.exit(2);
  }
  ensureDir(dataDir);
  const cases = fullCases();
  const manifest = { node: process.version, recorded_at: new Date().toISOString(), train_epochs: TRAIN_EPOCHS, cases: {} };
  const start = Date.now();
  for (const kase of cases) {
    const t0 = Date.now();
    const files = runCase(cli, kase);
    for (const [suffix, text] of Object.entries(files)) writeFileSync(join(dataDir, kase.name + suffix), text);
    const seconds = (Date.now() - t0) / 1000;
    manifest.cases[kase.name] = { kind: kase.kind, argv: kase.args('<out>'), files: Object.keys(files).map((s) => `data/${kase.name}${s}`), seconds };
    log(`recorded ${kase.name} (${seconds.toFixed(1)} s)`);
  }
  manifest.total_seconds = (Date.now() - start) / 1000;
  writeFileSync(join(goldenDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  writeSums(goldenDir, cases);
  log(`recorded ${cases.length} cases in ${manifest.total_seconds.toFixed(1)} s; wrote tests/golden/SHA256SUMS`);
} else if (mode === 'check') {
  const sumProblems = verifySums();
  for (const p of sumProblems) log(`SHA256SUMS: ${p}`);
  const tolerances = loadTolerances();
  const full = flag('--full');
  const cases = full ? fullCases() : fastCases();
  log(`checking ${cases.length} cases (${full ? 'full' : 'fast subset'}) with ${cli}`);
  let failed = 0;
  const start = Date.now();
  for (const kase of cases) {
    let result;
    try {
      const files = runCase(cli, kase);
      result = compareCase(kase, files, tolerances, { prefixRows: kase.rows });
    } catch (error) {
      result = { name: kase.name, ok: false, exact: false, strict: { maxRel: Infinity, cells: 0, inexact: 0 }, info: { cells: 0 }, problems: [String(error.message ?? error)], notes: [] };
    }
    if (!result.ok) failed++;
    process.stdout.write(formatResult(result) + '\n');
  }
  const seconds = ((Date.now() - start) / 1000).toFixed(1);
  process.stdout.write(`${cases.length - failed}/${cases.length} cases within tolerance, ${failed} failed, SHA256SUMS ${sumProblems.length ? 'MISMATCH' : 'ok'} (${seconds} s)\n`);
  process.exit(failed > 0 || sumProblems.length > 0 ? 1 : 0);
} else {
  log('usage: node scripts/golden.mjs record [--force] | check [--full] [--cli PATH]');
  process.exit(2);
}
