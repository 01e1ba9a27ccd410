// Importing this module registers the tfjs WebGL backend; it runs where a WebGL2 (or WebGL1) context exists.
import '@tensorflow/tfjs-backend-webgl';
import { defineBackend, registerBackend, tf } from '@pathwise/core';

function hasWebGL(): { available: boolean; reason?: string } {
  if (typeof OffscreenCanvas === 'undefined' && typeof document === 'undefined') {
    return { available: false, reason: 'WebGL needs a browser (no document or OffscreenCanvas in this runtime, e.g. Node).' };
  }
  try {
    const canvas: HTMLCanvasElement | OffscreenCanvas =
      typeof OffscreenCanvas !== 'undefined' ? new OffscreenCanvas(1, 1) : document.createElement('canvas');
    const context = (canvas as OffscreenCanvas).getContext('webgl2') ?? (canvas as OffscreenCanvas).getContext('webgl');
    return context ? { available: true } : { available: false, reason: 'this browser could not create a WebGL context.' };
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
