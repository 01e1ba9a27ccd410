// Importing this module registers the tfjs WebAssembly backend with SIMD, and with threads when the
// page is cross-origin isolated (SharedArrayBuffer available).
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { defineBackend, hostKernelOn, registerBackend, tf } from '@pathwise/core';

// Written out literally so that bundlers see and emit each asset.
const WASM_URLS = {
  'tfjs-backend-wasm.wasm': new URL('./wasm/tfjs-backend-wasm.wasm', import.meta.url).href,
  'tfjs-backend-wasm-simd.wasm': new URL('./wasm/tfjs-backend-wasm-simd.wasm', import.meta.url).href,
  'tfjs-backend-wasm-threaded-simd.wasm': new URL('./wasm/tfjs-backend-wasm-threaded-simd.wasm', import.meta.url).href,
};

// The smallest module that uses a SIMD instruction (v128); `WebAssembly.validate` says if it is supported.
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);

const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

let loaded: { simd: boolean; threads: boolean } | undefined;
let customPaths: Record<string, string> | string | undefined;

/**
 * Overrides where the .wasm files are fetched from: a URL prefix ending in '/' or a map from file
 * name to URL (as tfjs's `setWasmPaths`). Only needed when an app serves them itself, e.g. from a CDN.
 */
export function setWasmLocation(paths: Record<string, string> | string): void {
  customPaths = paths;
}

function simdSupported(): boolean {
  try {
    return typeof WebAssembly !== 'undefined' && WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

function threadsPossible(): boolean {
  return !isNode && typeof SharedArrayBuffer !== 'undefined' && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
}

/** A file:// URL becomes a path for Node's fs-based loader; http(s) URLs stay as they are. */
function toLoaderPath(url: string): string {
  if (!isNode || !url.startsWith('file:')) return url;
  const path = decodeURIComponent(new URL(url).pathname);
  return /^\/[A-Za-z]:\//.test(path) ? path.slice(1) : path;
}

/**
 * tfjs-backend-wasm's Identity — tf.clone, and the tape's copy of every tensor a gradient keeps —
 * copies the data. The cpu backend's shares it and counts references instead, as tfjs-wasm's own
 * Reshape does; no kernel writes into its inputs, so the two give the same values. With the
 * `wasmForms` host-kernel switch on (default), clones here share memory too: 3–4 % of a GI-PPO
 * cart-pole epoch's CPU time (measured in alternating epochs of two identical trainers).
 */
function shareClones(): void {
  const copy = tf.getKernel('Identity', 'wasm');
  if (copy === undefined) return;
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({
    ...copy,
    kernelFunc: (args) => {
      const x = args.inputs['x'] as unknown as { dataId: object; shape: number[]; dtype: tf.DataType };
      if (x.dtype === 'string' || !hostKernelOn('wasmForms')) return copy.kernelFunc(args);
      (args.backend as unknown as { incRef(dataId: object): void }).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  });
}
shareClones();

export const wasmBackend = registerBackend(
  defineBackend({
    name: 'wasm',
    packageName: '@pathwise/backend-wasm',
    availability: () => (typeof WebAssembly === 'undefined' ? { available: false, reason: 'this runtime has no WebAssembly.' } : { available: true }),
    load: async () => {
      if (loaded) return;
      const paths = customPaths ?? Object.fromEntries(Object.entries(WASM_URLS).map(([file, url]) => [file, toLoaderPath(url)]));
      setWasmPaths(paths as Parameters<typeof setWasmPaths>[0]);
      await tf.setBackend('wasm');
      const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
      const threads = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
      loaded = { simd, threads };
    },
    capabilities: () => ({
      simd: loaded?.simd ?? simdSupported(),
      threads: loaded?.threads ?? threadsPossible(),
      float: 'float32',
    }),
  }),
);
export default wasmBackend;
