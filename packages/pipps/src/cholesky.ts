import { tf } from '@pathwise/core';

/**
 * Lower Cholesky factor of a small symmetric positive-definite [D, D] tensor, unrolled into scalar
 * ops so that autodiff flows through it (tfjs-core has no Cholesky op). O(D³) dispatches: meant
 * for state dimensions of ~10 or less.
 */
export function choleskyLower(matrix: tf.Tensor): tf.Tensor {
  const D = matrix.shape[0]!;
  if (D === 1) return tf.sqrt(matrix);
  const entries = tf.unstack(tf.reshape(matrix, [D * D]));
  const L: tf.Tensor[][] = [];
  for (let i = 0; i < D; i++) {
    const row: tf.Tensor[] = [];
    for (let j = 0; j <= i; j++) {
      const other = j === i ? row : L[j]!;
      let sum = entries[i * D + j]!;
      for (let k = 0; k < j; k++) sum = tf.sub(sum, tf.mul(row[k]!, other[k]!));
      row.push(i === j ? tf.sqrt(sum) : tf.div(sum, other[j]!));
    }
    L.push(row);
  }
  const zero = tf.scalar(0);
  return tf.stack(L.map((row) => tf.stack([...row, ...new Array<tf.Tensor>(D - row.length).fill(zero)])));
}
