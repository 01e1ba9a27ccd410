// The input machinery every estimator runs on (draws, lazily shared f, ∇f, scores and other
// estimators' contributions) and the VI-style entry points on it. One file: `estimateGradient`,
// `estimatorSurrogate`, `estimateSecondDerivatives` and the node adapter share `makeInputs`.
import { CapabilityError, ConfigError, DiagGaussian, ShapeError, stopGradient, tf } from '@pathwise/core';
import { perSampleVarianceTrace } from './combine.js';
import type {
  EstimateOptions,
  Estimator,
  EstimatorInputs,
  EstimatorOptions,
  EstimatorOutput,
  EstimatorState,
  GradientEstimate,
  GradientProblem,
  PathwiseValues,
  PerSampleGradient,
  StateHolder,
} from './types.js';

/** The draws every estimator in one call shares. */
export interface Base {
  repeats: number;
  samples: number;
  dim: number;
  /** [R, S, D] parameter copies (constants here, or tiled from a caller's graph in `estimatorSurrogate`). */
  mean: tf.Tensor;
  logStd: tf.Tensor;
  noise: tf.Tensor;
  /** The objective, or undefined at a node whose consumer supplies `cost` and `cotangent` instead. */
  f?: (x: tf.Tensor) => tf.Tensor;
  /** Whether `mean`/`logStd` may carry gradients from outside (then detached quantities use stopGradient). */
  connected: boolean;
  /** A node consumer's per-sample cost-to-go [R, S] (instead of f(x)). */
  cost?: tf.Tensor;
  /** A node consumer's pathwise cotangent ∂f/∂x at the draws [R, S, D] (instead of ∇f). */
  cotangent?: tf.Tensor;
  /** A node consumer's variance of per-sample contributions, measured where its parameters live. */
  variances?: VarianceFn;
  /** The auxiliary noise ξ of the estimator's transform (drawn by the entry point when it has one). */
  auxNoise?: tf.Tensor;
}

/** One variance [R, 1, 1] per part (combinators weigh their parts by it). */
export type VarianceFn = (parts: readonly PerSampleGradient[], maxSamples: number) => tf.Tensor[];

/** The default: the trace of the per-sample covariance in the node's own (mean, logStd) space. */
export const nodeSpaceVariances: VarianceFn = (parts, maxSamples) => parts.map((p) => perSampleVarianceTrace(p, maxSamples));

/** Computed-once quantities of the draws that do not depend on which estimator asks. */
interface Shared {
  std?: tf.Tensor;
  /** The untransformed draws mean + std ⊙ ε (only kept separately when there is a transform). */
  z?: tf.Tensor;
  x?: tf.Tensor;
  values?: tf.Tensor;
  score?: PerSampleGradient;
  pathwise?: PathwiseValues;
  perSample: Map<Estimator<any>, PerSampleGradient>;
  /** An estimator with a transform sees other points: its own cache of them. */
  transformed?: Map<Estimator<any>, Shared>;
}

/** A holder for a stateful estimator's tensors across calls; `dispose()` frees them. */
export function createStateHolder(): StateHolder {
  const holder: StateHolder = {
    tensors: undefined,
    dispose() {
      if (holder.tensors) for (const t of Object.values(holder.tensors)) t.dispose();
      holder.tensors = undefined;
    },
  };
  return holder;
}

/**
 * Estimates d/dθ E_{x~N(mean, exp(logStd)²)}[f(x)] with `estimator`, from `samples` draws (and
 * `repeats` independent estimates at once when given). Returns tensors the caller disposes.
 */
