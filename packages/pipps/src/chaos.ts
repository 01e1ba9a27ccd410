import { ConfigError, countNonFinite, Rng, tf, Welford } from '@pathwise/core';
import { makePropagator } from './propagators.js';
import { FiniteMean, gradientToHost, pippsGradient } from './rollout.js';
import { cartpoleSystem, chaoticRnnSystem, doublePendulumSystem } from './systems.js';
import type { ParticleSystem } from './types.js';

export type ChaosSystemName = 'rnn' | 'cartpole' | 'double-pendulum';
export const CHAOS_SYSTEMS: readonly ChaosSystemName[] = ['rnn', 'cartpole', 'double-pendulum'];
/** The default methods; `methods` accepts any PIPPS method (rp, lr, tp, gr) or registered estimator name. */
export const CHAOS_METHODS: readonly string[] = ['rp', 'lr', 'tp'];

export interface ChaosStudyOptions {
  system: ChaosSystemName;
  /**
   * rnn: the gain β (default 2.4, spec §3.3); cartpole / double-pendulum: the policy weight scale
   * s, w ~ U(−s, s) (default 1/√50; spec §3.4 uses 0.141, 1 and 3).
   */
  scale?: number;
  horizons: readonly number[];
  particles: number;
  repeats: number;
  seed?: number;
  methods?: readonly string[];
  /** Called after each (T, method) cell. */
  onCell?: (done: number, total: number) => void;
}

export interface ChaosRow {
  T: number;
  method: string;
  /** Trace of the sample covariance (N − 1) of the finite gradient vectors. */
  trace_var: number;
  /** Robust spread: Σ over coordinates of the inter-quartile range. */
  spread: number;
  /** Mean cosine between each finite gradient and the mean gradient. */
  cosine: number;
  /** Mean over nodes and repeats of k_LR (combinators such as TP; NaN where no node reported one). */
  mean_k_lr: number;
  /** Repeats whose float32 gradient had a NaN or ±Inf (left out of the statistics above, counted here). */
  nonfinite: number;
  /** Mean of the gradient vector's first coordinate (β for the RNN), and its standard error. */
  mean_first: number;
  se_first: number;
}

export function makeChaosSystem(name: ChaosSystemName, scale: number | undefined, seed: number): ParticleSystem {
  switch (name) {
    case 'rnn':
      return chaoticRnnSystem(scale !== undefined ? { beta: scale } : {});
    case 'cartpole':
      return cartpoleSystem({ seed, ...(scale !== undefined ? { scale } : {}) });
    case 'double-pendulum':
      return doublePendulumSystem({ seed, ...(scale !== undefined ? { scale } : {}) });
    default:
      throw new ConfigError('system', name, CHAOS_SYSTEMS.join(', '));
  }
}

/** Statistics of N gradient vectors in float64 on the host (spec §3.5). */
export function gradientStatistics(samples: readonly Float64Array[]): Omit<ChaosRow, 'T' | 'method' | 'mean_k_lr' | 'nonfinite'> {
  const N = samples.length;
  if (N === 0) return { trace_var: NaN, spread: NaN, cosine: NaN, mean_first: NaN, se_first: NaN };
  const dim = samples[0]!.length;
  const welford = new Welford(dim);
  for (const g of samples) welford.add(g);
  const mean = welford.mean;
  let spread = 0;
  const column = new Float64Array(N);
  for (let j = 0; j < dim; j++) {
    for (let i = 0; i < N; i++) column[i] = samples[i]![j]!;
    column.sort();
    spread += quantile(column, 0.75) - quantile(column, 0.25);
  }
  const meanNorm = Math.hypot(...mean);
  let cosine = 0;
  for (const g of samples) {
    let dot = 0;
    for (let j = 0; j < dim; j++) dot += g[j]! * mean[j]!;
    const norm = Math.hypot(...g);
    cosine += norm > 0 && meanNorm > 0 ? dot / (norm * meanNorm) : 0;
  }
  const se = N > 1 ? welford.standardError()[0]! : NaN;
  return { trace_var: N > 1 ? welford.traceCovariance() : NaN, spread, cosine: cosine / N, mean_first: mean[0]!, se_first: se };
}

function quantile(sorted: Float64Array, q: number): number {
  const position = (sorted.length - 1) * q;
  const lo = Math.floor(position);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (position - lo);
}

/**
 * Gradient variance against horizon for a fixed policy and model (spec §3.5): for every horizon and
 * method, `repeats` independent gradient estimates from fresh particles, summarised on the host in
 * float64. Non-finite gradients are counted in `nonfinite`, not silently dropped.
 */
export function chaosStudy(options: ChaosStudyOptions): ChaosRow[] {
  const seed = options.seed ?? 0;
  const methods = options.methods ?? CHAOS_METHODS;
  if (!Number.isInteger(options.repeats) || options.repeats < 2) throw new ConfigError('repeats', options.repeats, 'an integer >= 2');
  options.horizons.forEach((T) => {
    if (!Number.isInteger(T) || T < 1) throw new ConfigError('horizons', options.horizons, 'positive integers');
  });
  // Looked up first: an unknown name or an estimator the tape cannot run fails before any work.
  const propagators = methods.map((method) => makePropagator(method));
  const system = makeChaosSystem(options.system, options.scale, seed);
  const root = new Rng(seed);
  const rows: ChaosRow[] = [];
  const total = options.horizons.length * methods.length;
  try {
    options.horizons.forEach((T, h) => {
      methods.forEach((method, m) => {
        const finite: Float64Array[] = [];
        let nonfinite = 0;
        const kLR = new FiniteMean();
        for (let r = 0; r < options.repeats; r++) {
          // Independent streams per cell and repeat; the same (seed, T, repeat) for every method.
          const rng = root.fork(1 + h * 1_000_003 + r * 7919);
          const result = pippsGradient(system, { particles: options.particles, horizon: T, rng, propagator: propagators[m]! });
          const values = gradientToHost(result.gradients);
          tf.dispose(result.gradients);
          if (countNonFinite(values) === 0) finite.push(values);
          else nonfinite++;
          kLR.add(result.kLR);
        }
        rows.push({ T, method, ...gradientStatistics(finite), mean_k_lr: kLR.value, nonfinite });
        options.onCell?.(h * methods.length + m + 1, total);
      });
    });
  } finally {
    tf.dispose(system.params as tf.Tensor[]);
  }
  return rows;
}
