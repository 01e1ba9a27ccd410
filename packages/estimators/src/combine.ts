import { ConfigError, ShapeError, tf } from '@pathwise/core';
import type { PerSampleGradient } from './types.js';

/**
 * How inverse-variance weights treat ties and noise:
 * - `gippo`: k_LR = V_RP / (V_LR + V_RP + eps) (GI-PPO's LR+RP, eps 1e-8; both 0 gives pure RP);
 * - `tp`: k_LR = clip(V_RP / (V_LR + V_RP), 0, 1), and 0.5 when the sum is 0 or NaN (PIPPS total propagation).
 */
export type WeightRule = 'gippo' | 'tp';

export interface WeightOptions {
  rule?: WeightRule;
  /** Added to the denominator under the `gippo` rule (default 1e-8). */
  eps?: number;
}

/**
 * k_LR from the two variances; k_RP = 1 − k_LR. Tensors (any matching shapes, elementwise) give a
 * tensor; host numbers (float64 statistics, e.g. Welford traces) give a number, by the same rule.
 */
export function inverseVarianceWeight(varianceLR: number, varianceRP: number, options?: WeightOptions): number;
export function inverseVarianceWeight(varianceLR: tf.Tensor, varianceRP: tf.Tensor, options?: WeightOptions): tf.Tensor;
export function inverseVarianceWeight(varianceLR: number | tf.Tensor, varianceRP: number | tf.Tensor, options: WeightOptions = {}): number | tf.Tensor {
  const rule = options.rule ?? 'tp';
  if (rule !== 'gippo' && rule !== 'tp') throw new ConfigError('rule', rule, "'gippo' or 'tp'");
  const eps = options.eps ?? 1e-8;
  if (typeof varianceLR === 'number' && typeof varianceRP === 'number') {
    if (rule === 'gippo') return varianceRP / (varianceLR + varianceRP + eps);
    const total = varianceLR + varianceRP;
    return total > 0 ? Math.min(Math.max(varianceRP / total, 0), 1) : 0.5;
  }
  if (typeof varianceLR === 'number' || typeof varianceRP === 'number') throw new ShapeError('inverseVarianceWeight: give two tensors or two numbers.');
  return tf.tidy(() => {
    if (rule === 'gippo') return tf.div(varianceRP, tf.add(tf.add(varianceLR, varianceRP), eps));
    const total = tf.add(varianceLR, varianceRP);
    const positive = tf.greater(total, 0); // false for 0 and NaN
    const ratio = tf.clipByValue(tf.div(varianceRP, tf.where(positive, total, tf.onesLike(total))), 0, 1);
    return tf.where(positive, ratio, tf.fill(total.shape, 0.5));
  });
}

/**
 * Σ over particles (axis 0) and over every coordinate of every tensor of the squared deviations from
 * the particle mean: PIPPS' V. The 1/(P−1) factor is left out; it cancels in the weights.
 */
export function spreadAcrossParticles(contributions: readonly tf.Tensor[]): tf.Scalar {
  if (contributions.length === 0) throw new ShapeError('spreadAcrossParticles: no contributions given.');
  return tf.tidy(() => {
    const parts = contributions.map((h) => tf.sum(tf.square(tf.sub(h, tf.mean(h, 0, true)))));
    return tf.addN(parts) as tf.Scalar;
  });
}

export interface TotalPropagationWeights {
  kLR: tf.Scalar;
  kRP: tf.Scalar;
}

/**
 * The total-propagation weight of one node (PIPPS §2.5): k_LR = V_RP / (V_LR + V_RP) with V the
 * spread of the per-particle parameter-gradient contributions ([P, ...] tensors, all parameters).
 * One scalar weight per node, shared by every particle and parameter.
 */
export function totalPropagationWeights(lrContributions: readonly tf.Tensor[], rpContributions: readonly tf.Tensor[], options: WeightOptions = {}): TotalPropagationWeights {
  if (lrContributions.length !== rpContributions.length) {
    throw new ShapeError(`totalPropagationWeights: ${lrContributions.length} LR tensors but ${rpContributions.length} RP tensors.`);
  }
  lrContributions.forEach((h, i) => {
    const other = rpContributions[i]!;
    if (h.shape.join() !== other.shape.join()) throw new ShapeError(`totalPropagationWeights: tensor ${i} has LR shape [${h.shape}] but RP shape [${other.shape}].`);
  });
  return tf.tidy(() => {
    const kLR = inverseVarianceWeight(spreadAcrossParticles(lrContributions), spreadAcrossParticles(rpContributions), {
      rule: options.rule ?? 'tp',
      ...(options.eps !== undefined ? { eps: options.eps } : {}),
    }) as tf.Scalar;
    return { kLR, kRP: tf.sub(1, kLR) as tf.Scalar };
  });
}

/**
 * Trace of the unbiased sample covariance of per-sample contributions, per repeat: [R, 1, 1].
 * `maxSamples` > 0 uses only the first that many samples (GI-PPO's `var_est_num_sample`).
 */
export function perSampleVarianceTrace(perSample: PerSampleGradient, maxSamples = 0): tf.Tensor {
  return tf.tidy(() => {
    const [repeats, samples, dim] = perSample.mean.shape as [number, number, number];
    const k = maxSamples > 0 ? Math.min(maxSamples, samples) : samples;
    if (k < 2) throw new ConfigError('samples', samples, 'at least 2 to estimate a per-sample variance');
    const trace = (g: tf.Tensor) => {
      const head = k === samples ? g : tf.slice(g, [0, 0, 0], [repeats, k, dim]);
      return tf.div(tf.sum(tf.square(tf.sub(head, tf.mean(head, 1, true))), [1, 2], true), k - 1);
    };
    return tf.add(trace(perSample.mean), trace(perSample.logStd));
  });
}
