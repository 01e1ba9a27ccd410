// A third-party estimator plugin, written against pathwise's public API only. Importing this module
// registers `antithetic-rp`; `pathwise --plugin <this package> ...` does that before a command runs.
import { tf } from '@pathwise/core';
import { defineEstimator, registerEstimator, type PerSampleGradient } from '@pathwise/estimators';

/**
 * Antithetic pairs along the sample axis: the second half of the draws mirrors the first, ε ↦ −ε
 * (an odd last draw stays independent). Each draw is still N(0, 1), so RP stays unbiased.
 */
export function antitheticNoise(noise: tf.Tensor, sampleAxis: number): tf.Tensor {
  return tf.tidy(() => {
    const samples = noise.shape[sampleAxis]!;
    const half = Math.floor(samples / 2);
    if (half === 0) return tf.clone(noise);
    const [first, , rest] = tf.split(noise, [half, half, samples - 2 * half], sampleAxis);
    return tf.concat([first!, tf.neg(first!), rest!], sampleAxis);
  });
}

/**
 * Reparameterisation with antithetic pairs: the estimator's sampling design mirrors half of the
 * draws, and its per-sample terms are RP's at those draws. Every consumer applies the design to the
 * noise it draws, so the pairs exist in VI, in the PIPPS particle tape and across a policy's actors.
 * What the pairing buys: on a linear objective the log σ-gradient terms of a pair cancel exactly, so
 * an estimate from an even number of draws has zero variance there, where plain RP's varies with ε.
 */
export const antitheticRp = defineEstimator({
  name: 'antithetic-rp',
  description: 'reparameterisation with antithetic pairs (ε, −ε); per-sample terms are pair means (example plugin)',
  requires: ['pathwise'],
  unbiased: true,
  noise: antitheticNoise,
  gradient: (inputs): PerSampleGradient => {
    const { gradX } = inputs.pathwise();
    return { mean: gradX, logStd: tf.mul(tf.mul(gradX, inputs.noise), inputs.std()) };
  },
});

registerEstimator(antitheticRp);
export default antitheticRp;