export function estimateGradient(estimator: Estimator<any>, problem: GradientProblem, options: EstimateOptions): GradientEstimate {
  const samples = checkCount('samples', options.samples);
  const repeats = options.repeats === undefined ? 1 : checkCount('repeats', options.repeats);
  const flat = options.repeats === undefined;
  const holder = options.state;
  let stateKeys: string[] = [];
  const [mean, logStd, perSampleMean, perSampleLogStd, ...stateValues] = tf.tidy(() => {
    const mean = toVector('mean', problem.mean);
    const logStd = toVector('logStd', problem.logStd);
    const dim = mean.shape[0]!;
    if (logStd.shape[0] !== dim) throw new ShapeError(`logStd has ${logStd.shape[0]} entries, mean has ${dim}.`);
    const noise = prepareNoise(estimator, options, repeats, samples, dim);
    const shape = [repeats, samples, dim];
    const base: Base = {
      repeats,
      samples,
      dim,
      mean: tf.broadcastTo(tf.reshape(mean, [1, 1, dim]), shape),
      logStd: tf.broadcastTo(tf.reshape(logStd, [1, 1, dim]), shape),
      noise,
      f: problem.f,
      connected: false,
      ...auxNoiseFor(estimator, options, repeats, samples, dim),
    };
    const state = estimator.stateful ? (holder?.tensors ?? estimator.initState!()) : undefined;
    const out = runEstimator(estimator, base, { perSample: new Map() }, state);
    const next = out.nextState ?? {};
    stateKeys = Object.keys(next);
    const meanGrad = tf.mean(out.perSample.mean, 1);
    const logStdGrad = tf.mean(out.perSample.logStd, 1);
    return [
      flat ? tf.reshape(meanGrad, [dim]) : meanGrad,
      flat ? tf.reshape(logStdGrad, [dim]) : logStdGrad,
      flat ? tf.reshape(out.perSample.mean, [samples, dim]) : out.perSample.mean,
      flat ? tf.reshape(out.perSample.logStd, [samples, dim]) : out.perSample.logStd,
      ...stateKeys.map((k) => next[k]!),
    ];
  });
  if (estimator.stateful && holder) {
    const old = holder.tensors;
    // keep: a caller's enclosing tf.tidy must not free the state between calls.
    for (const t of stateValues) tf.keep(t);
    holder.tensors = Object.fromEntries(stateKeys.map((k, i) => [k, stateValues[i]!]));
    if (old) for (const t of Object.values(old)) if (!stateValues.includes(t)) t.dispose();
  } else {
    tf.dispose(stateValues);
  }
  return {
    mean: mean!,
    logStd: logStd!,
    perSample: { mean: perSampleMean!, logStd: perSampleLogStd! },
    dispose() {
      tf.dispose([mean!, logStd!, perSampleMean!, perSampleLogStd!]);
    },
  };
}

export interface SurrogateOptions {
  /** Mean [D] of q, possibly computed from variables (the surrogate's gradient flows into them). */
  mean: tf.Tensor;
  logStd: tf.Tensor;
  f: (x: tf.Tensor) => tf.Tensor;
  samples: number;
  rng: EstimateOptions['rng'];
  noise?: tf.Tensor;
  auxNoise?: tf.Tensor;
}

/**
 * A scalar whose gradient with respect to anything `mean` and `logStd` depend on is the estimate.
 * Surrogate-based estimators (DiCE) keep their higher-order behaviour; gradient-based ones give the
 * linear surrogate ⟨stopGradient(ĝ), θ⟩, correct for first derivatives.
 */
export function estimatorSurrogate(estimator: Estimator<any>, options: SurrogateOptions): tf.Scalar {
  if (estimator.stateful) throw new ConfigError('estimator', estimator.name, 'a stateless estimator (use estimateGradient with a state holder)');
  const samples = checkCount('samples', options.samples);
  return tf.tidy(() => {
    const dim = options.mean.shape[options.mean.rank - 1]!;
    if (options.mean.rank !== 1 || options.logStd.rank !== 1 || options.logStd.shape[0] !== dim) {
      throw new ShapeError(`estimatorSurrogate: mean and logStd must both be [D]; got [${options.mean.shape}] and [${options.logStd.shape}].`);
    }
    const noise = prepareNoise(estimator, { ...options }, 1, samples, dim);
    const aux = auxNoiseFor(estimator, options, 1, samples, dim);
    const shape = [1, samples, dim];
    const tile = (t: tf.Tensor) => tf.broadcastTo(tf.reshape(t, [1, 1, dim]), shape);
    if (estimator.kind === 'surrogate') {
      const base: Base = { repeats: 1, samples, dim, mean: tile(options.mean), logStd: tile(options.logStd), noise, f: options.f, connected: true, ...aux };
      const inputs = makeInputs(estimator, base, { perSample: new Map() }, undefined);
      return tf.mean(estimator.definition.surrogate!(inputs)) as tf.Scalar;
    }
    const base: Base = {
      repeats: 1,
      samples,
      dim,
      mean: tile(stopGradient(options.mean)),
      logStd: tile(stopGradient(options.logStd)),
      noise,
      f: options.f,
      connected: false,
      ...aux,
    };
    const out = runEstimator(estimator, base, { perSample: new Map() }, undefined);
    const gMean = stopGradient(tf.mean(out.perSample.mean, [0, 1]));
    const gLogStd = stopGradient(tf.mean(out.perSample.logStd, [0, 1]));
    return tf.add(tf.sum(tf.mul(gMean, options.mean)), tf.sum(tf.mul(gLogStd, options.logStd))) as tf.Scalar;
  });
}

