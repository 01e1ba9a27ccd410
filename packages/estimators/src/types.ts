import type { ConfigSchema, Rng, tf } from '@pathwise/core';

/** What an estimator needs from the problem: log-densities of the draws (LR) and/or a differentiable f (RP). */
export type Requirement = 'logProb' | 'pathwise';

/** Option values an estimator accepts (validated against its `optionsSchema`). */
export type EstimatorOptions = Record<string, number | boolean | string | number[]>;

/**
 * Per-sample gradient contributions with respect to the parameters of q = N(mean, diag(exp(logStd))²).
 * Both tensors are [R, S, D]: R independent repeats, S samples per estimate, D dimensions. The
 * estimate of repeat r is the mean over the sample axis (axis 1): `tf.mean(perSample.mean, 1)`.
 */
export interface PerSampleGradient {
  mean: tf.Tensor;
  logStd: tf.Tensor;
}

/** The pathwise (RP) quantities of the draws: per-sample f, ∇_x f and the RP contributions. */
export interface PathwiseValues {
  /** f(x) per sample, [R, S] (no gradient). */
  values: tf.Tensor;
  /** ∇_x f at the draws, [R, S, D]. */
  gradX: tf.Tensor;
}

/**
 * The draws and their derived quantities, handed to an estimator. Every tensor has a leading
 * repeat axis R and a sample axis S (axis 1): reduce over samples with `axis = 1`, never over axis 0,
 * so that repeats stay independent. Lazy members are computed once per call and shared.
 */
export interface EstimatorInputs<O extends EstimatorOptions = EstimatorOptions> {
  readonly repeats: number;
  readonly samples: number;
  readonly dim: number;
  readonly options: Readonly<O>;
  /** The parameters, one copy per sample: [R, S, D]. A surrogate is differentiated through these. */
  readonly mean: tf.Tensor;
  readonly logStd: tf.Tensor;
  /** Standard-normal noise ε, [R, S, D]. */
  readonly noise: tf.Tensor;
  /** The auxiliary standard-normal noise ξ of an estimator with a `transform`, [R, S, D]; undefined otherwise. */
  readonly auxNoise: tf.Tensor | undefined;
  /** exp(logStd), [R, S, D]. */
  std(): tf.Tensor;
  /**
   * The points f is evaluated at, with no gradient path to the parameters, [R, S, D]: the draws
   * z = mean + std ⊙ ε, or `transform(z, ξ)` for an estimator with a transform.
   */
  x(): tf.Tensor;
  /** The same points, differentiable in mean and logStd (through the transform if any), [R, S, D]. */
  rsample(): tf.Tensor;
  /** f(x) per sample, [R, S], with no gradient. */
  values(): tf.Tensor;
  /** f at the reparameterised draws, [R, S], differentiable in mean and logStd (for surrogates). */
  pathValues(): tf.Tensor;
  /** log q(x) summed over dimensions, [R, S], differentiable in mean and logStd with x held fixed. */
  logProb(): tf.Tensor;
  /** The score ∇ log q(x) per coordinate (closed form): ε/σ for the mean and ε² − 1 for logStd. */
  score(): PerSampleGradient;
  /**
   * f and ∇_x f at the draws (one batched backward pass). With a transform, `gradX` is pulled back
   * through it to the draws z: row i is ∂(Σ_j f(x_j))/∂z_i, so the RP rule on z applies unchanged.
   */
  pathwise(): PathwiseValues;
  /** Another estimator's per-sample contributions on the same draws (for combinators). */
  perSample(estimator: Estimator<any>): PerSampleGradient;
  /**
   * Variances [R, 1, 1] of several estimators' per-sample contributions on these draws, measured
   * where the consumer's parameters live: the (mean, logStd) space in VI, the per-particle θ-parts in
   * the PIPPS tape, per-sample policy-parameter gradients in policy gradients. Combinators weigh by it.
   * `maxSamples` > 0 uses only the first that many samples.
   */
  variances(parts: readonly PerSampleGradient[], maxSamples: number): tf.Tensor[];
  /** This estimator's state from the previous call (stateful estimators only). */
  readonly state: EstimatorState | undefined;
}

