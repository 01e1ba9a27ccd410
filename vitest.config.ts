import { defineConfig } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';

// Chromium flags: SwiftShader gives WebGL and (with --enable-unsafe-webgpu) WebGPU without a GPU;
// the network flags stop Chromium calling home on this offline machine.
const chromiumArgs = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-angle=swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

// tfjs-core's deep ESM modules (the gradient registrations that @pathwise/core bundles at build
// time) are extensionless, so Node cannot load them: let Vite transform them instead.
const inlineTfjsDeep = [/@tensorflow\/tfjs-core\/dist\/(?!tf-core)/];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'tests/*/src/**/*.test.ts'],
          exclude: ['**/*.browser.test.ts', '**/node_modules/**'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          pool: 'forks',
          server: { deps: { inline: inlineTfjsDeep } },
        },
      },
      {
        test: {
          name: 'browser',
          include: ['packages/*/src/**/*.browser.test.ts', 'tests/*/src/**/*.browser.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          browser: {
            enabled: true,
            headless: true,
            provider: playwright({
              launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: chromiumArgs },
            }),
            instances: [{ browser: 'chromium' }],
            screenshotFailures: false,
          },
        },
      },
      {
        test: {
          // The built playground (apps/playground/dist) in headless Chromium, driven by playwright-core.
          name: 'e2e',
          include: ['apps/*/e2e/**/*.e2e.test.ts'],
          environment: 'node',
          testTimeout: 600_000,
          hookTimeout: 300_000,
          pool: 'forks',
          fileParallelism: false,
        },
      },
    ],
  },
});
