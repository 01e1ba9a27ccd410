import { Adam, ConfigError, tf, type Rng } from '@pathwise/core';
import { createStateHolder, estimateGradient, getEstimator, scoreFunction, type Estimator } from '@pathwise/estimators';
import { resolveViEstimator, type LogJoint, type ViEstimator, type ViObjective } from './vi-gradients.js';

const LOG_2PI = Math.log(2 * Math.PI);

export interface FitOptions {
  logJoint: LogJoint;
  init: { mu: readonly number[]; sigma: readonly number[] };
  /**
   * ELBO-gradient estimator (default RP): a registered name, an Estimator object, or a VI preset. The
   * presets `sf-joint`/`sf-elbo` use a moving-average baseline unless `baseline` is given. Stateful
   * estimators keep their state across steps.
   */
  estimator?: ViEstimator;
  /** `joint` (entropy analytic; the default) or `elbo` (differentiate log p − log q; the default for `sf-elbo`). */
  objective?: ViObjective;
  /** Constant baseline of the `sf-joint`/`sf-elbo` presets. */
  baseline?: number;
  samples?: number;
  steps?: number;
  /** Adam learning rate, decayed linearly to `lr · finalLrFraction` (default 0.05) so the iterate settles. */
  lr?: number;
  finalLrFraction?: number;
  rng: Rng;
  /** Record an ELBO estimate every this many steps (default steps/20), from `elboSamples` fresh draws. */
  traceEvery?: number;
  elboSamples?: number;
  onStep?: (step: number) => void;
}

export interface FitResult {
  mu: number[];
  sigma: number[];
  steps: number;
  /** The estimator's name. */
  estimator: string;
  elboTrace: { step: number; elbo: number }[];
}

/**
 * Maximises the ELBO of q = N(μ, diag σ²) with Adam (core's, PyTorch semantics) on (μ, log σ), using
 * any registered gradient estimator; the entropy is analytic except on the elbo objective.
 */
export async function fitMeanField(options: FitOptions): Promise<FitResult> {
  const d = options.init.mu.length;
  const { name, estimator, objective } = fitEstimator(options, d);
  const steps = options.steps ?? 1000;
  const samples = options.samples ?? 16;
  const lr = options.lr ?? 0.05;
  if (!(steps >= 1) || !(samples >= 1)) throw new ConfigError('steps/samples', { steps, samples }, 'positive integers');
  const traceEvery = options.traceEvery ?? Math.max(1, Math.floor(steps / 20));
  // tidy frees the initial-value tensors; variables survive it.
  const mean = tf.tidy(() => tf.variable(tf.tensor1d(Array.from(options.init.mu), 'float32'), true));
  const logStd = tf.tidy(() => tf.variable(tf.tensor1d(Array.from(options.init.sigma, Math.log), 'float32'), true));
  const adam = new Adam([mean, logStd], { lr });
  const state = estimator.stateful ? createStateHolder() : undefined;
  const elboTrace: { step: number; elbo: number }[] = [];
  const finalFraction = options.finalLrFraction ?? 0.05;
  try {
    for (let step = 1; step <= steps; step++) {
      adam.lr = lr * (1 - ((1 - finalFraction) * (step - 1)) / Math.max(steps - 1, 1));
      const f: LogJoint =
        objective === 'elbo'
          ? (theta) =>
              tf.tidy(() => {
                const z = tf.div(tf.sub(theta, mean), tf.exp(logStd));
                return tf.add(options.logJoint(theta), tf.add(tf.mul(tf.sum(tf.square(z), -1), 0.5), tf.add(tf.sum(logStd), (d / 2) * LOG_2PI)));
              })
          : options.logJoint;
      const estimate = estimateGradient(estimator, { f, mean, logStd }, { samples, rng: options.rng, ...(state ? { state } : {}) });
      const norm = tf.tidy(() => {
        const entropy = objective === 'elbo' ? 0 : 1;
        // Adam minimises: step along −(ELBO gradient).
        return adam.step([tf.neg(estimate.mean), tf.neg(tf.add(estimate.logStd, entropy))]);
      });
      estimate.dispose();
      norm.dispose();
      if (step % traceEvery === 0 || step === steps) elboTrace.push({ step, elbo: await estimateElbo(options.logJoint, mean, logStd, options.elboSamples ?? 256, options.rng) });
      options.onStep?.(step);
    }
    const [mu, ls] = await Promise.all([mean.data(), logStd.data()]);
    return { mu: Array.from(mu), sigma: Array.from(ls, Math.exp), steps, estimator: name, elboTrace };
  } finally {
    state?.dispose();
    adam.dispose();
    mean.dispose();
    logStd.dispose();
  }
}

/** The estimator a fit uses: the presets keep their fit defaults (moving-average baseline), others resolve as in `viGradient`. */
function fitEstimator(options: FitOptions, d: number): { name: string; estimator: Estimator<any>; objective: ViObjective } {
  const spec = options.estimator ?? 'rp';
  const objective = options.objective;
  if (spec === 'sf-joint' || spec === 'sf-elbo') {
    const estimator = options.baseline !== undefined ? scoreFunction('sf', 'constant', { value: options.baseline }) : getEstimator('lr-moving-average');
    return { name: spec, estimator, objective: objective ?? (spec === 'sf-elbo' ? 'elbo' : 'joint') };
  }
  const resolved = resolveViEstimator(spec, { dim: d, ...(objective ? { objective } : {}), ...(options.baseline !== undefined ? { baseline: options.baseline } : {}) });
  return { name: resolved.name, estimator: resolved.estimator, objective: resolved.objective };
}

/** ELBO = E_q[log p] + Σ log σ + (d/2)(1 + log 2π), the expectation by Monte Carlo (float64 mean). */
export async function estimateElbo(logJoint: LogJoint, mean: tf.Tensor | readonly number[], logStd: tf.Tensor | readonly number[], samples: number, rng: Rng): Promise<number> {
  const m = mean instanceof tf.Tensor ? mean : tf.tensor1d(Array.from(mean), 'float32');
  const ls = logStd instanceof tf.Tensor ? logStd : tf.tensor1d(Array.from(logStd), 'float32');
  const d = m.shape[0]!;
  const noise = rng.normalTensor([samples, d]);
  const [fT, lsSum] = tf.tidy(() => [logJoint(tf.add(m, tf.mul(tf.exp(ls), noise))), tf.sum(ls)]);
  const [f, s] = await Promise.all([fT!.data(), lsSum!.data()]);
  tf.dispose([fT!, lsSum!, noise]);
  if (!(mean instanceof tf.Tensor)) m.dispose();
  if (!(logStd instanceof tf.Tensor)) ls.dispose();
  let sum = 0;
  for (const v of f) sum += v;
  return sum / samples + s[0]! + (d / 2) * (1 + LOG_2PI);
}