/** Tensors an estimator carries from one call to the next (e.g. a moving-average baseline). */
export type EstimatorState = Record<string, tf.Tensor>;

/** What an estimator computes on one batch of draws. */
export interface EstimatorOutput {
  perSample: PerSampleGradient;
  /** The state for the next call (stateful estimators). */
  nextState?: EstimatorState;
  /**
   * Set by combinators: `perSample` is Σ_k weights[k]·parts[k]. A consumer that has already mapped
   * the parts to its parameters (to measure their variances) mixes those images instead of mapping
   * the mixture again: the map is linear, so the result is the same, with one pass fewer.
   */
  mixture?: { parts: PerSampleGradient[]; weights: tf.Scalar[] | tf.Tensor[] };
}

export interface EstimatorDefinition<O extends EstimatorOptions = EstimatorOptions> {
  name: string;
  description?: string;
  /** What the estimator uses: `['logProb']` (LR-type), `['pathwise']` (RP-type) or both. */
  requires: readonly Requirement[];
  /** Whether E[estimate] equals the true gradient for every sample count S. */
  unbiased: boolean;
  /** Default option values, listed by `pathwise estimators`. */
  options?: O;
  /** Types and ranges of the options; keys not listed here are rejected. Inferred from `options` if omitted. */
  optionsSchema?: ConfigSchema;
  /**
   * For `unbiased: false`: the documented bound κ in |bias_j(S)| ≤ κ · sd_j / S, where sd_j is the
   * single-sample standard deviation of coordinate j. The conformance kit checks it at two S.
   */
  biasBound?: number;
  /** Whether the surrogate is correct for second derivatives too (DiCE). */
  secondOrder?: boolean;
  /** Initial state of a stateful estimator (created on the first call when none is passed). Needs `gradient`. */
  initState?: (options: Readonly<O>) => EstimatorState;
  /**
   * Per-sample surrogate terms s [R, S]; the estimate is ∇ mean_S(s) with respect to the parameters.
   * Each term must depend on its own sample's parameters only (use stopGradient for cross-sample terms).
   */
  surrogate?: (inputs: EstimatorInputs<O>) => tf.Tensor;
  /** Per-sample gradient contributions directly (cheaper when the gradient has a closed form). */
  gradient?: (inputs: EstimatorInputs<O>) => PerSampleGradient | EstimatorOutput;
  /**
   * A differentiable, cross-sample transform of the draws: f is evaluated at x = transform(z, ξ)
   * instead of at z = mean + std ⊙ ε, where ξ is the estimator's own standard-normal noise shaped
   * like z ([R, S, D]; x_i may depend on every z_j of its repeat, never across repeats). Gaussian
   * resampling (`gr`) is one. The input machinery (`x()`, `rsample()`, `pathwise()` and the node
   * consumers' `nodeTransform`/`nodeBackward`) applies it, so such an estimator runs unchanged in VI
   * and in the PIPPS tape. Only pathwise estimators may have one (the points are no draws of q, so
   * their score is undefined), and it cannot be a part of a combinator (nobody draws its ξ there).
   */
  transform?: (draws: tf.Tensor, auxNoise: tf.Tensor, options: Readonly<O>) => tf.Tensor;
  /**
   * The estimator's sampling design: turns i.i.d. standard-normal draws into the draws it wants
   * (e.g. antithetic pairs ε, −ε), along `sampleAxis`; each draw must stay marginally N(0, 1).
   * Every consumer applies it to the noise it draws (or is given) before sampling.
   */
  noise?: (noise: tf.Tensor, sampleAxis: number) => tf.Tensor;
  /**
   * For combinators: the parts and how their variances weigh them, for consumers that measure the
   * variances and mix whole gradients themselves (policy gradients). `gradient` must compute the
   * same mixture from `inputs.variances` for the consumers that work per node.
   */
  combination?: (options: Readonly<O>) => Combination;
}

