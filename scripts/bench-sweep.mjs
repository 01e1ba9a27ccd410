// Side by side: the cost per run of a sweep on the queue (`pathwise sweep --queue` served by
// `pathwise worker` processes, each run a child process) against the embedded worker-thread pool, on a
// grid of very short runs, with 1 and then 2 workers (threads for the pool, worker processes for the
// queue). Each figure is the wall time of the `pathwise sweep` command, start to tables; the queue's
// workers are started (and ready) before it. Rounds alternate the two paths so load drift hits both
// alike. Needs `pnpm build` and a redis-server on PATH (it starts its own on a free loopback port).
// Usage: node scripts/bench-sweep.mjs [--runs 8] [--epochs 1] [--rounds 2] [--backend wasm] [--json]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cliBin } from './lib.mjs';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '8' },
    epochs: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '2' },
    backend: { type: 'string', default: 'wasm' },
    json: { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
const epochs = Number(values.epochs);
const rounds = Number(values.rounds);
const { backend } = values;
const bin = cliBin();
const root = mkdtempSync(join(os.tmpdir(), 'pathwise-bench-sweep-'));
const say = (line) => values.json || process.stderr.write(`${line}\n`);

const port = await new Promise((resolve) => {
  const server = createServer().listen(0, '127.0.0.1', () => {
    const { port: free } = server.address();
    server.close(() => resolve(free));
  });
});
const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', root, '--save', ''], { stdio: ['ignore', 'pipe', 'inherit'] });
redis.on('error', (error) => {
  process.stderr.write(`cannot start redis-server (${error.message}): install it with  apt-get install -y redis-server\n`);
  process.exit(1);
});
await waitForLine(redis.stdout, /ready to accept connections/i);
const url = `redis://127.0.0.1:${port}`;

// A grid of `runs` cells: seeds of ppo on De Jong.
const grid = join(root, 'grid.json');
writeFileSync(grid, JSON.stringify({ algos: ['ppo'], envs: ['dejong'], seeds: Array.from({ length: runs }, (_, i) => i + 1), epochs, backend }));

function waitForLine(stream, pattern) {
  return new Promise((resolve) => {
    let text = '';
    const onData = (chunk) => {
      text += chunk;
      if (pattern.test(text)) {
        stream.off('data', onData);
        resolve();
      }
    };
    stream.setEncoding('utf8').on('data', onData);
  });
}

/** Wall seconds of one `pathwise sweep` into a fresh directory. */
function timedSweep(args) {
  const out = mkdtempSync(join(root, 'sweep-'));
  const start = performance.now();
  const result = spawnSync(process.execPath, [bin, 'sweep', '--grid', grid, '--out', out, '--json', ...args], { encoding: 'utf8' });
  const seconds = (performance.now() - start) / 1000;
  if (result.status !== 0) throw new Error(`pathwise sweep ${args.join(' ')} failed:\n${result.stderr}`);
  rmSync(out, { recursive: true, force: true });
  return seconds;
}

async function queueSweep(workers) {
  const processes = Array.from({ length: workers }, () => spawn(process.execPath, [bin, 'worker', '--queue', url], { stdio: ['ignore', 'ignore', 'pipe'] }));
  await Promise.all(processes.map((p) => waitForLine(p.stderr, /serving/)));
  try {
    return timedSweep(['--queue', url]);
  } finally {
    await Promise.all(processes.map((p) => new Promise((resolve) => (p.once('exit', resolve), p.kill('SIGTERM')))));
  }
}

const seconds = { embedded: { 1: [], 2: [] }, queue: { 1: [], 2: [] } };
for (let round = 1; round <= rounds; round++) {
  for (const workers of [1, 2]) {
    seconds.embedded[workers].push(timedSweep(['--workers', String(workers)]));
    seconds.queue[workers].push(await queueSweep(workers));
    say(`round ${round}, ${workers} worker(s): embedded ${seconds.embedded[workers].at(-1).toFixed(2)} s, queue ${seconds.queue[workers].at(-1).toFixed(2)} s`);
  }
}
redis.kill('SIGTERM');
rmSync(root, { recursive: true, force: true });

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const results = ['embedded', 'queue'].flatMap((path) =>
  [1, 2].map((workers) => ({ backend, path, workers, runs, epochs_per_run: epochs, wall_s: mean(seconds[path][workers]), s_per_run: mean(seconds[path][workers]) / runs })),
);
if (values.json) {
  process.stdout.write(`${JSON.stringify({ what: 'sweep', machine: { cpus: os.cpus().length, node: process.version }, results }, null, 2)}\n`);
} else {
  const perRun = (path, workers) => results.find((r) => r.path === path && r.workers === workers).s_per_run;
  process.stdout.write(`${runs} runs of ppo on dejong, ${epochs} epoch(s) each, ${backend}; mean of ${rounds} round(s); wall time of \`pathwise sweep\`, start to tables\n`);
  process.stdout.write('| path | workers | wall (s) | s per run |\n| --- | --- | --- | --- |\n');
  for (const r of results) process.stdout.write(`| ${r.path} | ${r.workers} | ${r.wall_s.toFixed(2)} | ${r.s_per_run.toFixed(3)} |\n`);
  process.stdout.write(`queue overhead per run: ${(perRun('queue', 1) - perRun('embedded', 1)).toFixed(3)} s with 1 worker, ${(perRun('queue', 2) - perRun('embedded', 2)).toFixed(3)} s with 2\n`);
}
