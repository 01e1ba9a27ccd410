import { getBackend, matMul, reshape, tidy, transpose, type Tensor } from '@tensorflow/tfjs-core';
import { hostKernelOn } from './kernels/switches.js';

export type TransposeStrategy = 'auto' | 'flags' | 'explicit';
let strategy: TransposeStrategy = 'auto';

/**
 * How `matMulT` realises a transposed operand. tfjs-backend-wasm's BatchMatMul takes a slow path
 * whenever a transpose flag is set: 3–12× slower than transposing first and multiplying plainly
 * (measured here, 64×32 to 4096×64 operands). `auto` (the default) transposes explicitly on wasm
 * and passes the flags everywhere else (free in GPU shaders; on cpu the flags are as fast or faster).
 * `flags`/`explicit` force one way, for benchmarks.
 */
export function setTransposeStrategy(next: TransposeStrategy): void {
  strategy = next;
}

/**
 * tfjs-backend-wasm's Transpose of a [rows, cols] matrix writes each output row with a stride of
 * `rows` floats; where that is a multiple of 512 (2 KiB), the writes of a column keep landing in the
 * same cache sets and it runs 3–6× slower than the same transpose of the matrix viewed as [2, rows/2,
 * cols] (measured in CPU time: [1024, 64] 0.31–0.33 ms against 0.08–0.09, [2048, 130] 3.2 against 0.5;
 * at [1000, 64] the 2-D kernel takes 0.03 ms, the 3-D one 0.08; below 16 columns the two are even).
 * The 3-D view is taken only there; both are exact.
 */
function viewApplies(x: Tensor): boolean {
  return x.rank === 2 && x.shape[0]! % 512 === 0 && x.shape[1]! >= 16 && getBackend() === 'wasm' && hostKernelOn('wasmForms');
}

function swapLastTwo(x: Tensor): Tensor {
  if (viewApplies(x)) {
    const [rows, cols] = x.shape as [number, number];
    return reshape(transpose(reshape(x, [2, rows / 2, cols]), [2, 0, 1]), [cols, rows]);
  }
  const perm = x.shape.map((_, i) => i);
  const r = perm.length;
  [perm[r - 2], perm[r - 1]] = [perm[r - 1]!, perm[r - 2]!];
  return transpose(x, perm);
}

/**
 * aᵀ·b of two [rows, ·] matrices on wasm, as (bᵀ·a)ᵀ where a is the narrower one. XNNPACK copies the
 * right operand of every product into its own layout first (the left one it reads in place), at ~4 ns
 * an element, about as long as transposing it four times: for a gradient dW = xᵀ·dz with x [1024, 5] and
 * dz [1024, 64], 0.32 ms instead of 0.53 (CPU time). The two forms are the same sums: XNNPACK adds each
 * output's products in order of the inner index from +0, and a·b = b·a (tested bit for bit).
 */
function narrowLeftApplies(a: Tensor, b: Tensor): boolean {
  return a.rank === 2 && b.rank === 2 && a.shape[1]! < b.shape[1]! && hostKernelOn('wasmForms');
}

/** matMul(a, b, transposeA, transposeB), with the transposes done the fast way for the active backend. */
export function matMulT<T extends Tensor>(a: T, b: T, transposeA = false, transposeB = false): T {
  const explicit = strategy === 'explicit' || (strategy === 'auto' && getBackend() === 'wasm');
  if (!explicit || (!transposeA && !transposeB)) return matMul(a, b, transposeA, transposeB) as T;
  if (transposeA && !transposeB && getBackend() === 'wasm' && narrowLeftApplies(a, b)) return tidy(() => swapLastTwo(matMul(swapLastTwo(b), a))) as T;
  return tidy(() => matMul(transposeA ? swapLastTwo(a) : a, transposeB ? swapLastTwo(b) : b)) as T;
}
