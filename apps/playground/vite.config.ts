import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig, type Plugin } from 'vite';

// Cross-origin isolation gives the page SharedArrayBuffer, which the wasm backend needs for threads.
export const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** The backend package a module belongs to, if any: names its chunk. */
function backendOf(id: string | null | undefined): string | undefined {
  return id?.match(/backend-(cpu|wasm|webgl|webgpu)[\\/]/)?.[1];
}

interface ChunkRecord {
  file: string;
  backend?: string;
  isEntry: boolean;
  isDynamicEntry: boolean;
  imports: string[];
  assets: string[];
}

// The worker bundle is not in Vite's manifest, so record its chunk graph for scripts/bundle-sizes.mjs.
const workerChunks: ChunkRecord[] = [];

function recordWorkerChunks(): Plugin {
  return {
    name: 'playground:record-worker-chunks',
    generateBundle(_options, bundle) {
      for (const item of Object.values(bundle)) {
        if (item.type !== 'chunk') continue;
        const meta = (item as { viteMetadata?: { importedAssets?: Set<string> } }).viteMetadata;
        const backend = backendOf(item.facadeModuleId);
        workerChunks.push({
          file: item.fileName,
          ...(backend ? { backend } : {}),
          isEntry: item.isEntry,
          isDynamicEntry: item.isDynamicEntry,
          imports: item.imports,
          assets: [...(meta?.importedAssets ?? [])],
        });
      }
    },
  };
}

/**
 * tfjs's threaded wasm backend starts its pthreads from `factory.toString()`, so the factory must
 * not refer to anything outside itself. Its only outside reference is the guarded
 * `typeof _scriptDir !== "undefined" && _scriptDir`, which the minifier rewrites to an unguarded
 * `e !== void 0` (it can see the declaration), and the pthreads die with "e is not defined". In a
 * worker `_scriptDir` is always undefined (no document.currentScript, no __filename), so the guard
 * is replaced by its value before minification.
 */
function keepWasmThreadFactorySelfContained(): Plugin {
  const guard = 'typeof _scriptDir !== "undefined" && _scriptDir';
  return {
    name: 'playground:wasm-thread-factory',
    enforce: 'pre',
    transform(code, id) {
      if (!/tfjs-backend-wasm-threaded-simd\.js$/.test(id)) return null;
      if (!code.includes(guard)) this.error(`expected '${guard}' in ${id}; re-check the threaded wasm workaround`);
      return { code: code.replaceAll(guard, 'false'), map: null };
    },
  };
}

function writeChunkMap(): Plugin {
  return {
    name: 'playground:write-chunk-map',
    apply: 'build',
    closeBundle() {
      writeFileSync(resolve(import.meta.dirname, 'dist/worker-chunks.json'), `${JSON.stringify(workerChunks, null, 1)}\n`);
    },
  };
}

export default defineConfig({
  // Relative asset URLs: dist/ can be served from any path.
  base: './',
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
  plugins: [writeChunkMap()],
  // ES-module workers can code-split, so each backend stays its own lazily fetched chunk.
  worker: {
    format: 'es',
    plugins: () => [keepWasmThreadFactorySelfContained(), recordWorkerChunks()],
    rolldownOptions: {
      output: {
        chunkFileNames: (chunk) => {
          const backend = backendOf(chunk.facadeModuleId);
          return `assets/${backend ? `backend-${backend}` : chunk.name}-[hash].js`;
        },
      },
    },
  },
  // The wasm backend locates its .wasm files with `new URL(..., import.meta.url)`; pre-bundling
  // would move the module away from them in the dev server.
  optimizeDeps: { exclude: ['@pathwise/backend-wasm', '@tensorflow/tfjs-backend-wasm'] },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 2048,
  },
});
