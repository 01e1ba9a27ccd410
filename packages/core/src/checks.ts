import { tf } from './tf.js';
import { NonFiniteError } from './errors.js';

/** Number of NaN or ±Inf entries. */
export function countNonFinite(values: ArrayLike<number>): number {
  let count = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) count++;
  return count;
}

/** Throws a `NonFiniteError` naming `what` if `values` has any NaN or Inf. */
export function assertFinite(values: ArrayLike<number>, what: string): void {
  const count = countNonFinite(values);
  if (count > 0) throw new NonFiniteError(what, count, values.length);
}

/** Reads a tensor (asynchronously, so GPU backends work) and checks it is finite. */
export async function assertFiniteTensor(tensor: tf.Tensor, what: string): Promise<Float32Array> {
  const values = (await tensor.data()) as Float32Array;
  assertFinite(values, what);
  return values;
}
