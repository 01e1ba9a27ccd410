#!/usr/bin/env node
// Prints the size of each lazily loaded backend chunk of the built playground (raw and gzip),
// from the chunk graph that vite.config.ts records (dist/worker-chunks.json). `--json` for JSON.
import { readFileSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const chunks = JSON.parse(readFileSync(join(dist, 'worker-chunks.json'), 'utf8'));
const byFile = new Map(chunks.map((c) => [c.file, c]));
const size = (file) => {
  const bytes = readFileSync(join(dist, file));
  return { raw: statSync(join(dist, file)).size, gzip: gzipSync(bytes, { level: 9 }).length };
};
const kB = (n) => (n / 1024).toFixed(1);

const entry = chunks.find((c) => c.isEntry);
// Chunks the worker needs before any backend: the entry and what it imports statically.
const eager = new Set([entry.file, ...entry.imports]);
const backends = chunks.filter((c) => c.backend);
const rows = backends.map((chunk) => {
  const own = size(chunk.file);
  // Helper chunks this backend pulls in that are not loaded eagerly (some are shared between backends).
  const helpers = chunk.imports.filter((f) => !eager.has(f) && byFile.get(f) && !byFile.get(f).backend);
  const helperSize = helpers.map(size).reduce((a, s) => ({ raw: a.raw + s.raw, gzip: a.gzip + s.gzip }), { raw: 0, gzip: 0 });
  const wasm = chunk.assets.filter((f) => f.endsWith('.wasm')).map((f) => ({ file: f, ...size(f) }));
  return { backend: chunk.backend, file: chunk.file, ...own, helpers: helpers.map((f) => ({ file: f, ...size(f) })), helperRaw: helperSize.raw, helperGzip: helperSize.gzip, wasm };
});
const order = ['webgpu', 'webgl', 'wasm', 'cpu'];
rows.sort((a, b) => order.indexOf(a.backend) - order.indexOf(b.backend));
const core = size(entry.file);
const page = chunks.length;

if (process.argv.includes('--json')) {
  console.log(JSON.stringify({ worker: { file: entry.file, ...core }, backends: rows }, null, 1));
} else {
  console.log('\nBackend chunks (loaded on demand by the compute worker):\n');
  console.log('| backend | chunk kB | gzip kB | + helper chunks kB (gzip) | + .wasm kB (gzip), only the one used is fetched |');
  console.log('|---|---:|---:|---:|---|');
  for (const r of rows) {
    const wasm = r.wasm.length ? r.wasm.map((w) => `${w.file.replace(/^assets\/tfjs-backend-|-[\w-]{8}\.wasm$/g, '')} ${kB(w.raw)} (${kB(w.gzip)})`).join(', ') : '—';
    console.log(`| ${r.backend} | ${kB(r.raw)} | ${kB(r.gzip)} | ${r.helpers.length ? `${kB(r.helperRaw)} (${kB(r.helperGzip)})` : '—'} | ${wasm} |`);
  }
  console.log(`\nWorker core (tfjs-core + pathwise packages, always loaded): ${kB(core.raw)} kB, gzip ${kB(core.gzip)} kB; ${page} worker chunks in all.`);
  console.log('Helper chunks are tfjs kernels shared between backends (e.g. the cpu kernels webgl falls back to); a second backend reuses them.\n');
}
