import { ConfigError, stopGradient, tf } from '@pathwise/core';
import { defineEstimator } from './define.js';
import type { Estimator } from './types.js';

/**
 * DiCE's magic box □(τ) = exp(τ − stopGradient(τ)): 1 in value, and ∇□(τ) = □(τ)∇τ to every
 * order, so □(Σ log p)·cost differentiates into score-function terms of any order.
 */
export function magicBox(tau: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.exp(tf.sub(tau, stopGradient(tau))));
}

export interface DiceObjectiveInput {
  /** log-probabilities of the stochastic nodes, [..., T], in causal order along the last axis. */
  logProbs: tf.Tensor;
  /** costs, [..., T]: cost t depends on the nodes 0..t. */
  costs: tf.Tensor;
  /** optional baselines [..., T] (no gradient) for the variance-reduction term Σ_t (1 − □(τ_t)) b_t. */
  baselines?: tf.Tensor;
}

/**
 * The DiCE objective Σ_t □(Σ_{t'≤t} log p_t') c_t (+ Σ_t (1 − □(log p_t)) b_t), summed over the last
 * axis. Its derivatives of every order are unbiased estimates of those of E[Σ c_t].
 */
export function diceObjective(input: DiceObjectiveInput): tf.Tensor {
  const { logProbs, costs, baselines } = input;
  if (logProbs.shape.join() !== costs.shape.join()) throw new ConfigError('costs', costs.shape, `the shape of logProbs [${logProbs.shape}]`);
  return tf.tidy(() => {
    const axis = logProbs.rank - 1;
    const dependencies = tf.cumsum(logProbs, axis);
    let objective = tf.sum(tf.mul(magicBox(dependencies), costs), -1);
    if (baselines) objective = tf.add(objective, tf.sum(tf.mul(tf.sub(1, magicBox(logProbs)), stopGradient(baselines)), -1));
    return objective;
  });
}

export interface DiceOptions {
  [key: string]: number | boolean | string | number[];
  baseline: 'none' | 'leave-one-out';
}

/**
 * DiCE as an estimator: per-sample surrogate □(log q(x))·f(x) (+ (1 − □) b with a leave-one-out
 * baseline). First derivatives equal the score function's; second derivatives (nested tf.grad of the
 * surrogate) are unbiased too, including with the baseline, because E[∇∇ log q + ∇log q ∇log qᵀ] = 0.
 */
export function dice(name = 'dice', baseline: DiceOptions['baseline'] = 'none'): Estimator<DiceOptions> {
  return defineEstimator<DiceOptions>({
    name,
    description: 'DiCE surrogate □(log q(x)) f(x), □(τ) = exp(τ − stopGradient(τ)): score function correct to every derivative order',
    requires: ['logProb'],
    unbiased: true,
    secondOrder: true,
    options: { baseline },
    optionsSchema: { baseline: { type: 'string', enum: ['none', 'leave-one-out'], description: 'DiCE baseline term' } },
    surrogate: (inputs) => {
      const f = inputs.values();
      const box = magicBox(inputs.logProb());
      if (inputs.options.baseline === 'none') return tf.mul(box, f);
      if (inputs.samples < 2) throw new ConfigError('samples', inputs.samples, 'at least 2 for the leave-one-out baseline');
      const b = tf.div(tf.sub(tf.sum(f, 1, true), f), inputs.samples - 1);
      return tf.add(tf.mul(box, f), tf.mul(tf.sub(1, box), b));
    },
  });
}