/** Runs one estimator on the shared draws: per-sample contributions [R, S, D]. */
export function runEstimator(estimator: Estimator<any>, base: Base, shared: Shared, state: EstimatorState | undefined): EstimatorOutput {
  const definition = estimator.definition;
  if (definition.gradient) {
    const inputs = makeInputs(estimator, base, shared, state);
    const out = definition.gradient(inputs);
    return (out as EstimatorOutput).perSample !== undefined ? (out as EstimatorOutput) : { perSample: out as PerSampleGradient };
  }
  // Differentiate the per-sample surrogate with respect to the per-sample parameter copies: row i of
  // the gradient of Σ_i s_i is sample i's own contribution (one backward pass for all samples).
  const ones = tf.ones([base.repeats, base.samples]);
  const grads = tf.grads((mean: tf.Tensor, logStd: tf.Tensor) => {
    const inputs = makeInputs(estimator, { ...base, mean, logStd, connected: true }, { perSample: new Map() }, undefined);
    const s = definition.surrogate!(inputs);
    if (s.rank !== 2 || s.shape[0] !== base.repeats || s.shape[1] !== base.samples) {
      throw new ShapeError(`Estimator '${estimator.name}': surrogate must be [R, S] = [${base.repeats}, ${base.samples}], got [${s.shape}].`);
    }
    // Zero-weight links keep tf.grads happy when a surrogate ignores one parameter.
    return tf.add(s, tf.mul(tf.sum(tf.add(mean, logStd), -1), 0));
  });
  const [mean, logStd] = grads([base.mean, base.logStd], ones);
  return { perSample: { mean: mean!, logStd: logStd! } };
}

