import { tf } from '@pathwise/core';

/** Smallest argument the gradient of `safeSqrt` divides by: keeps 0.5/sqrt(x) finite in float32. */
export const SQRT_GRAD_FLOOR = 1e-30;

/**
 * sqrt(x) with a finite gradient at x = 0. The value is exactly `tf.sqrt(x)`; the gradient is
 * dy * 0.5 / sqrt(max(x, 1e-30)). Where x is a sum of squares (Ackley's norm), the chain rule then
 * multiplies this large but finite number by an exact 0, giving a zero gradient at the origin
 * instead of autograd's 0 * Inf = NaN.
 */
export const safeSqrt = tf.customGrad(((x: tf.Tensor, save: (tensors: tf.Tensor[]) => void) => {
  save([x]);
  return {
    value: tf.sqrt(x),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.div(tf.mul(dy, 0.5), tf.sqrt(tf.maximum(saved[0]!, SQRT_GRAD_FLOOR))),
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor) => tf.Tensor;

/**
 * C¹ step from 0 (at t <= 0) to 1 (at t >= 1): 3t² - 2t³ on the clipped t. Used where the reference
 * has a hard switch (lane membership, "is ahead"): it equals the switch outside a thin band, so the
 * reference behaviour is kept exactly away from the band, and it has a bounded gradient inside it.
 */
export function smoothstep(t: tf.Tensor): tf.Tensor {
  const c = tf.clipByValue(t, 0, 1);
  return tf.mul(tf.square(c), tf.sub(3, tf.mul(c, 2)));
}
