// One stochastic node x = mean + exp(logStd) ⊙ ε, seen from its backward pass. Every consumer (the VI
// objective, the PIPPS particle tape, the policy-gradient loss) hands a registered estimator what
// only it knows: the per-sample cost-to-go and the pathwise cotangent ∂f/∂x. The estimator returns
// per-sample contributions to ∂/∂(mean, logStd), which the consumer maps to its own parameters.
import { CapabilityError, ShapeError, tf } from '@pathwise/core';
import { runEstimator, type Base, type VarianceFn } from './estimate.js';
import type { Estimator, EstimatorState, PerSampleGradient } from './types.js';

export interface NodeInput {
  /** Standard-normal noise of the draws, [S, D] (or [R, S, D] for R independent nodes). */
  noise: tf.Tensor;
  /** The node's mean and log standard deviation, broadcastable to `noise` (constants: no gradient). */
  mean: tf.Tensor;
  logStd: tf.Tensor;
  /** Per-sample cost-to-go f, [S] (or [R, S]): what likelihood-ratio estimators weight the score by. */
  cost?: tf.Tensor;
  /** The pathwise cotangent ∂f/∂x at the draws, shaped like `noise`: what pathwise estimators use. */
  cotangent?: tf.Tensor;
  /** How variances of per-sample contributions are measured (default: in the node's own space). */
  variances?: VarianceFn;
  /** A stateful estimator's state from the previous call at this node. */
  state?: EstimatorState;
  /**
   * The auxiliary noise ξ the forward pass gave `nodeTransform` (estimators with a transform only),
   * shaped like `noise`. `cotangent` is then ∂f/∂x at the transformed points x = transform(z, ξ).
   */
  auxNoise?: tf.Tensor;
}

export interface NodeOutput {
  /** Per-sample contributions to ∂E[f]/∂mean and ∂E[f]/∂logStd, shaped like `noise`; their mean over samples is the estimate. */
  perSample: PerSampleGradient;
  /** A combinator's parts and weights (see `EstimatorOutput.mixture`), shaped like `perSample`. */
  mixture?: { parts: PerSampleGradient[]; weights: tf.Tensor[] };
  nextState?: EstimatorState;
}

/** What a node consumer can give an estimator. */
export interface NodeConsumer {
  /** Named in errors, e.g. 'the PIPPS particle tape'. */
  name: string;
  /** It supplies the per-sample cost-to-go (needed by estimators that require `logProb`). */
  cost: boolean;
  /** It supplies the pathwise cotangent (needed by estimators that require `pathwise`). */
  cotangent: boolean;
  /** It keeps estimator state between calls (needed by stateful estimators). */
  state: boolean;
  /** It can differentiate a surrogate (needed by surrogate-based estimators such as DiCE). */
  surrogate: boolean;
}

/** Throws a CapabilityError naming what `estimator` needs that `consumer` does not give. */
export function checkNodeEstimator(estimator: Estimator<any>, consumer: NodeConsumer): void {
  const missing: string[] = [];
  if (estimator.requires.includes('logProb') && !consumer.cost) missing.push("the per-sample cost-to-go (it requires 'logProb')");
  if (estimator.requires.includes('pathwise') && !consumer.cotangent) missing.push("the pathwise cotangent (it requires 'pathwise': a differentiable model or env)");
  if (estimator.stateful && !consumer.state) missing.push('state kept between calls (it is stateful)');
  if (estimator.kind === 'surrogate' && !consumer.surrogate) missing.push('a differentiable surrogate objective (it is surrogate-based)');
  if (missing.length > 0) throw new CapabilityError(estimator.name, consumer.name, missing.join('; '));
}

/**
 * The backward message of one node: per-sample contributions from the cost-to-go and the pathwise
 * cotangent. Call inside `tf.tidy`; the returned tensors belong to that scope.
 */
export function nodeBackward(estimator: Estimator<any>, input: NodeInput): NodeOutput {
  const flat = input.noise.rank === 2;
  const noise = flat ? tf.expandDims(input.noise, 0) : input.noise;
  if (noise.rank !== 3) throw new ShapeError(`nodeBackward: noise must be [S, D] or [R, S, D]; got [${input.noise.shape}].`);
  const [repeats, samples, dim] = noise.shape as [number, number, number];
  const lift = (t: tf.Tensor | undefined, what: string, rank: number) => {
    if (t === undefined) return undefined;
    const lifted = flat ? tf.expandDims(t, 0) : t;
    if (lifted.rank !== rank) throw new ShapeError(`nodeBackward: ${what} has shape [${t.shape}], which does not match noise [${input.noise.shape}].`);
    return lifted;
  };
  const full = (t: tf.Tensor) => {
    const wide = tf.broadcastTo(t, flat ? [samples, dim] : [repeats, samples, dim]);
    return flat ? tf.expandDims(wide, 0) : wide;
  };
  const base: Base = {
    repeats,
    samples,
    dim,
    mean: full(input.mean),
    logStd: full(input.logStd),
    noise,
    connected: false,
    ...(input.cost ? { cost: lift(input.cost, 'cost', 2)! } : {}),
    ...(input.cotangent ? { cotangent: lift(input.cotangent, 'cotangent', 3)! } : {}),
    ...(input.auxNoise ? { auxNoise: lift(input.auxNoise, 'auxNoise', 3)! } : {}),
  };
  // One squeezed copy per part: the parts a consumer's variance function saw are the very objects
  // it finds in `mixture.parts` (so it can look up what it already mapped).
  const squeezed = new Map<PerSampleGradient, PerSampleGradient>();
  const drop = (g: PerSampleGradient): PerSampleGradient => {
    if (!flat) return g;
    let out = squeezed.get(g);
    if (!out) squeezed.set(g, (out = { mean: tf.squeeze(g.mean, [0]), logStd: tf.squeeze(g.logStd, [0]) }));
    return out;
  };
  if (input.variances) {
    const variances = input.variances;
    base.variances = (parts, maxSamples) => variances(parts.map(drop), maxSamples);
  }
  const state = estimator.stateful ? (input.state ?? estimator.initState!()) : undefined;
  const out = runEstimator(estimator, base, { perSample: new Map() }, state);
  return {
    perSample: drop(out.perSample),
    ...(out.mixture ? { mixture: { parts: out.mixture.parts.map(drop), weights: out.mixture.weights } } : {}),
    ...(out.nextState ? { nextState: out.nextState } : {}),
  };
}

/**
 * The forward half of a node whose estimator transforms its draws (e.g. Gaussian resampling): the
 * points x = transform(z, ξ) the consumer propagates, for draws z = mean + std ⊙ ε and the
 * estimator's auxiliary noise ξ, both [S, D] (or [R, S, D]). Without a transform it returns `draws`.
 */
export function nodeTransform(estimator: Estimator<any>, draws: tf.Tensor, auxNoise: tf.Tensor | undefined): tf.Tensor {
  if (!estimator.transform) return draws;
  if (!auxNoise) throw new CapabilityError(estimator.name, 'this consumer', 'auxiliary noise for its transform of the draws');
  if (draws.rank === 2) return tf.squeeze(estimator.transform(tf.expandDims(draws, 0), tf.expandDims(auxNoise, 0)), [0]);
  return estimator.transform(draws, auxNoise);
}
