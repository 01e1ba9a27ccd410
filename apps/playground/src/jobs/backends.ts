// Backend packages are imported on demand: each is its own chunk, fetched the first time it is
// picked, so the page does not download WebGPU kernels to run on cpu.
import { autoChoice, getBackend, listBackends, tf, useBackend } from '@pathwise/core';
import type { BackendName, BackendReport } from '../protocol.js';

const loaders: Record<BackendName, () => Promise<unknown>> = {
  cpu: () => import('@pathwise/backend-cpu'),
  wasm: () => import('@pathwise/backend-wasm'),
  webgl: () => import('@pathwise/backend-webgl'),
  webgpu: () => import('@pathwise/backend-webgpu'),
};

const registered = new Set<BackendName>();

/** Imports the backend package (which registers itself with @pathwise/core). */
export async function ensureRegistered(name: BackendName): Promise<void> {
  if (registered.has(name)) return;
  await loaders[name]();
  registered.add(name);
}

/** Switches tfjs to `name`, or to the fastest available backend for 'auto' (all four imported first). */
export async function activate(name: BackendName | 'auto'): Promise<{ active: string; timings?: Record<string, number> }> {
  if (name === 'auto') {
    const candidates: BackendName[] = [];
    for (const candidate of Object.keys(loaders) as BackendName[]) {
      await ensureRegistered(candidate);
      if (getBackend(candidate).availability().available) candidates.push(candidate);
    }
    const active = await useBackend('auto', { candidates });
    return { active, ...(autoChoice() ? { timings: autoChoice()!.timings } : {}) };
  }
  await ensureRegistered(name);
  return { active: await useBackend(name) };
}

/** Availability, capabilities and the device facts behind them; loads the chunk but not the backend. */
export async function reportBackend(name: BackendName): Promise<BackendReport> {
  await ensureRegistered(name);
  const info = listBackends().find((b) => b.name === name)!;
  const active = tf.getBackend() === name;
  const details: BackendReport['details'] = {};
  try {
    Object.assign(details, await deviceDetails(name, active));
  } catch (error) {
    details.probe = `failed: ${String(error)}`;
  }
  return {
    name,
    available: info.available,
    ...(info.reason !== undefined ? { reason: info.reason } : {}),
    capabilities: info.capabilities,
    details,
    active,
  };
}

async function deviceDetails(name: BackendName, active: boolean): Promise<BackendReport['details']> {
  switch (name) {
    case 'cpu':
      return { kernels: 'plain JavaScript', cores: navigator.hardwareConcurrency };
    case 'wasm':
      return {
        crossOriginIsolated: globalThis.crossOriginIsolated === true,
        sharedArrayBuffer: typeof SharedArrayBuffer !== 'undefined',
        cores: navigator.hardwareConcurrency,
        ...(active ? { threadsInUse: tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') } : {}),
      };
    case 'webgl': {
      const out: BackendReport['details'] = { ...(webglFacts ??= probeWebGLFacts()) };
      if (active) out.float32Render = tf.env().getBool('WEBGL_RENDER_FLOAT32_CAPABLE');
      return out;
    }
    case 'webgpu': {
      const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
      if (!gpu) return { webgpu: 'navigator.gpu missing' };
      const adapter = await gpu.requestAdapter();
      if (!adapter) return { webgpu: 'no adapter' };
      const adapterInfo = (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info;
      return {
        vendor: adapterInfo?.vendor || '?',
        architecture: adapterInfo?.architecture || '?',
        description: adapterInfo?.description || adapterInfo?.device || '?',
        shaderF16: adapter.features.has('shader-f16'),
        maxBufferMiB: Math.round(adapter.limits.maxBufferSize / 2 ** 20),
      };
    }
  }
}

let webglFacts: BackendReport['details'] | undefined;

/**
 * WebGL version and renderer, read once from a context that is released at once. A worker keeps at
 * most 4 live WebGL contexts (Chromium) and loses the oldest beyond that, usually tfjs's own; a new
 * context per report used to lose it, and every later webgl read then hung ('auto' after webgl).
 */
function probeWebGLFacts(): BackendReport['details'] {
  const gl = new OffscreenCanvas(1, 1).getContext('webgl2') ?? new OffscreenCanvas(1, 1).getContext('webgl');
  if (!gl) return { webgl: 'no context' };
  try {
    const debug = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = debug ? gl.getParameter(debug.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER);
    return { webgl: typeof WebGL2RenderingContext !== 'undefined' && gl instanceof WebGL2RenderingContext ? 'WebGL 2' : 'WebGL 1', renderer: String(renderer) };
  } finally {
    gl.getExtension('WEBGL_lose_context')?.loseContext();
  }
}
