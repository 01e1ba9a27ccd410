import { tf } from '../tf.js';

/** sqrt(Σ over all tensors of Σ g²), as one scalar tensor. */
export function globalNorm(grads: tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g))))) as tf.Scalar);
}

/**
 * `torch.nn.utils.clip_grad_norm_` semantics: every gradient is scaled by
 * min(1, maxNorm / (norm + 1e-6)), where norm is the global L2 norm. Returns new tensors and the
 * norm before clipping. With `nanToZero`, NaNs are replaced by 0 first (as the GI-PPO critic does).
 */
export function clipGradNorm(grads: tf.Tensor[], maxNorm: number, options: { nanToZero?: boolean } = {}): { grads: tf.Tensor[]; norm: tf.Scalar } {
  return tf.tidy(() => {
    const clean = options.nanToZero ? grads.map(nanToZero) : grads;
    const norm = globalNorm(clean);
    const coef = clipCoefficient(norm, maxNorm);
    return { grads: clean.map((g) => tf.mul(g, coef)), norm };
  });
}

/** min(1, maxNorm / (norm + 1e-6)). */
export function clipCoefficient(norm: tf.Scalar, maxNorm: number): tf.Scalar {
  return tf.minimum(tf.div(maxNorm, tf.add(norm, 1e-6)), 1) as tf.Scalar;
}

/** Replaces NaN entries by 0. */
export function nanToZero(g: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.where(tf.isNaN(g), tf.zerosLike(g), g));
}
