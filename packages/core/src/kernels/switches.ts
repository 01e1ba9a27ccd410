// The host-kernel switches, apart from host.ts so that matmul.ts (which gradients.ts, and so tf.ts,
// imports) can read them without an import cycle.
import { getBackend } from '@tensorflow/tfjs-core';

/** The host backends (typed arrays in JS memory or the wasm heap) that plain-loop kernels run on. */
export const HOST_BACKENDS = ['cpu', 'wasm'] as const;

/** Which host kernels run where they can (all by default); off, the op paths run (their references; benchmarks). */
export interface HostKernelSwitches {
  /** The fused MLP (nn/fused-mlp.ts) as one kernel forward and one backward. */
  mlp: boolean;
  /** Adam's step (optim/adam.ts) as one kernel. */
  adam: boolean;
  /**
   * On wasm, faster forms of tfjs ops with the same results (no kernels of their own): matMulT's
   * layouts (matmul.ts: transposes through a 3-D view, aᵀ·b as (bᵀ·a)ᵀ) and clones that share memory
   * (@pathwise/backend-wasm's Identity).
   */
  wasmForms: boolean;
}

const switches: HostKernelSwitches = { mlp: true, adam: true, wasmForms: true };

/** Turns host kernels on or off (process-wide); returns the previous switches. */
export function setHostKernels(next: Partial<HostKernelSwitches>): HostKernelSwitches {
  const previous = { ...switches };
  Object.assign(switches, next);
  return previous;
}

/** Whether the host kernel `kind` runs on the active backend. */
export function hostKernelOn(kind: keyof HostKernelSwitches): boolean {
  return switches[kind] && onHostBackend();
}

/** Whether the active backend keeps tensors in host memory, where the plain-loop kernels run. */
export function onHostBackend(backendName: string = getBackend()): boolean {
  return (HOST_BACKENDS as readonly string[]).includes(backendName);
}
