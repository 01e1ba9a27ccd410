// Importing this module registers the tfjs WebGL backend; it runs where a WebGL2 (or WebGL1) context exists.
import '@tensorflow/tfjs-backend-webgl';
import { defineBackend, registerBackend, tf } from '@pathwise/core';

let probed: { available: boolean; reason?: string } | undefined;

/**
 * Whether a WebGL context can be created here. Probed once per process, and the probe's context is
 * released at once: browsers cap the live WebGL contexts (Chromium: 16 per page, 4 per worker) and
 * force-lose the oldest beyond that, which is usually tfjs's own, after which every read of a webgl
 * tensor waits forever on a fence of the lost context.
 */
function hasWebGL(): { available: boolean; reason?: string } {
  return (probed ??= probeWebGL());
}

function probeWebGL(): { available: boolean; reason?: string } {
  if (typeof OffscreenCanvas === 'undefined' && typeof document === 'undefined') {
    return { available: false, reason: 'WebGL needs a browser (no document or OffscreenCanvas in this runtime, e.g. Node).' };
  }
  try {
    const canvas: HTMLCanvasElement | OffscreenCanvas = typeof OffscreenCanvas !== 'undefined' ? new OffscreenCanvas(1, 1) : document.createElement('canvas');
    const context = (canvas as OffscreenCanvas).getContext('webgl2') ?? (canvas as OffscreenCanvas).getContext('webgl');
    if (!context) return { available: false, reason: 'this browser could not create a WebGL context.' };
    context.getExtension('WEBGL_lose_context')?.loseContext();
    return { available: true };
  } catch (error) {
    return { available: false, reason: `creating a WebGL context failed: ${String(error)}` };
  }
}

export const webglBackend = registerBackend(
  defineBackend({
    name: 'webgl',
    packageName: '@pathwise/backend-webgl',
    availability: hasWebGL,
    load: async () => {},
    // Precision is only known once the backend runs: WebGL1 devices may render float16 only.
    capabilities: () => ({
      float: tf.getBackend() === 'webgl' && !tf.env().getBool('WEBGL_RENDER_FLOAT32_CAPABLE') ? 'float16' : 'float32',
    }),
  }),
);
export default webglBackend;
