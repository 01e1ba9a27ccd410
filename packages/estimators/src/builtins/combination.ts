import { tf } from '@pathwise/core';
import { defineEstimator } from '../define.js';
import { inverseVarianceWeight, type WeightRule } from '../combine.js';
import type { Estimator } from '../types.js';
import { BASELINES, scoreFunction, type Baseline } from './score-function.js';
import { reparameterisation } from './reparam.js';

export interface CombinationOptions {
  [key: string]: number | boolean | string | number[];
  /** Baseline of the LR part. */
  lrBaseline: Baseline;
  rule: WeightRule;
  /** `gippo` rule: added to the weight's denominator. */
  eps: number;
  /** Estimate the variances from the first this-many samples only (0: all); GI-PPO uses 16. */
  varianceSamples: number;
}

const schema = {
  lrBaseline: { type: 'string', enum: BASELINES.filter((b) => b !== 'moving-average'), description: 'baseline of the LR part' },
  rule: { type: 'string', enum: ['gippo', 'tp'], description: 'inverse-variance weight rule' },
  eps: { type: 'number', min: 0, description: 'added to the weight denominator (gippo rule)' },
  varianceSamples: { type: 'integer', min: 0, description: 'samples used for the variances (0 = all)' },
} as const;

/**
 * Inverse-variance combination of LR and RP on the same draws: k_LR = V_RP / (V_LR + V_RP) with V
 * the trace of each estimator's per-sample covariance, and per-sample contributions
 * k_LR g_LR + (1 − k_LR) g_RP. The weights are estimated from the draws they weight, so the result is
 * biased, O(1/S); documented bound κ = 2 (|bias_j| ≤ 2 sd_j / S).
 */
export function inverseVarianceCombination(name: string, description: string, options: CombinationOptions): Estimator<CombinationOptions> {
  const rp = reparameterisation('rp');
  const lrCache = new Map<string, Estimator<any>>();
  const lrFor = (baseline: Baseline) => {
    let lr = lrCache.get(baseline);
    if (!lr) lrCache.set(baseline, (lr = scoreFunction(`lr(${baseline})`, baseline)));
    return lr;
  };
  return defineEstimator<CombinationOptions>({
    name,
    description,
    requires: ['logProb', 'pathwise'],
    unbiased: false,
    biasBound: 2,
    options,
    optionsSchema: schema,
    combination: (o) => ({
      parts: [lrFor(o.lrBaseline), rp],
      weigh: ([vLR, vRP]) => {
        const kLR = inverseVarianceWeight(vLR!, vRP!, { rule: o.rule, eps: o.eps });
        return [kLR, 1 - kLR];
      },
    }),
    gradient: (inputs) => {
      const { options: o } = inputs;
      const gLR = inputs.perSample(lrFor(o.lrBaseline));
      const gRP = inputs.perSample(rp);
      const [vLR, vRP] = inputs.variances([gLR, gRP], o.varianceSamples);
      const kLR = inverseVarianceWeight(vLR!, vRP!, { rule: o.rule, eps: o.eps });
      const kRP = tf.sub(1, kLR);
      return {
        perSample: {
          mean: tf.add(tf.mul(kLR, gLR.mean), tf.mul(kRP, gRP.mean)),
          logStd: tf.add(tf.mul(kLR, gLR.logStd), tf.mul(kRP, gRP.logStd)),
        },
        mixture: { parts: [gLR, gRP], weights: [kLR, kRP] },
      };
    },
  });
}

/** GI-PPO's LR+RP rule (docs/algorithms/gippo.md §2.4): k_LR = v_RP/(v_LR + v_RP + 1e-8), v = trace of the unbiased covariance. */
export function lrPlusRp(name = 'lr+rp'): Estimator<CombinationOptions> {
  return inverseVarianceCombination(name, "GI-PPO's LR+RP: inverse-variance interpolation k_LR = v_RP/(v_LR + v_RP + 1e-8) of LR (leave-one-out baseline) and RP", {
    lrBaseline: 'leave-one-out',
    rule: 'gippo',
    eps: 1e-8,
    varianceSamples: 16,
  });
}

/** Total propagation at a single node (PIPPS §2.5): k_LR = clip(V_RP/(V_LR + V_RP)), 0.5 when both vanish. */
export function totalPropagation(name = 'tp'): Estimator<CombinationOptions> {
  return inverseVarianceCombination(name, 'total propagation (PIPPS) at one node: inverse-variance weighting of the LR (leave-one-out) and RP contributions', {
    lrBaseline: 'leave-one-out',
    rule: 'tp',
    eps: 0,
    varianceSamples: 0,
  });
}
