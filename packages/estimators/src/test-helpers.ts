// Test-only helpers (not exported from the package).
import { tf } from '@pathwise/core';

/** Reads a tensor as a plain float64 array and disposes nothing. */
export async function values(t: tf.Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol = 1e-5, atol = 1e-6): void {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) throw new Error(`index ${i}: ${a} vs ${e} (rtol ${rtol}, atol ${atol})`);
  }
}
