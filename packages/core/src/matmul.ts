import { getBackend, matMul, tidy, transpose, type Tensor } from '@tensorflow/tfjs-core';

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

function swapLastTwo(x: Tensor): Tensor {
  const perm = x.shape.map((_, i) => i);
  const r = perm.length;
  [perm[r - 2], perm[r - 1]] = [perm[r - 1]!, perm[r - 2]!];
  return transpose(x, perm);
}

/** matMul(a, b, transposeA, transposeB), with the transposes done the fast way for the active backend. */
export function matMulT<T extends Tensor>(a: T, b: T, transposeA = false, transposeB = false): T {
  const explicit = strategy === 'explicit' || (strategy === 'auto' && getBackend() === 'wasm');
  if (!explicit || (!transposeA && !transposeB)) return matMul(a, b, transposeA, transposeB) as T;
  return tidy(() => matMul(transposeA ? swapLastTwo(a) : a, transposeB ? swapLastTwo(b) : b)) as T;
}
