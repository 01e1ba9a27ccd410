import type { Options } from 'tsup';

/** The build every library package shares: ESM + CJS + .d.ts, sourcemaps, ES2022. */
export function libraryBuild(entry: Options['entry'] = ['src/index.ts'], extra: Options = {}): Options {
  return { entry, format: ['esm', 'cjs'], dts: true, clean: true, sourcemap: true, target: 'es2022', ...extra };
}