function makeInputs<O extends EstimatorOptions>(estimator: Estimator<O>, base: Base, shared: Shared, state: EstimatorState | undefined): EstimatorInputs<O> {
  const { repeats, samples, dim } = base;
  const n = repeats * samples;
  const detach = (t: tf.Tensor) => (base.connected ? stopGradient(t) : t);
  const transform = estimator.transform;
  if (transform && !base.auxNoise) {
    throw new CapabilityError(estimator.name, 'this caller', 'auxiliary noise for its transform of the draws (an estimator with a transform cannot be a part of a combinator)');
  }
  // Quantities of the draws alone are shared between estimators only when nothing is differentiated;
  // an estimator with a transform evaluates f at other points and keeps its own.
  let cache: Shared = base.connected ? { perSample: shared.perSample } : shared;
  if (transform && !base.connected) {
    const own = (shared.transformed ??= new Map());
    cache = own.get(estimator) ?? { perSample: shared.perSample };
    own.set(estimator, cache);
  }
  const z = () => (cache.z ??= tf.add(detach(base.mean), tf.mul(inputs.std(), base.noise)));
  const inputs: EstimatorInputs<O> = {
    repeats,
    samples,
    dim,
    options: estimator.options,
    mean: base.mean,
    logStd: base.logStd,
    noise: base.noise,
    auxNoise: transform ? base.auxNoise : undefined,
    state,
    std: () => (cache.std ??= tf.exp(detach(base.logStd))),
    x: () => (cache.x ??= transform ? transform(z(), base.auxNoise!) : z()),
    rsample: () => {
      const draws = tf.add(base.mean, tf.mul(tf.exp(base.logStd), base.noise));
      return transform ? transform(draws, base.auxNoise!) : draws;
    },
    values: () => {
      if (cache.values) return cache.values;
      if (base.cost) return (cache.values = base.cost);
      if (cache.pathwise) return (cache.values = cache.pathwise.values);
      return (cache.values = evaluate(objective(estimator, base, 'the per-sample cost f(x)'), inputs.x(), repeats, samples, dim));
    },
    pathValues: () => evaluate(objective(estimator, base, 'a differentiable objective f'), inputs.rsample(), repeats, samples, dim),
    logProb: () => tf.neg(DiagGaussian.negLogProbLogStd(inputs.x(), base.mean, base.logStd)),
    score: () =>
      (cache.score ??= {
        mean: tf.div(base.noise, inputs.std()),
        logStd: tf.sub(tf.square(base.noise), 1),
      }),
    pathwise: () => {
      if (cache.pathwise) return cache.pathwise;
      if (base.cotangent) {
        // The consumer's cotangent is ∂f/∂x at the points; with a transform, pull it back to the draws.
        const gradX = transform ? tf.grads((d: tf.Tensor) => transform(d, base.auxNoise!))([z()], base.cotangent)[0]! : base.cotangent;
        return (cache.pathwise = { values: base.cost ?? tf.zeros([repeats, samples]), gradX });
      }
      const f = objective(estimator, base, 'the pathwise gradient ∇f(x)');
      if (transform) {
        // One backward pass through f and the transform: row i is ∂(Σ_j f(x_j))/∂z_i.
        const { value, grads } = tf.valueAndGrads((d: tf.Tensor) => checkValues(f(tf.reshape(transform(d, base.auxNoise!), [n, dim])), n))([z()], tf.ones([n]));
        cache.pathwise = { values: tf.reshape(value, [repeats, samples]), gradX: grads[0]! };
        return cache.pathwise;
      }
      const flat = tf.reshape(inputs.x(), [n, dim]);
      const { value, grads } = tf.valueAndGrads((x: tf.Tensor) => checkValues(f(x), n))([flat], tf.ones([n]));
      cache.pathwise = { values: tf.reshape(value, [repeats, samples]), gradX: tf.reshape(grads[0]!, [repeats, samples, dim]) };
      return cache.pathwise;
    },
    perSample: (other: Estimator<any>) => {
      const known = cache.perSample.get(other);
      if (known) return known;
      const out = runEstimator(other, base, cache, other.stateful ? other.initState!() : undefined);
      cache.perSample.set(other, out.perSample);
      return out.perSample;
    },
    variances: (parts, maxSamples) => (base.variances ?? nodeSpaceVariances)(parts, maxSamples),
  };
  return inputs;
}

/** The objective f, or a CapabilityError when the consumer gave only messages and the estimator needs f. */
function objective(estimator: Estimator<any>, base: Base, what: string): (x: tf.Tensor) => tf.Tensor {
  if (base.f) return base.f;
  throw new CapabilityError(estimator.name, 'this consumer', `${what}, which a node that receives only the cost-to-go and the pathwise cotangent does not have`);
}

function evaluate(f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor, repeats: number, samples: number, dim: number): tf.Tensor {
  const n = repeats * samples;
  return tf.reshape(checkValues(f(tf.reshape(x, [n, dim])), n), [repeats, samples]);
}

function checkValues(values: tf.Tensor, n: number): tf.Tensor {
  if (values.size !== n) throw new ShapeError(`f must map [N, D] points to [N] values; got shape [${values.shape}] for N = ${n}.`);
  return values.rank === 1 ? values : tf.reshape(values, [n]);
}

/** ξ for an estimator with a transform: injected, or drawn after ε from the same stream (no sampling design). */
function auxNoiseFor(estimator: Estimator<any>, options: { auxNoise?: tf.Tensor; rng: EstimateOptions['rng'] }, repeats: number, samples: number, dim: number): { auxNoise?: tf.Tensor } {
  if (!estimator.transform) return {};
  return { auxNoise: drawNoise({ rng: options.rng, ...(options.auxNoise ? { noise: options.auxNoise } : {}) }, repeats, samples, dim) };
}

/** The draws [R, S, D]: given or drawn, then shaped by the estimator's sampling design (samples on axis 1). */
function prepareNoise(estimator: Estimator<any>, options: { noise?: tf.Tensor; rng: EstimateOptions['rng'] }, repeats: number, samples: number, dim: number): tf.Tensor {
  return estimator.designNoise(drawNoise(options, repeats, samples, dim), 1);
}

