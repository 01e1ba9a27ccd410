import { DiagGaussian, tf } from '@pathwise/core';

/**
 * The reference's negative log-likelihood of pre-tanh actions (no tanh correction, docs/algorithms/gippo.md §2.1):
 * core's `DiagGaussian.negLogProbLogStd`, per row.
 */
export const negLogProb = (u: tf.Tensor, mean: tf.Tensor, logStd: tf.Tensor): tf.Tensor => DiagGaussian.negLogProbLogStd(u, mean, logStd);

/** PPO's clipped surrogate: mean max(−Â·ρ, −Â·clip(ρ, 1 − ε, 1 + ε)). */
export function clippedSurrogate(advantages: tf.Tensor, ratio: tf.Tensor, eClip: number): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.maximum(tf.mul(tf.neg(advantages), ratio), tf.mul(tf.neg(advantages), tf.clipByValue(ratio, 1 - eClip, 1 + eClip)))) as tf.Scalar);
}

/**
 * GI-PPO's virtual-policy log-density: −log(½π_old + ½π_α), written as the reference does,
 * log 2 − log(1 + π_α/π_old) + nlp_old with π_α/π_old = exp(nlp_old − nlp_α).
 */
export function mixtureNegLogProb(nlpOld: tf.Tensor, nlpAlpha: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.add(tf.sub(Math.LN2, tf.log1p(tf.exp(tf.sub(nlpOld, nlpAlpha)))), nlpOld));
}

/** Normalised advantages (A − mean)/(std + 1e-8) with the unbiased (N − 1) std over the whole batch. */
export function normaliseAdvantages(advantages: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const n = advantages.size;
    const mean = tf.mean(advantages);
    const centred = tf.sub(advantages, mean);
    const std = tf.sqrt(tf.div(tf.sum(tf.square(centred)), Math.max(n - 1, 1)));
    return tf.div(centred, tf.add(std, 1e-8));
  });
}
