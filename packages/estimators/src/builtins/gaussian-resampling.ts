import { ConfigError, matMulT, tf } from '@pathwise/core';
import { defineEstimator } from '../define.js';
import { choleskyLower } from '../linalg.js';
import type { Estimator } from '../types.js';
import { reparameterisationRule } from './reparam.js';

export interface GaussianResamplingOptions {
  [key: string]: number | boolean | string | number[];
  /** Added to the diagonal of the sample covariance before the Cholesky factorisation. */
  jitter: number;
}

/**
 * x_i = μ̂ + L ξ_i per repeat, with μ̂ and Σ̂ = L Lᵀ the sample mean and the Bessel-corrected,
 * symmetrised, jittered sample covariance of the draws z [R, S, D] (cross-sample along axis 1),
 * ξ [R, S, D] standard normal. Differentiable in z through μ̂, Σ̂ and the unrolled Cholesky.
 * Needs S > D.
 */
export function gaussianResample(z: tf.Tensor, xi: tf.Tensor, jitter = 1e-6): tf.Tensor {
  const [, S, D] = z.shape as [number, number, number];
  if (z.rank !== 3) throw new ConfigError('draws', `[${z.shape}]`, 'a [R, S, D] tensor');
  if (S <= D) throw new ConfigError('samples', S, `more than the dimension ${D} for Gaussian resampling`);
  return tf.tidy(() => {
    const mu = tf.mean(z, 1, true);
    const centred = tf.sub(z, mu);
    const cov = tf.div(matMulT(centred, centred, true, false), S - 1);
    const symmetric = tf.add(tf.mul(tf.add(cov, tf.transpose(cov, [0, 2, 1])), 0.5), tf.mul(tf.eye(D), jitter));
    return tf.add(mu, matMulT(xi, choleskyLower(symmetric), false, true));
  });
}

/**
 * Gaussian resampling (docs/algorithms/pipps.md §2.6; Parmas et al., ICML 2018): the draws are
 * replaced by x = μ̂ + L ξ (their sample mean and covariance, a second noise ξ), and the gradient is
 * pathwise through μ̂ and L to the draws, then the RP rule on z. Biased, O(1/S): the resampled points
 * see the estimated moments (E Σ̂ = Σ but E[μ̂μ̂ᵀ] = μμᵀ + Σ/S, and L is a nonlinear function of Σ̂).
 */
export function gaussianResampling(name = 'gr', options: Partial<GaussianResamplingOptions> = {}): Estimator<GaussianResamplingOptions> {
  return defineEstimator<GaussianResamplingOptions>({
    name,
    description: 'Gaussian resampling (PIPPS): x = μ̂ + Lξ from the draws’ mean and covariance, pathwise through μ̂, L and the draws',
    requires: ['pathwise'],
    unbiased: false,
    biasBound: 2,
    options: { jitter: 1e-6, ...options },
    optionsSchema: { jitter: { type: 'number', min: 0, description: 'added to the covariance diagonal before the Cholesky factorisation' } },
    transform: (draws, auxNoise, o) => gaussianResample(draws, auxNoise, o.jitter),
    gradient: reparameterisationRule,
  });
}