/** A combinator's declaration: Σ_k w_k·part_k with weights from the parts' variances. */
export interface Combination {
  parts: readonly Estimator<any>[];
  /** Weights (summing to 1) from the parts' variances, in float64 on the host. */
  weigh(variances: readonly number[]): number[];
}

/** An estimator plugin: a plain typed object, passed by value or registered by name. */
export interface Estimator<O extends EstimatorOptions = EstimatorOptions> {
  readonly name: string;
  readonly description: string;
  readonly requires: readonly Requirement[];
  readonly unbiased: boolean;
  readonly options: Readonly<O>;
  readonly optionsSchema: ConfigSchema;
  readonly biasBound: number | undefined;
  readonly secondOrder: boolean;
  readonly stateful: boolean;
  /** Whether it is surrogate-based (differentiable for higher orders) or gives gradients directly. */
  readonly kind: 'surrogate' | 'gradient';
  /** Applies the sampling design (`definition.noise`) to standard-normal draws; the identity for most estimators. */
  designNoise(noise: tf.Tensor, sampleAxis: number): tf.Tensor;
  /** Whether it has a sampling design of its own (then consumers must let it shape their draws). */
  readonly designsNoise: boolean;
  /** A combinator's parts and weighting rule at its current options (undefined for other estimators). */
  readonly combination: Combination | undefined;
  readonly definition: EstimatorDefinition<O>;
  initState?(): EstimatorState;
  /** The definition's `transform` with this estimator's options bound (estimators that have one). */
  transform?(draws: tf.Tensor, auxNoise: tf.Tensor): tf.Tensor;
  /** A copy with some options changed (validated); `name` renames it. */
  with(overrides: Partial<O>, name?: string): Estimator<O>;
}

/**
 * The generic problem d/dθ E_{x~q_θ}[f(x)], q_θ = N(mean, diag(exp(logStd))²).
 * `f` maps a batch of points [N, D] to [N] values with pure tfjs ops, one row per point (rows must
 * not interact); it must be differentiable for pathwise estimators.
 */
export interface GradientProblem {
  name?: string;
  f: (x: tf.Tensor) => tf.Tensor;
  mean: ArrayLike<number> | tf.Tensor;
  logStd: ArrayLike<number> | tf.Tensor;
  /** The exact gradient, if known (used for bias and cosine diagnostics). */
  exact?: { mean: ArrayLike<number>; logStd: ArrayLike<number> };
}

export interface EstimateOptions {
  /** Samples per estimate, S. */
  samples: number;
  /** Independent estimates computed in one batch, R (default 1, and then the R axis is dropped). */
  repeats?: number;
  rng: Rng;
  /** Inject standard-normal noise [R, S, D] (or [S, D] when repeats is omitted) instead of drawing it. */
  noise?: tf.Tensor;
  /** The auxiliary noise ξ of an estimator with a transform, shaped like `noise` (drawn after ε when omitted). */
  auxNoise?: tf.Tensor;
  /** State holder of a stateful estimator; updated in place. */
  state?: StateHolder;
}

/** Holds a stateful estimator's tensors between calls (kept outside tidy scopes). */
export interface StateHolder {
  tensors: EstimatorState | undefined;
  dispose(): void;
}

/** One gradient estimate (or R of them) and the per-sample contributions behind it. Caller disposes. */
export interface GradientEstimate {
  /** [D], or [R, D] when `repeats` was given. */
  mean: tf.Tensor;
  logStd: tf.Tensor;
  /** [S, D], or [R, S, D] when `repeats` was given. */
  perSample: PerSampleGradient;
  dispose(): void;
}
