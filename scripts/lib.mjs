// Shared by the quick-start and test scripts: they must work on a fresh machine with only Node 20
// and npm, so pnpm (pinned in package.json) is fetched through npm when it is missing.
import { CHROMIUM_PATH } from './chromium.mjs';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pinned = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager; // "pnpm@x.y.z"
const toolsDir = join(root, '.tools');

export function log(message) {
  process.stderr.write(`\x1b[1m[pathwise]\x1b[0m ${message}\n`);
}

function works(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/** Puts the pinned pnpm on PATH (installing it into .tools/ with npm if needed). */
export function ensurePnpm() {
  const version = pinned.split('@')[1];
  const localBin = join(toolsDir, 'node_modules', '.bin');
  process.env.PATH = `${localBin}:${process.env.PATH}`;
  if (works('pnpm', ['--version']) === version) return;
  log(`installing ${pinned} into .tools/ (npm)`);
  run('npm', ['install', '--prefix', toolsDir, '--no-save', '--no-audit', '--no-fund', pinned]);
  if (works('pnpm', ['--version']) !== version) throw new Error(`could not install ${pinned}`);
}

export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: process.env, ...options });
  if (result.status !== 0) {
    throw new Error(`'${command} ${args.join(' ')}' failed with exit code ${result.status}`);
  }
}

/** Installs dependencies and builds every package (turbo caches what has not changed). */
export function installAndBuild() {
  ensurePnpm();
  log('installing dependencies (pnpm install --frozen-lockfile)');
  run('pnpm', ['install', '--frozen-lockfile']);
  log('building packages (turbo run build)');
  run('pnpm', ['turbo', 'run', 'build', '--output-logs=errors-only']);
}

export function chromiumPath() {
  return CHROMIUM_PATH;
}

/**
 * What the tests need from Debian: Chromium (browser tests), redis-server (the queue tests start
 * their own instance) and Mesa EGL (WebGPU in Node on llvmpipe). Installs what is missing where that
 * is possible (root with apt-get), otherwise fails loudly with the command to run: never a silent skip.
 */
const SYSTEM_NEEDS = [
  { what: 'Chromium (browser tests)', packages: ['chromium'], present: () => existsSync(chromiumPath()), hint: ' (or point CHROMIUM_PATH at a Chromium binary)' },
  { what: 'redis-server (queue tests)', packages: ['redis-server'], present: () => works('which', ['redis-server']) !== undefined, hint: '' },
  {
    what: 'Mesa EGL (WebGPU in Node)',
    packages: ['libegl1', 'libegl-mesa0', 'libgl1-mesa-dri'],
    present: () => works('dpkg', ['-s', 'libegl1', 'libegl-mesa0', 'libgl1-mesa-dri']) !== undefined || works('which', ['dpkg']) === undefined,
    hint: '',
  },
];

export function ensureSystemPackages() {
  const missing = SYSTEM_NEEDS.filter((need) => !need.present());
  if (missing.length === 0) return;
  const packages = missing.flatMap((need) => need.packages);
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && works('which', ['apt-get']) !== undefined) {
    log(`missing: ${missing.map((need) => need.what).join(', ')}; installing (apt-get update && apt-get install -y ${packages.join(' ')})`);
    run('apt-get', ['update']);
    run('apt-get', ['install', '-y', ...packages]);
    if (missing.every((need) => need.present())) return;
  }
  throw new Error(
    `The tests need ${missing.map((need) => `${need.what}${need.hint}`).join(', ')}, which ${missing.length === 1 ? 'is' : 'are'} missing.\n` +
      `Install with:  sudo apt-get update && sudo apt-get install -y ${packages.join(' ')}\n` +
      `No test was skipped: the run stops here.`,
  );
}

export function cliBin() {
  return join(root, 'apps', 'cli', 'dist', 'bin.js');
}

export { execFileSync };

/** A run's thinned curve (docs/reproduction's metrics.thin.csv), one object of numbers per kept row. */
export function readThinCurve(dir) {
  const [header, ...lines] = readFileSync(join(dir, 'metrics.thin.csv'), 'utf8').trim().split('\n');
  const columns = header.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [columns[i], Number(v)])));
}
