import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { bin: 'src/bin.ts', worker: 'src/train/worker.ts' },
  format: ['esm'],
  clean: true,
  sourcemap: true,
  target: 'node20',
  banner: { js: '#!/usr/bin/env node' },
});
