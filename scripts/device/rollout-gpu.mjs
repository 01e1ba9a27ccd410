#!/usr/bin/env node
// The device check of issue 14 (run by rollout-gpu.sh): `pathwise bench rollout` on webgpu in Node
// (Dawn: a GPU's Vulkan driver where there is one) up to 65 536 envs, fused and op-by-op env steps, and
// scripts/bench/rollout_torch.py on CUDA when torch sees a GPU (else on the CPU, all threads), into ONE
// JSON file under $OUT. Every part is time-boxed so that the whole run ends within --budget-s (default
// 450 s); nothing is fetched from the network. A part cut off by its time limit keeps the rows it had.
//
//   node scripts/device/rollout-gpu.mjs [--batches 256,1024,4096,16384,65536] [--budget-s 450] [--out DIR]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 && args[at + 1] !== undefined ? args[at + 1] : fallback;
};
const batches = option('--batches', '256,1024,4096,16384,65536')
  .split(',')
  .map(Number)
  .sort((a, b) => a - b);
if (batches.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--batches: positive integers, comma-separated; got ${option('--batches')}`);
const budgetS = Number(option('--budget-s', '450'));
const outDir = resolve(option('--out', process.env.OUT || 'device-out'));
const started = Date.now();
const deadline = started + budgetS * 1000;
const left = () => Math.max(0, (deadline - Date.now()) / 1000);
/** The share of the budget the webgpu part may use (the torch reference runs after it). */
const WEBGPU_SHARE = 0.65;
/** One bench iteration over this is skipped by the bench itself; a size predicted (linearly) past twice this is not started. */
const ITERATION_LIMIT_S = 30;

const report = {
  what: 'rollout-gpu',
  started: new Date(started).toISOString(),
  machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memory_gib: Math.round(os.totalmem() / 2 ** 30), node: process.version, gpus: gpus(), vulkan_icds: vulkanIcds() },
  adapter: undefined,
  results: [],
  skipped: [],
  reference: [],
  reference_skipped: [],
  reference_error: undefined,
  parts: [],
  errors: [],
};

/** Runs a command with a time limit; returns its exit status, output and seconds (status null when it was killed). */
function run(label, command, commandArgs, limitS, env = {}) {
  const t0 = Date.now();
  const result = spawnSync(command, commandArgs, {
    cwd: root,
    encoding: 'utf8',
    timeout: Math.max(1, limitS) * 1000,
    killSignal: 'SIGKILL',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, ...env },
  });
  const seconds = Math.round((Date.now() - t0) / 100) / 10;
  const part = {
    part: label,
    seconds,
    limit_s: Math.round(limitS),
    exit: result.status,
    ...(result.error ? { error: result.error.message } : {}),
    ...(result.signal ? { signal: result.signal } : {}),
  };
  report.parts.push(part);
  return { ...result, seconds };
}

function gpus() {
  const smi = spawnSync('nvidia-smi', ['--query-gpu=name,driver_version,memory.total', '--format=csv,noheader'], { encoding: 'utf8', timeout: 20_000 });
  return smi.status === 0 ? smi.stdout.trim().split('\n') : [];
}

function vulkanIcds() {
  const dirs = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];
  return dirs.flatMap((dir) => (existsSync(dir) ? readdirSync(dir).map((file) => join(dir, file)) : []));
}

/** The JSON value a command printed on stdout (after any other lines). */
function lastJson(text) {
  const start = text.search(/^[[{]/m);
  if (start < 0) return undefined;
  try {
    return JSON.parse(text.slice(start));
  } catch {
    return undefined;
  }
}

const cli = join(root, 'apps', 'cli', 'dist', 'bin.js');

// 1. The adapter Dawn finds (a hardware one, or llvmpipe: then the rows below are software figures).
{
  const listed = run('backends', process.execPath, [cli, 'backends', '--json'], Math.min(60, left()));
  const webgpu = (lastJson(listed.stdout ?? '') ?? []).find?.((b) => b.name === 'webgpu');
  report.adapter = webgpu ?? { error: (listed.stderr ?? '').trim().split('\n').pop() };
}

// 2. The rollout bench on webgpu, one process per size (a size cut off by its time limit loses only itself).
{
  const webgpuDeadline = started + budgetS * WEBGPU_SHARE * 1000;
  const last = new Map();
  for (const envs of batches) {
    const limitS = (webgpuDeadline - Date.now()) / 1000;
    const predicted = [...last.values()].map(({ envs: n, ms }) => (ms * envs) / n / 1000);
    const reason =
      limitS < 20
        ? `the webgpu part's time (${Math.round(budgetS * WEBGPU_SHARE)} s) ran out`
        : predicted.length > 0 && Math.min(...predicted) > 2 * ITERATION_LIMIT_S
          ? `scaled from the size before, one iteration would take ${Math.round(Math.min(...predicted))} s`
          : undefined;
    if (reason !== undefined) {
      for (const kernel of ['fused', 'ops']) report.skipped.push({ backend: 'webgpu', envs, kernel, reason });
      continue;
    }
    const bench = run(`webgpu ${envs} envs`, process.execPath, [cli, '--backend', 'webgpu', 'bench', 'rollout', '--batches', String(envs), '--no-torch', '--json'], limitS);
    const parsed = lastJson(bench.stdout ?? '');
    if (bench.status !== 0 || parsed === undefined) {
      const why = bench.status === null ? `killed after ${bench.seconds} s (time limit)` : ((bench.stderr ?? '').trim().split('\n').pop() ?? `exit ${bench.status}`);
      for (const kernel of ['fused', 'ops']) report.skipped.push({ backend: 'webgpu', envs, kernel, reason: why });
      report.errors.push(`webgpu ${envs} envs: ${why}`);
      continue;
    }
    report.results.push(...parsed.results);
    report.skipped.push(...parsed.skipped);
    for (const row of parsed.results) last.set(row.kernel, { envs, ms: row.ms_per_iter });
  }
}

