import { cpSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineConfig } from 'tsup';

// The .wasm binaries ship inside this package (dist/wasm/) and are found with
// `new URL('./wasm/…', import.meta.url)`, a pattern that Node, Vite, webpack 5 and Rollup all resolve.
const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  shims: true,
  async onSuccess() {
    const require = createRequire(import.meta.url);
    const source = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
    mkdirSync('dist/wasm', { recursive: true });
    for (const file of WASM_FILES) cpSync(join(source, file), join('dist/wasm', file));
  },
});
