import { tf } from '@pathwise/core';
import type { ParticleSystem } from './types.js';

/**
 * The VJP of one step (x_t, views) ↦ [mean | std] with cotangent [dMean | dStd], the step being
 * recomputed under the gradient tape (checkpointing: the forward pass keeps no graph).
 * Returns ∂/∂x_t [P, D] and the per-particle parameter parts [P, ...] (their particle sum is the
 * contribution to ∂Ĵ/∂θ, spec §6.1.4).
 */
export function stepVjp(
  system: ParticleSystem,
  t: number,
  x: tf.Tensor,
  views: readonly tf.Tensor[],
  dMean: tf.Tensor,
  dStd: tf.Tensor,
): { dx: tf.Tensor; dViews: tf.Tensor[] } {
  const step = (xt: tf.Tensor, ...v: tf.Tensor[]) => {
    const { mean, std } = system.predict(xt, v, t);
    return tf.concat([mean, std], 1);
  };
  const [dx, ...dViews] = tf.grads(step)([x, ...views], tf.concat([dMean, dStd], 1));
  return { dx: dx!, dViews };
}

/** Sums per-particle parts over the particle axis. */
export function sumParticles(parts: readonly tf.Tensor[]): tf.Tensor[] {
  return parts.map((h) => tf.sum(h, 0));
}

/** Per-particle views of θ: each parameter tiled to [P, ...shape]. */
export function particleViews(params: readonly tf.Tensor[], particles: number): tf.Tensor[] {
  return params.map((p) => tf.tidy(() => tf.tile(tf.expandDims(p, 0), [particles, ...p.shape.map(() => 1)])));
}

/** The leave-one-out baselined return, divided by P: (G − b)/P = (G − mean G)/(P − 1) (spec §2.1, §6.1.5). */
export function looAdvantage(returnToGo: tf.Tensor, particles: number): tf.Tensor {
  return tf.div(tf.sub(returnToGo, tf.mean(returnToGo)), particles - 1);
}

/**
 * The LR message for ζ = (m, s) of a diagonal Gaussian sample x = m + s ε: A·ε/s and A·(ε² − 1)/s,
 * the scores ∂ log N/∂m and ∂ log N/∂s times the per-particle advantage A [P] (spec §2.3).
 */
export function lrMessage(advantage: tf.Tensor, eps: tf.Tensor, std: tf.Tensor): { dMean: tf.Tensor; dStd: tf.Tensor } {
  const a = tf.expandDims(advantage, 1);
  return { dMean: tf.div(tf.mul(a, eps), std), dStd: tf.div(tf.mul(a, tf.sub(tf.square(eps), 1)), std) };
}
