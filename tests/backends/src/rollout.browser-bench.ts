// `pathwise bench rollout` in headless Chromium, for the backends Node lacks (webgl) and the browser's
// webgpu: the same workload (@pathwise/envs benchRollout), fused and op-by-op env steps measured in
// the same run. Not part of npm test: run it with
//   pnpm exec vitest run --config scripts/bench/browser-rollout.config.ts
// BENCH_BATCHES and BENCH_BACKENDS (comma-separated) set the sizes and backends; the JSON rows are printed as `ROLLOUT_JSON {…}`.
import { it } from 'vitest';
import '@pathwise/backend-cpu';
import '@pathwise/backend-webgl';
import '@pathwise/backend-webgpu';
import { tf, useBackend } from '@pathwise/core';
import { benchRollout, type RolloutBenchRow, type RolloutSkip } from '@pathwise/envs';

declare const __BENCH_BATCHES__: string;
declare const __BENCH_BACKENDS__: string;

it('rollout bench on webgl and webgpu', async () => {
  tf.env().set('PROD', true);
  const batches = __BENCH_BATCHES__.split(',').map(Number);
  const results: RolloutBenchRow[] = [];
  const skipped: RolloutSkip[] = [];
  for (const backend of __BENCH_BACKENDS__.split(',')) {
    await useBackend(backend);
    const run = await benchRollout(backend, batches, (row) => console.log(JSON.stringify(row)));
    results.push(...run.results);
    skipped.push(...run.skipped);
  }
  console.log(`ROLLOUT_JSON ${JSON.stringify({ what: 'rollout', machine: { cpus: navigator.hardwareConcurrency, browser: navigator.userAgent }, results, skipped })}`);
});
