import { ConfigError, tf } from '@pathwise/core';
import { defineEstimator } from '../define.js';
import type { Estimator, EstimatorInputs, EstimatorState, PerSampleGradient } from '../types.js';

export const BASELINES = ['none', 'constant', 'moving-average', 'leave-one-out', 'optimal', 'optimal-loo'] as const;
export type Baseline = (typeof BASELINES)[number];

export interface ScoreFunctionOptions {
  [key: string]: number | boolean | string | number[];
  baseline: Baseline;
  /** `constant`: the baseline b subtracted from f (all coordinates). */
  value: number;
  /** `constant`: per-coordinate baselines for the mean gradient (overrides `value` when non-empty). */
  valueMean: number[];
  /** `constant`: per-coordinate baselines for the logStd gradient (overrides `value` when non-empty). */
  valueLogStd: number[];
  /** `moving-average`: decay β of b ← βb + (1−β)·mean f (Pyro's and Mohamed et al.'s 0.9). */
  decay: number;
}

const schema = {
  baseline: { type: 'string', enum: BASELINES, description: 'control variate subtracted from f' },
  value: { type: 'number', description: 'constant baseline' },
  valueMean: { type: 'number[]', description: 'per-coordinate constant baseline for the mean gradient' },
  valueLogStd: { type: 'number[]', description: 'per-coordinate constant baseline for the logStd gradient' },
  decay: { type: 'number', min: 0, max: 0.999999, description: 'moving-average decay' },
} as const;

const DESCRIPTIONS: Record<Baseline, string> = {
  none: 'score function / likelihood ratio (REINFORCE): f(x) ∇log q(x)',
  constant: 'score function with a fixed baseline b: (f − b) ∇log q',
  'moving-average': 'score function with a bias-corrected moving average of past batch means as baseline (past draws only: unbiased)',
  'leave-one-out': 'score function with the leave-one-out mean of the other samples as baseline (unbiased)',
  optimal: 'score function with the per-coordinate optimal baseline Σf s²/Σs² estimated from the same draws (biased, O(1/S))',
  'optimal-loo': 'score function with the per-coordinate optimal baseline estimated from the other samples (unbiased)',
};

/**
 * Makes a score-function (LR) estimator with the given baseline. Only `optimal`, whose baseline
 * depends on the sample it multiplies, is biased: its bias is O(1/S) (documented bound κ = 2).
 */
export function scoreFunction(name: string, baseline: Baseline, overrides: Partial<ScoreFunctionOptions> = {}): Estimator<ScoreFunctionOptions> {
  const options: ScoreFunctionOptions = { baseline, value: 0, valueMean: [], valueLogStd: [], decay: 0.9, ...overrides };
  return defineEstimator<ScoreFunctionOptions>({
    name,
    description: DESCRIPTIONS[baseline],
    requires: ['logProb'],
    unbiased: baseline !== 'optimal',
    biasBound: baseline === 'optimal' ? 2 : undefined,
    options,
    optionsSchema: schema,
    initState: baseline === 'moving-average' ? () => ({ average: tf.scalar(0), steps: tf.scalar(0) }) : undefined,
    gradient: (inputs) => scoreFunctionGradient(inputs),
  });
}

function scoreFunctionGradient(inputs: EstimatorInputs<ScoreFunctionOptions>): { perSample: PerSampleGradient; nextState?: EstimatorState } {
  const { options, samples } = inputs;
  const f = inputs.values();
  const f3 = tf.expandDims(f, 2); // [R, S, 1]
  const score = inputs.score();
  const weighted = (wMean: tf.Tensor, wLogStd: tf.Tensor): PerSampleGradient => ({
    mean: tf.mul(wMean, score.mean),
    logStd: tf.mul(wLogStd, score.logStd),
  });
  switch (options.baseline) {
    case 'none':
      return { perSample: weighted(f3, f3) };
    case 'constant': {
      const bMean = perCoordinate('valueMean', options.valueMean, options.value, inputs.dim);
      const bLogStd = perCoordinate('valueLogStd', options.valueLogStd, options.value, inputs.dim);
      return { perSample: weighted(tf.sub(f3, bMean), tf.sub(f3, bLogStd)) };
    }
    case 'moving-average': {
      const state = inputs.state ?? { average: tf.scalar(0), steps: tf.scalar(0) };
      const { average, steps } = state as { average: tf.Tensor; steps: tf.Tensor };
      // Bias-corrected EMA (as Adam's moments): b = average / (1 − β^steps); 0 before the first update.
      const correction = tf.maximum(tf.sub(1, tf.pow(tf.scalar(options.decay), steps)), 1e-12);
      const b = tf.div(average, correction);
      const w = tf.sub(f3, b);
      const nextAverage = tf.add(tf.mul(average, options.decay), tf.mul(tf.mean(f), 1 - options.decay));
      return { perSample: weighted(w, w), nextState: { average: nextAverage, steps: tf.add(steps, 1) } };
    }
    case 'leave-one-out': {
      requireTwo(samples, 'leave-one-out');
      // f_i − mean_{j≠i} f_j = S/(S−1) (f_i − mean_j f_j)
      const w = tf.mul(tf.sub(f3, tf.mean(f3, 1, true)), samples / (samples - 1));
      return { perSample: weighted(w, w) };
    }
    case 'optimal':
    case 'optimal-loo': {
      const loo = options.baseline === 'optimal-loo';
      if (loo) requireTwo(samples, 'optimal-loo');
      // b_j = E[f s_j²] / E[s_j²] = Cov(f s_j, s_j)/Var(s_j) since E s_j = 0. The σ factor of the mean
      // score cancels, so ε² is used for the mean and (ε² − 1)² for logStd.
      const sq = tf.square(inputs.noise);
      const baselineFor = (s2: tf.Tensor): tf.Tensor => {
        const fs2 = tf.mul(f3, s2);
        const num = tf.sum(fs2, 1, true);
        const den = tf.sum(s2, 1, true);
        return loo ? tf.div(tf.sub(num, fs2), tf.sub(den, s2)) : tf.div(num, den);
      };
      const bMean = baselineFor(sq);
      const bLogStd = baselineFor(tf.square(tf.sub(sq, 1)));
      return { perSample: weighted(tf.sub(f3, bMean), tf.sub(f3, bLogStd)) };
    }
  }
}

function perCoordinate(key: string, values: number[], fallback: number, dim: number): tf.Tensor | number {
  if (values.length === 0) return fallback;
  if (values.length !== dim) throw new ConfigError(key, values, `${dim} numbers (one per dimension) or []`);
  return tf.tensor1d(values, 'float32');
}

function requireTwo(samples: number, what: string): void {
  if (samples < 2) throw new ConfigError('samples', samples, `at least 2 for the ${what} baseline`);
}
