import { tf } from '../tf.js';
import type { Rng } from '../rng.js';

/** U(-bound, bound) as a float32 tensor. */
export function uniformInit(rng: Rng, shape: number[], bound: number): tf.Tensor {
  return rng.uniformTensor(shape, -bound, bound);
}

/**
 * An orthogonal [rows, cols] matrix times `gain`, as `torch.nn.init.orthogonal_`: QR of a Gaussian
 * matrix (the taller orientation), with the signs of R's diagonal folded into Q. Computed in float64.
 */
export function orthogonalInit(rng: Rng, rows: number, cols: number, gain = 1): tf.Tensor {
  const tall = rows >= cols;
  const m = tall ? rows : cols;
  const n = tall ? cols : rows;
  const a = rng.fillNormal(new Float64Array(m * n)); // row-major m x n
  const q = gramSchmidtQ(a, m, n);
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      out[i * cols + j] = gain * (tall ? q[i * n + j]! : q[j * n + i]!);
    }
  }
  return tf.tensor2d(out, [rows, cols]);
}

/** Thin Q (m x n, m >= n) of A = QR with R's diagonal positive (torch's sign convention). */
function gramSchmidtQ(a: Float64Array, m: number, n: number): Float64Array {
  const q = Float64Array.from(a);
  // Modified Gram-Schmidt, run twice: the second pass restores orthogonality lost to rounding.
  orthonormaliseColumns(q, m, n);
  orthonormaliseColumns(q, m, n);
  return q;
}

function orthonormaliseColumns(q: Float64Array, m: number, n: number): void {
  for (let j = 0; j < n; j++) {
    for (let k = 0; k < j; k++) {
      let dot = 0;
      for (let i = 0; i < m; i++) dot += q[i * n + k]! * q[i * n + j]!;
      for (let i = 0; i < m; i++) q[i * n + j] = q[i * n + j]! - dot * q[i * n + k]!;
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += q[i * n + j]! ** 2;
    norm = Math.sqrt(norm);
    for (let i = 0; i < m; i++) q[i * n + j] = q[i * n + j]! / norm;
  }
}
