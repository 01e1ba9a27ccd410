#!/usr/bin/env node
// GI-PPO epochs per second on De Jong 64-D (package default config) on every backend, measured in
// the built app's worker in headless Chromium, one run, one table.
// Each backend gets a fresh page (its own worker), with a time limit (--timeout seconds).
// Usage: node scripts/bench.mjs [--epochs 3] [--warmup 1] [--env dejong64] [--algo gippo] [--backends webgpu,webgl,wasm,cpu] [--timeout 240] [--json]
import { cpus } from 'node:os';
import { launchChromium, openApp, serveDist } from '../e2e/support.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const epochs = Number(arg('epochs', '3'));
const warmup = Number(arg('warmup', '1'));
const timeoutMs = 1000 * Number(arg('timeout', '240'));
const env = arg('env', 'dejong64');
const algo = arg('algo', 'gippo');
const backends = arg('backends', 'webgpu,webgl,wasm,cpu').split(',');

const server = await serveDist();
const browser = await launchChromium();
const results = [];
try {
  let isolated = false;
  for (const backend of backends) {
    process.stderr.write(`${backend}: ${warmup} warm-up + ${epochs} timed epochs…\n`);
    const { page } = await openApp(browser, server.url);
    isolated = await page.evaluate(() => crossOriginIsolated);
    let timer;
    try {
      const limit = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`over ${timeoutMs / 1000} s`)), timeoutMs)));
      results.push(await Promise.race([page.evaluate((spec) => window.__playground.bench(spec), { backend, env, algo, warmup, epochs }), limit]));
    } catch (error) {
      results.push({ backend, error: error instanceof Error ? error.message.split('\n')[0] : String(error) });
    } finally {
      clearTimeout(timer);
      await page.close();
    }
  }
  const report = { what: `${algo} ${env} epochs/s in headless Chromium`, machine: { cpus: cpus().length, node: process.version, chromium: browser.version(), crossOriginIsolated: isolated }, results };
  if (process.argv.includes('--json')) console.log(JSON.stringify(report, null, 1));
  else {
    console.log(`\n${report.what} (Chromium ${report.machine.chromium}, ${report.machine.cpus} cpus, SwiftShader for webgl/webgpu, crossOriginIsolated ${isolated})\n`);
    console.log('| backend | epochs/s | ms/epoch | timed epochs |');
    console.log('|---|---:|---:|---:|');
    for (const r of results) {
      if (r.error) console.log(`| ${r.backend} | failed: ${r.error} | | |`);
      else console.log(`| ${r.backend} | ${r.epochsPerSecond.toFixed(2)} | ${r.msPerEpoch.toFixed(0)} | ${r.epochs} |`);
    }
  }
} finally {
  await browser.close();
  await server.close();
}
