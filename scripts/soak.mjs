// Soak: long GI-PPO runs through the runtime (the code path of `pathwise train`), sampling
// tf.memory().numTensors, numBytes, RSS and the V8 heap every 100 epochs, and failing on upward
// drift. Not part of `npm test` (it runs for about an hour); results go in the README's
// "Reliability" section.
//
// Usage: node scripts/soak.mjs [--cases dejong,cartpole] [--backend wasm] [--out runs/soak] [--every 100]
//        [--dejong-epochs 10000] [--cartpole-epochs 1000] [--cartpole-horizon 8] [--check-only]
// Interrupt it at any time (Ctrl-C checkpoints); rerun the same command to continue. Each process
// segment is fitted on its own (a restart resets RSS and the heap), after a warm-up.
//
// Drift thresholds, fixed before the first full run. A least-squares slope over the samples
// after the first 20 % of a segment (at least 5 samples), per 1 000 epochs, must stay below:
//   numTensors  0.5       (a leak of one tensor per epoch gives 1 000)
//   numBytes    64 KiB    (tfjs tensors; a leaked 64-float tensor per epoch gives 256 KiB)
//   heapUsed    1 MiB     (after a forced GC)
//   rss         4 MiB     (includes the WASM heap, which grows in steps and never shrinks)
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

// A forced GC before each sample makes heapUsed a level rather than a sawtooth.
if (typeof globalThis.gc !== 'function') {
  const child = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(child.status ?? (child.signal === 'SIGINT' ? 130 : 143));
}

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: 'dejong,cartpole' },
    backend: { type: 'string', default: 'wasm' },
    out: { type: 'string', default: 'runs/soak' },
    every: { type: 'string', default: '100' },
    'dejong-epochs': { type: 'string', default: '10000' },
    'cartpole-epochs': { type: 'string', default: '1000' },
    // 8 env steps per epoch instead of the reference's 32: a quarter of the time per epoch, and the
    // same code path (rollout, critic, GI-PPO update, checkpoint) once per epoch, which is what leaks.
    'cartpole-horizon': { type: 'string', default: '8' },
    'check-only': { type: 'boolean', default: false },
  },
});

export const THRESHOLDS_PER_1000_EPOCHS = { numTensors: 0.5, numBytes: 64 * 1024, heapUsed: 1024 * 1024, rss: 4 * 1024 * 1024 };
const WARMUP_FRACTION = 0.2;
const MIN_SAMPLES = 5;
const every = Number(values.every);
const CASES = {
  // De Jong in one dimension: GI-PPO's cheapest epoch, so the most epochs per hour.
  dejong: { env: 'dejong', epochs: Number(values['dejong-epochs']) },
  cartpole: { env: 'cartpole-swingup', epochs: Number(values['cartpole-epochs']), overrides: { horizon: Number(values['cartpole-horizon']) } },
};

const names = values.cases.split(',');
for (const name of names) if (!CASES[name]) throw new Error(`unknown soak case '${name}'; cases: ${Object.keys(CASES).join(', ')}`);

const results = {};
if (!values['check-only']) {
  const runtime = await import('../packages/runtime/dist/index.js');
  const { tf } = await import('../packages/core/dist/index.js');
  await import('../apps/cli/dist/builtins.js');
  for (const name of names) {
    const { env, epochs, overrides = {} } = CASES[name];
    const dir = join(values.out, name);
    const samplesPath = join(values.out, `${name}.samples.jsonl`);
    mkdirSync(values.out, { recursive: true });
    const sample = (epoch) => {
      globalThis.gc();
      const memory = tf.memory();
      const usage = process.memoryUsage();
      appendFileSync(
        samplesPath,
        `${JSON.stringify({ case: name, pid: process.pid, epoch, numTensors: memory.numTensors, numBytes: memory.numBytes, heapUsed: usage.heapUsed, rss: usage.rss, t: Date.now() })}\n`,
      );
    };
    const options = {
      preload: [],
      onEpoch: (report) => {
        if (report.epoch % every === 0) sample(report.epoch);
        if (report.epoch % every === 0 || report.epoch === report.epochs) process.stderr.write(`soak ${name}: epoch ${report.epoch}/${report.epochs} reward ${report.reward.toPrecision(4)}\n`);
      },
    };
    const resuming = existsSync(join(dir, 'config.json'));
    const result = resuming
      ? await runtime.resume(dir, { ...options, backend: values.backend })
      : await runtime.train({ algo: 'gippo', env, seeds: [1], backend: values.backend, out: dir, epochs, overrides, ...options });
    if (result.interrupted) {
      process.stderr.write(`soak interrupted: rerun the same command to continue from the checkpoints\n`);
      process.exit(130);
    }
  }
}

