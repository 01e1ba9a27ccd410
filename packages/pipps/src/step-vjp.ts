import { tf } from '@pathwise/core';
import type { ParticleSystem } from './types.js';

/**
 * The VJP of one step (x_t, views) ↦ [mean | std] with cotangent [dMean | dStd], the step being
 * recomputed under the gradient tape (checkpointing: the forward pass keeps no graph).
 * Returns ∂/∂x_t [P, D] and the per-particle parameter parts [P, ...] (their particle sum is the
 * contribution to ∂Ĵ/∂θ, spec §6.1.4).
 */
export function stepVjp(system: ParticleSystem, t: number, x: tf.Tensor, views: readonly tf.Tensor[], dMean: tf.Tensor, dStd: tf.Tensor): { dx: tf.Tensor; dViews: tf.Tensor[] } {
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
