import { tf } from '@pathwise/core';

/**
 * Lower Cholesky factor of small symmetric positive-definite matrices [..., D, D] (a batch of them
 * along the leading axes), unrolled into elementwise ops so that autodiff flows through it (tfjs-core
 * has no Cholesky op). O(D³) dispatches: meant for dimensions of ~10 or less. Gaussian resampling
 * (`gr`) differentiates through it; the PIPPS tape reaches it through that estimator.
 */
export function choleskyLower(matrix: tf.Tensor): tf.Tensor {
  const rank = matrix.rank;
  const D = matrix.shape[rank - 1]!;
  if (rank < 2 || matrix.shape[rank - 2] !== D) throw new Error(`choleskyLower: expected [..., D, D], got [${matrix.shape}]`);
  if (D === 1) return tf.sqrt(matrix);
  const batch = matrix.shape.slice(0, rank - 2);
  // Unbatched: scalar entries; batched: one [B] tensor per entry (the same elementwise ops).
  const flat = batch.length === 0 ? tf.reshape(matrix, [D * D]) : tf.reshape(matrix, [-1, D * D]);
  const entries = tf.unstack(flat, batch.length === 0 ? 0 : 1);
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
  const zero = batch.length === 0 ? tf.scalar(0) : tf.zerosLike(entries[0]!);
  const axis = batch.length === 0 ? 0 : 1;
  const stacked = tf.stack(
    L.map((row) => tf.stack([...row, ...new Array<tf.Tensor>(D - row.length).fill(zero)], axis)),
    axis,
  );
  return batch.length <= 1 ? stacked : tf.reshape(stacked, [...batch, D, D]);
}