/** Standard-normal draws [R, S, D], given or drawn. */
function drawNoise(options: { noise?: tf.Tensor; rng: EstimateOptions['rng'] }, repeats: number, samples: number, dim: number): tf.Tensor {
  const shape = [repeats, samples, dim];
  if (options.noise && options.noise.size !== repeats * samples * dim) {
    throw new ShapeError(`noise has shape [${options.noise.shape}], expected [${shape}] (or [${samples}, ${dim}] without repeats).`);
  }
  return options.noise ? tf.reshape(options.noise, shape) : options.rng.normalTensor(shape);
}

function toVector(what: string, value: ArrayLike<number> | tf.Tensor): tf.Tensor {
  if (value instanceof tf.Tensor) {
    if (value.rank !== 1) throw new ShapeError(`${what} must be a vector [D]; got shape [${value.shape}].`);
    return value;
  }
  return tf.tensor1d(Array.from(value), 'float32');
}

function checkCount(key: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new ConfigError(key, value, 'a positive integer');
  return value;
}

/** Per-repeat second-derivative estimates: blocks of H·1 (row sums), each [R, D] (or [D] without repeats). */
export interface SecondDerivativeEstimate {
  /** Σ_k ∂²/∂mean_j ∂mean_k */
  meanMean: tf.Tensor;
  /** Σ_k ∂²/∂mean_j ∂logStd_k */
  meanLogStd: tf.Tensor;
  /** Σ_k ∂²/∂logStd_j ∂mean_k */
  logStdMean: tf.Tensor;
  /** Σ_k ∂²/∂logStd_j ∂logStd_k */
  logStdLogStd: tf.Tensor;
  dispose(): void;
}

/**
 * Differentiates a surrogate estimator twice (nested tf.grads) and returns estimates of the Hessian
 * of E[f] times the all-ones vector, per parameter block: with D = 1 that is the full 2 × 2 Hessian
 * in (mean, logStd). Only meaningful for estimators whose surrogate is second-order correct (DiCE).
 */
export function estimateSecondDerivatives(estimator: Estimator<any>, problem: GradientProblem, options: EstimateOptions): SecondDerivativeEstimate {
  if (estimator.kind !== 'surrogate') throw new ConfigError('estimator', estimator.name, 'a surrogate-based estimator (second derivatives need a differentiable surrogate)');
  const samples = checkCount('samples', options.samples);
  const repeats = options.repeats === undefined ? 1 : checkCount('repeats', options.repeats);
  const flat = options.repeats === undefined;
  const out = tf.tidy(() => {
    const mean = toVector('mean', problem.mean);
    const logStd = toVector('logStd', problem.logStd);
    const dim = mean.shape[0]!;
    const noise = prepareNoise(estimator, options, repeats, samples, dim);
    const aux = auxNoiseFor(estimator, options, repeats, samples, dim);
    const shape = [repeats, samples, dim];
    const surrogate = (m: tf.Tensor, ls: tf.Tensor) => {
      const base: Base = { repeats, samples, dim, mean: m, logStd: ls, noise, f: problem.f, connected: true, ...aux };
      const s = estimator.definition.surrogate!(makeInputs(estimator, base, { perSample: new Map() }, undefined));
      return tf.add(s, tf.mul(tf.sum(tf.add(m, ls), -1), 0));
    };
    const onesRS = tf.ones([repeats, samples]);
    const onesRSD = tf.ones(shape);
    const firstOrder = (which: 0 | 1) => (m: tf.Tensor, ls: tf.Tensor) => {
      const g = tf.grads(surrogate)([m, ls], onesRS)[which]!;
      // Zero-weight links: a first derivative may not depend on both parameters.
      return tf.add(g, tf.mul(tf.add(m, ls), 0));
    };
    const m0 = tf.broadcastTo(tf.reshape(mean, [1, 1, dim]), shape);
    const ls0 = tf.broadcastTo(tf.reshape(logStd, [1, 1, dim]), shape);
    const [mm, ml] = tf.grads(firstOrder(0))([m0, ls0], onesRSD);
    const [lm, ll] = tf.grads(firstOrder(1))([m0, ls0], onesRSD);
    const reduce = (t: tf.Tensor) => (flat ? tf.reshape(tf.mean(t, 1), [dim]) : tf.mean(t, 1));
    return { meanMean: reduce(mm!), meanLogStd: reduce(ml!), logStdMean: reduce(lm!), logStdLogStd: reduce(ll!) };
  });
  return { ...out, dispose: () => tf.dispose([out.meanMean, out.meanLogStd, out.logStdMean, out.logStdLogStd]) };
}
