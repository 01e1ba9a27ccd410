import * as tf from '@tensorflow/tfjs-core';
import './gradients.js';

export { tf };
export type { Tensor, Variable, Rank, Scalar, Tensor1D, Tensor2D, Tensor3D, NamedTensorMap } from '@tensorflow/tfjs-core';

/**
 * Identity in the forward pass, zero gradient in the backward pass (PyTorch's `detach`).
 * Built on `customGrad`, so it composes with higher-order gradients.
 */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  const fn = tf.customGrad(((input: tf.Tensor) => ({
    value: tf.clone(input),
    gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
  })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return fn(x) as T;
}
