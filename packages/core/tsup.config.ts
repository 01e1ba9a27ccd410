import { defineConfig } from 'tsup';

// tfjs-core's deep gradient modules are extensionless ESM that plain Node cannot load, so they
// are bundled in; tfjs-core itself stays external (a peer: one engine per process).
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  external: ['@tensorflow/tfjs-core'],
  noExternal: [/^@tensorflow\/tfjs-core\/dist\//],
});
