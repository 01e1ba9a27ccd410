import { tf } from '../tf.js';

import { HOST_BACKENDS } from './switches.js';
export { HOST_BACKENDS, setHostKernels, hostKernelOn, onHostBackend, type HostKernelSwitches } from './switches.js';

export interface TensorInfoLike {
  dataId: object;
  shape: number[];
  dtype: tf.DataType;
}

/** A host backend's storage, reached through its public methods (no backend package is imported). */
export interface HostStorage {
  /** Allocate every output before taking any view: a wasm heap growth detaches views taken earlier. */
  allocate(shape: number[], dtype?: 'float32' | 'bool'): TensorInfoLike;
  /** The values of a float32 tensor. */
  view(info: TensorInfoLike): Float32Array;
  /** The values of a bool tensor (one byte each, 0 or 1). */
  boolView(info: TensorInfoLike): Uint8Array;
}

/**
 * A plain matrix product out = a·b ([rows, inner]·[inner, cols], row-major) as the backend's own
 * BatchMatMul computes it: on cpu a JS loop rounded exactly as tfjs-backend-cpu's (float64 sums over
 * 48-long blocks of the inner dimension, each added to the float32 result); on wasm the backend's
 * XNNPACK kernel (JS loops are 2-5x slower than its SIMD code from about 64x32x128 on).
 */
export type HostMatMul = (a: Float32Array, rows: number, inner: number, b: Float32Array, cols: number) => Float32Array;

/** tfjs-backend-cpu's matMul block size. */
const CPU_MATMUL_BLOCK = 48;

const F = Math.fround;

function cpuMatMul(a: Float32Array, rows: number, inner: number, b: Float32Array, cols: number): Float32Array {
  const bT = new Float32Array(inner * cols);
  for (let k = 0; k < inner; k++) for (let j = 0; j < cols; j++) bT[j * inner + k] = b[k * cols + j]!;
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const ao = i * inner;
    for (let j = 0; j < cols; j++) {
      const bo = j * inner;
      let acc = 0;
      for (let k0 = 0; k0 < inner; k0 += CPU_MATMUL_BLOCK) {
        const end = Math.min(k0 + CPU_MATMUL_BLOCK, inner);
        let sum = 0;
        for (let k = k0; k < end; k++) sum += a[ao + k]! * bT[bo + k]!;
        acc = F(acc + sum);
      }
      out[i * cols + j] = acc;
    }
  }
  return out;
}

function backendMatMul(backend: unknown, storage: HostStorage): HostMatMul {
  const kernel = tf.getKernel('BatchMatMul', 'wasm')!;
  const b3 = backend as { disposeData(dataId: object): void };
  return (a, rows, inner, b, cols) => {
    const aInfo = storage.allocate([rows, inner]);
    const bInfo = storage.allocate([inner, cols]);
    storage.view(aInfo).set(a);
    storage.view(bInfo).set(b);
    const outInfo = kernel.kernelFunc({ inputs: { a: aInfo, b: bInfo } as never, backend: backend as never, attrs: { transposeA: false, transposeB: false } }) as TensorInfoLike;
    const out = Float32Array.from(storage.view(outInfo));
    for (const info of [aInfo, bInfo, outInfo]) b3.disposeData(info.dataId);
    return out;
  };
}

/** The matrix product a host kernel uses on `backendName` (see `HostMatMul`). */
export function hostMatMul(backendName: string, backend: unknown, storage: HostStorage): HostMatMul {
  return backendName === 'wasm' ? backendMatMul(backend, storage) : cpuMatMul;
}

/** The storage of a host backend (cpu or wasm), for host kernels here and in other packages (the fused env steps). */
export function hostStorage(backend: unknown): HostStorage {
  const b = backend as {
    typedArrayFromHeap?: (info: TensorInfoLike) => Float32Array | Uint8Array;
    makeOutput?: (shape: number[], dtype: string) => TensorInfoLike;
    makeTensorInfo?: (shape: number[], dtype: string, values: Float32Array | Uint8Array) => TensorInfoLike;
    data?: { get(dataId: object): { values: Float32Array | Uint8Array } };
  };
  if (b.typedArrayFromHeap !== undefined && b.makeOutput !== undefined) {
    const view = (info: TensorInfoLike) => b.typedArrayFromHeap!(info);
    return { allocate: (shape, dtype = 'float32') => b.makeOutput!(shape, dtype), view: view as (info: TensorInfoLike) => Float32Array, boolView: view as (info: TensorInfoLike) => Uint8Array };
  }
  if (b.makeTensorInfo !== undefined && b.data !== undefined) {
    const view = (info: TensorInfoLike) => b.data!.get(info.dataId).values;
    return {
      allocate: (shape, dtype = 'float32') => {
        const size = shape.reduce((a, c) => a * c, 1);
        return b.makeTensorInfo!(shape, dtype, dtype === 'bool' ? new Uint8Array(size) : new Float32Array(size));
      },
      view: view as (info: TensorInfoLike) => Float32Array,
      boolView: view as (info: TensorInfoLike) => Uint8Array,
    };
  }
  throw new Error('A host kernel needs a host-memory backend (cpu or wasm).');
}

/** Registers `kernelFunc` under `kernelName` on every host backend (it is told which one runs it). */
export function registerHostKernel(
  kernelName: string,
  kernelFunc: (inputs: Record<string, TensorInfoLike>, storage: HostStorage, attrs: Record<string, unknown>, backendName: string, backend: unknown) => TensorInfoLike | TensorInfoLike[],
): void {
  for (const backendName of HOST_BACKENDS) {
    tf.registerKernel({
      kernelName,
      backendName,
      kernelFunc: ({ inputs, backend, attrs }) =>
        kernelFunc(inputs as unknown as Record<string, TensorInfoLike>, hostStorage(backend), (attrs ?? {}) as Record<string, unknown>, backendName, backend) as never,
    });
  }
}

/** True while a gradient tape records (outside kernels): only then must a kernel keep what its backward needs. */
export function tapeIsOn(): boolean {
  const state = tf.engine().state as unknown as { gradientDepth: number; kernelDepth: number };
  return state.gradientDepth > 0 && state.kernelDepth === 0;
}
