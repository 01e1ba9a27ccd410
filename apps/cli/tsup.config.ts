import { defineConfig } from 'tsup';

// builtins.js is imported by the CLI before a command runs and by worker threads before a run
// (@pathwise/runtime's pool), so it is an entry of its own.
export default defineConfig({
  entry: { bin: 'src/bin.ts', builtins: 'src/builtins.ts' },
  format: ['esm'],
  clean: true,
  sourcemap: true,
  target: 'node20',
  banner: { js: '#!/usr/bin/env node' },
});
