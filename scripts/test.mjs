// `npm test`: install, build, typecheck, check import rules and formatting, lint the packages, then
// run every test (Node and headless Chromium) in one vitest run. Ends with one line
// `N passed, N failed`, summed over everything.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureSystemPackages, installAndBuild, log, root } from './lib.mjs';

let passed = 0;
let failed = 0;
let skipped = 0;

function step(name, command, args) {
  log(name);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: process.env });
  if (result.status === 0) passed++;
  else {
    failed++;
    log(`FAILED: ${name}`);
  }
}

function finish(code) {
  process.stdout.write(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  process.exit(code);
}

try {
  installAndBuild();
  ensureSystemPackages();
} catch (error) {
  log(error.message);
  failed++;
  finish(1);
}

// Each static check counts as one test: typecheck, import rules (.dependency-cruiser.cjs), formatting
// (.prettierrc.json), and each package's publint and are-the-types-wrong.
step('typecheck (turbo run typecheck)', 'pnpm', ['turbo', 'run', 'typecheck', '--output-logs=errors-only']);
step('import cycles (dependency-cruiser)', 'pnpm', ['run', '--silent', 'check:cycles']);
step('format (prettier --check)', 'pnpm', ['run', '--silent', 'format:check']);
for (const dir of ['packages', 'apps'].flatMap((d) => readdirSync(join(root, d)).map((p) => join(d, p)))) {
  const manifest = join(root, dir, 'package.json');
  if (!existsSync(manifest) || JSON.parse(readFileSync(manifest, 'utf8')).private) continue;
  step(`package lint ${dir} (publint, attw)`, 'pnpm', ['--dir', dir, 'run', 'lint:pkg']);
}

const resultsDir = join(root, '.vitest-results');
rmSync(resultsDir, { recursive: true, force: true });
mkdirSync(resultsDir, { recursive: true });
const resultsFile = join(resultsDir, 'results.json');
log('vitest: Node project (cpu, wasm) and browser project (headless Chromium: cpu, wasm, webgl, webgpu)');
const vitest = spawnSync('pnpm', ['exec', 'vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${resultsFile}`], {
  cwd: root,
  stdio: 'inherit',
  env: process.env,
});
if (existsSync(resultsFile)) {
  const results = JSON.parse(readFileSync(resultsFile, 'utf8'));
  passed += results.numPassedTests;
  failed += results.numFailedTests;
  skipped += results.numPendingTests + results.numTodoTests;
  // A suite that failed to load has no test results of its own: count it as a failure.
  failed += results.testResults.filter((file) => file.status === 'failed' && file.assertionResults.length === 0).length;
  if (results.numTotalTests === 0) {
    log('vitest ran no test');
    failed++;
  }
} else {
  log('vitest wrote no results');
  failed++;
}
if (vitest.status !== 0 && failed === 0) failed++;
if (skipped > 0) log(`${skipped} test(s) were skipped or todo: see the vitest output above`);
finish(failed > 0 ? 1 : 0);
