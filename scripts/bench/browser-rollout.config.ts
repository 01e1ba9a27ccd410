import { defineConfig } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../chromium.mjs';

// Runs tests/backends/src/rollout.browser-bench.ts (webgl and webgpu rollout timings) in headless Chromium.
export default defineConfig({
  optimizeDeps: { include: ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-webgl', '@tensorflow/tfjs-backend-webgpu'] },
  define: { __BENCH_BATCHES__: JSON.stringify(process.env['BENCH_BATCHES'] ?? '256,1024,4096'), __BENCH_BACKENDS__: JSON.stringify(process.env['BENCH_BACKENDS'] ?? 'webgl,webgpu') },
  test: {
    include: ['tests/backends/src/rollout.browser-bench.ts'],
    testTimeout: 1_800_000,
    browser: {
      enabled: true,
      headless: true,
      provider: playwright({ launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS } }),
      instances: [{ browser: 'chromium' }],
      screenshotFailures: false,
    },
  },
});