// The check: fit each process segment of each case.
let failed = false;
for (const name of names) {
  const samplesPath = join(values.out, `${name}.samples.jsonl`);
  if (!existsSync(samplesPath)) throw new Error(`no samples at ${samplesPath}: run the soak first`);
  const samples = readFileSync(samplesPath, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  const segments = [...new Set(samples.map((s) => s.pid))].map((pid) => samples.filter((s) => s.pid === pid));
  results[name] = { samples: samples.length, epochs: samples.at(-1)?.epoch ?? 0, segments: [] };
  for (const segment of segments) {
    const kept = segment.slice(Math.floor(segment.length * WARMUP_FRACTION));
    const fit = { from_epoch: kept[0]?.epoch, to_epoch: kept.at(-1)?.epoch, samples: kept.length, slopes_per_1000_epochs: {}, ok: true };
    if (kept.length < MIN_SAMPLES) {
      fit.note = `fewer than ${MIN_SAMPLES} samples after warm-up: not fitted`;
    } else {
      for (const [metric, threshold] of Object.entries(THRESHOLDS_PER_1000_EPOCHS)) {
        const slope =
          1000 *
          leastSquaresSlope(
            kept.map((s) => s.epoch),
            kept.map((s) => s[metric]),
          );
        fit.slopes_per_1000_epochs[metric] = slope;
        if (!(slope <= threshold)) {
          fit.ok = false;
          failed = true;
          process.stderr.write(`soak ${name}: ${metric} drifts upward by ${slope.toFixed(3)} per 1000 epochs (threshold ${threshold})\n`);
        }
      }
      fit.first = pick(kept[0]);
      fit.last = pick(kept.at(-1));
    }
    results[name].segments.push(fit);
  }
}
// The curves, one plot per case: heap and RSS in MB (tensors and their bytes go in soak.json; they are flat when nothing leaks).
const { linePlotSvg } = await import('../packages/report/dist/index.js');
for (const name of names) {
  const samples = readFileSync(join(values.out, `${name}.samples.jsonl`), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  const series = (metric, label) => ({ name: label, x: samples.map((s) => s.epoch), y: samples.map((s) => s[metric] / 2 ** 20) });
  const svg = linePlotSvg({
    title: `soak: GI-PPO on ${CASES[name].env}, memory every ${every} epochs`,
    xLabel: 'epoch',
    yLabel: 'MiB',
    series: [series('heapUsed', 'V8 heap used (after GC)'), series('rss', 'RSS')],
  });
  writeFileSync(join(values.out, `soak-${name}.svg`), svg);
}
writeFileSync(join(values.out, 'soak.json'), `${JSON.stringify({ thresholds_per_1000_epochs: THRESHOLDS_PER_1000_EPOCHS, warmup_fraction: WARMUP_FRACTION, results }, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
process.stderr.write(failed ? 'soak: FAILED (upward drift)\n' : 'soak: passed (no drift above the thresholds)\n');
process.exit(failed ? 1 : 0);

function pick(sample) {
  return { epoch: sample.epoch, numTensors: sample.numTensors, numBytes: sample.numBytes, heapUsed: sample.heapUsed, rss: sample.rss };
}

function leastSquaresSlope(x, y) {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
  }
  return sxy / sxx;
}