// 3. PyTorch: on CUDA when torch sees a GPU, else on the CPU with every thread.
{
  const pythons = process.env.PATHWISE_PYTHON ? [process.env.PATHWISE_PYTHON] : ['python3', '/usr/bin/python3'];
  let python;
  let cuda = false;
  for (const candidate of pythons) {
    const probe = spawnSync(candidate, ['-c', 'import torch, json; print(json.dumps({"torch": torch.__version__, "cuda": torch.cuda.is_available(), "cuda_build": torch.version.cuda}))'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    const info = probe.status === 0 ? lastJson(probe.stdout) : undefined;
    if (info !== undefined) {
      python = candidate;
      cuda = info.cuda;
      report.torch = info;
      break;
    }
  }
  if (python === undefined) {
    report.reference_error = 'no python3 with torch (Debian: apt-get install python3-torch)';
  } else {
    const device = cuda ? 'cuda' : 'cpu';
    if (!cuda) report.reference_error = `torch ${report.torch.torch} sees no CUDA device (CUDA build: ${report.torch.cuda_build ?? 'none'}): the reference ran on the CPU`;
    const threads = cuda ? '1' : String(os.cpus().length);
    const limitS = left() - 5;
    const torch = run(
      `torch ${device}`,
      python,
      [join(root, 'scripts', 'bench', 'rollout_torch.py'), '--envs', batches.join(','), '--threads', threads, '--device', device, '--limit-s', String(ITERATION_LIMIT_S)],
      limitS,
    );
    const parsed = lastJson(torch.stdout ?? '');
    if (parsed !== undefined) {
      report.reference = parsed.reference;
      report.reference_skipped = parsed.skipped;
    } else {
      // Cut off: keep the rows it printed as it went.
      report.reference = (torch.stderr ?? '')
        .split('\n')
        .filter((line) => line.startsWith('{"partial"'))
        .map((line) => JSON.parse(line).partial);
      report.errors.push(`torch ${device}: ${torch.status === null ? `killed after ${torch.seconds} s (time limit)` : (torch.stderr ?? '').trim().split('\n').pop()}`);
    }
  }
}

report.seconds = Math.round((Date.now() - started) / 1000);
// Ratios at each size: fused over ops on webgpu, and webgpu fused over the torch reference.
report.ratios = batches.flatMap((envs) => {
  const at = (kernel) => report.results.find((r) => r.envs === envs && r.kernel === kernel);
  const torch = report.reference.find((r) => r.envs === envs);
  const fused = at('fused');
  if (fused === undefined) return [];
  return [{ envs, fused_over_ops: at('ops') ? +(fused.steps_per_s / at('ops').steps_per_s).toFixed(2) : null, fused_over_torch: torch ? +(fused.steps_per_s / torch.steps_per_s).toFixed(3) : null }];
});
mkdirSync(outDir, { recursive: true });
const file = join(outDir, 'rollout-gpu.json');
writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
process.stdout.write(
  `${file} (${report.seconds} s): ${report.results.length} webgpu rows, ${report.reference.length} torch rows${report.errors.length ? `; errors: ${report.errors.join('; ')}` : ''}\n`,
);
