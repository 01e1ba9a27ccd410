import { tf } from '@pathwise/core';
import { defineEstimator } from '../define.js';
import type { Estimator, EstimatorInputs, PerSampleGradient } from '../types.js';

/** The RP rule on the draws z = μ + σ ⊙ ε: ∂/∂μ = g and ∂/∂logσ = g ⊙ σ ⊙ ε with g = `pathwise().gradX`. */
export function reparameterisationRule(inputs: EstimatorInputs<any>): PerSampleGradient {
  const { gradX } = inputs.pathwise();
  // (∇f ⊙ ε) ⊙ σ, in the order autodiff of μ + exp(log σ)·ε takes: as a node in a taped rollout it
  // gives bit-for-bit the gradients that differentiating the rollout itself gives.
  return { mean: gradX, logStd: tf.mul(tf.mul(gradX, inputs.noise), inputs.std()) };
}

/**
 * Reparameterisation (pathwise) estimator: x = μ + σ ⊙ ε, so ∂f/∂μ = ∇f(x) and ∂f/∂logσ = ∇f(x) ⊙ σ ⊙ ε.
 * One batched backward pass gives every sample's contribution.
 */
export function reparameterisation(name = 'rp'): Estimator<Record<string, never>> {
  return defineEstimator<Record<string, never>>({
    name,
    description: 'reparameterisation / pathwise: ∇f(μ + σε) through the sample',
    requires: ['pathwise'],
    unbiased: true,
    gradient: reparameterisationRule,
  });
}
