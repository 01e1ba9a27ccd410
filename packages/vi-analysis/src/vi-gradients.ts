// Mean-field Gaussian VI gradient estimators (docs/algorithms/vi.md §1.2) on a log joint given as a tfjs function,
// built on @pathwise/estimators. The VI objective is an adapter: it hands any registered estimator (or an
// Estimator object) the cost-to-go f = log p(y, θ) (or h = log p − log q for the `elbo` objective) and adds
// what only VI knows analytically: the entropy term and control-variate expectations. The names `sf-joint`
// (score function with a constant baseline on log p, entropy analytic) and `sf-elbo` (the same score
// function on h) are VI presets, not registered estimators.
// One file because estimator resolution, the VI adapter (entropy, control variates, the elbo objective)
// and the per-draw helpers that call it (draws, moments, pilot baselines) share one definition of the
// per-draw ELBO-gradient term; the comparison and the fit both consume exactly this.
import { ConfigError, ShapeError, UnknownNameError, tf, type Rng } from '@pathwise/core';
import { estimateGradient, getEstimator, listEstimators, scoreFunction, type Estimator, type StateHolder } from '@pathwise/estimators';
import type { BaselineSpec, Quadratic } from './closed-form.js';

const LOG_2PI = Math.log(2 * Math.PI);

/** The VI presets: `sf-joint` and `sf-elbo` (the constant-baseline score function on log p and on log p − log q). */
export const VI_PRESETS = ['sf-joint', 'sf-elbo'] as const;
export type ViPreset = (typeof VI_PRESETS)[number];

/**
 * Which estimator: a registered name (`pathwise estimators` lists them), a VI preset (`sf-joint`,
 * `sf-elbo`), or an Estimator object (`defineEstimator`). Names are checked against the registry when used.
 */
export type ViEstimator = string | Estimator<any>;

/**
 * What the estimator differentiates: `joint` = E_q[log p] with the entropy gradient added analytically
 * (+1 on each log σ component; vi.md §1.2 "SF-joint"), `elbo` = E_q[h], h = log p − log q with q's
 * parameters held fixed in h (BBVI's form; for RP this is "sticking the landing"). Both are unbiased for
 * the ELBO gradient with any unbiased estimator.
 */
export type ViObjective = 'joint' | 'elbo';

/** An estimator resolved for VI: the plugin, its objective and the name it is reported under. */
export interface ResolvedViEstimator {
  name: string;
  estimator: Estimator<any>;
  objective: ViObjective;
  /** Set for the VI presets (their `baseline` option applies). */
  preset?: ViPreset;
}

/**
 * Resolves `estimator` for VI. `sf-joint`/`sf-elbo` become the constant-baseline score function with
 * `baseline` (default 0) on the joint/elbo objective; other names are looked up in the estimator
 * registry (an unknown name is an `UnknownNameError` listing the registered estimators and the presets).
 * `objective` overrides the default (`elbo` for `sf-elbo`, `joint` otherwise).
 */
export function resolveViEstimator(estimator: ViEstimator, options: { objective?: ViObjective; baseline?: BaselineSpec; dim: number }): ResolvedViEstimator {
  if (options.objective !== undefined && options.objective !== 'joint' && options.objective !== 'elbo') {
    throw new ConfigError('objective', options.objective, "'joint' or 'elbo'");
  }
  if (typeof estimator !== 'string') {
    if (!estimator || typeof estimator.definition !== 'object') throw new ConfigError('estimator', estimator, 'a registered estimator name or an Estimator (defineEstimator)');
    rejectBaseline(estimator.name, options.baseline);
    return { name: estimator.name, estimator, objective: options.objective ?? 'joint' };
  }
  if (estimator === 'sf-joint' || estimator === 'sf-elbo') {
    const objective = options.objective ?? (estimator === 'sf-elbo' ? 'elbo' : 'joint');
    return { name: estimator, estimator: scoreFunctionWithBaseline(options.baseline ?? 0, options.dim), objective, preset: estimator };
  }
  const resolved = getViEstimator(estimator);
  // RP ignores the SF baseline (as it always has); any other estimator takes its options via `.with()`.
  if (estimator !== 'rp') rejectBaseline(estimator, options.baseline);
  return { name: estimator, estimator: resolved, objective: options.objective ?? 'joint' };
}

/** A registered estimator by name; unknown names list the registered estimators and the VI presets. */
export function getViEstimator(name: string): Estimator<any> {
  try {
    return getEstimator(name);
  } catch (error) {
    if (!(error instanceof UnknownNameError)) throw error;
    const known = [...listEstimators().map((e) => e.name), ...VI_PRESETS].sort();
    throw new UnknownNameError(
      'estimator',
      name,
      known,
      "('sf-joint' and 'sf-elbo' are VI presets: the constant-baseline score function on log p and on log p − log q.) Register a plugin with registerEstimator(defineEstimator({...})) or pass the Estimator object.",
    );
  }
}

function rejectBaseline(name: string, baseline: BaselineSpec | undefined): void {
  if (baseline === undefined || baseline === 0) return;
  throw new ConfigError(
    'baseline',
    baseline,
    `no baseline for '${name}' (the baseline option belongs to the sf-joint/sf-elbo presets; give other estimators their options with estimator.with({...}))`,
  );
}

/** A batched log joint: θ [N, d] → log p(y, θ) [N], one row per parameter draw. */
export type LogJoint = (theta: tf.Tensor) => tf.Tensor;

export interface ViGradientOptions {
  logJoint: LogJoint;
  mu: ArrayLike<number>;
  sigma: ArrayLike<number>;
  /** A registered estimator name, a VI preset (`sf-joint`, `sf-elbo`) or an Estimator object. */
  estimator: ViEstimator;
  /** `joint` (entropy analytic) or `elbo` (differentiate h = log p − log q); default `elbo` for `sf-elbo`, else `joint`. */
  objective?: ViObjective;
  /** SF baseline b of the presets (a number or per component {mu, sigma}); 0 = "without control variate". Ignored by RP; other estimators take none. */
  baseline?: BaselineSpec;
  /**
   * Control variates from a quadratic model of f at μ (docs/algorithms/vi.md §2.9): `delta` (SF-joint: subtract the
   * second-order Taylor model and add its exact expectation back) or `linear-response` (RP: subtract
   * H(θ − μ) from ∇f and add its expectation back).
   */
  controlVariate?: { kind: 'delta' | 'linear-response'; quadratic: Quadratic };
  /** Draws per estimate. */
  samples: number;
  rng: Rng;
  /** Inject ε [samples, d] (an estimator's sampling design is applied to it, as to drawn noise). */
  noise?: tf.Tensor;
  /** State holder of a stateful estimator, updated in place; without one each call starts from the initial state. */
  state?: StateHolder;
}

/** ELBO-gradient estimates in μ, σ and log σ ([d]) and the per-draw terms behind them ([N, d]). */
export interface ViGradient {
  mu: tf.Tensor;
  sigma: tf.Tensor;
  logsigma: tf.Tensor;
  perSample: { mu: tf.Tensor; sigma: tf.Tensor; logsigma: tf.Tensor };
  dispose(): void;
}

/** f̃(θ) = c0 + gᵀ(θ − μ) + ½(θ − μ)ᵀH(θ − μ) as a batched tfjs function. */
export function quadraticLogJoint(q: Quadratic, mu: ArrayLike<number>): LogJoint {
  const d = mu.length;
  return (theta) =>
    tf.tidy(() => {
      const diff = tf.sub(theta, tf.tensor1d(Array.from(mu), 'float32'));
      const H = tf.tensor2d(
        Array.from(q.H, (row) => Array.from(row)),
        [d, d],
        'float32',
      );
      const linear = tf.sum(tf.mul(diff, tf.tensor1d(Array.from(q.g), 'float32')), -1);
      const quad = tf.mul(tf.sum(tf.mul(tf.matMul(diff, H), diff), -1), 0.5);
      return tf.add(tf.add(linear, quad), q.c0);
    });
}

/** One ELBO-gradient estimate from `samples` draws (tensors; the caller disposes). */
export function viGradient(options: ViGradientOptions): ViGradient {
  const { mu, sigma, samples, rng } = options;
  const d = mu.length;
  if (sigma.length !== d) throw new ShapeError(`sigma has ${sigma.length} entries, mu has ${d}.`);
  if (Array.from(sigma).some((s) => !(s > 0))) throw new ConfigError('sigma', sigma, 'positive numbers');
  const resolved = resolveViEstimator(options.estimator, {
    dim: d,
    ...(options.objective ? { objective: options.objective } : {}),
    ...(options.baseline !== undefined ? { baseline: options.baseline } : {}),
  });
  const { objective } = resolved;
  const cv = options.controlVariate;
  if (cv) checkControlVariate(cv.kind, resolved);
  const logSigma = Array.from(sigma, Math.log);
  // Analytic additions to the per-draw log σ gradient: entropy (+1) and control-variate expectations.
  const extraMu = new Array<number>(d).fill(0);
  const extraLogSigma = new Array<number>(d).fill(objective === 'elbo' ? 0 : 1);
  let f: LogJoint = options.logJoint;
  if (cv) {
    const q = cv.quadratic;
    const curvature: Quadratic = cv.kind === 'delta' ? q : { c0: 0, g: new Array<number>(d).fill(0), H: q.H };
    const model = quadraticLogJoint(curvature, mu);
    f = (theta) => tf.tidy(() => tf.sub(options.logJoint(theta), model(theta)));
    for (let i = 0; i < d; i++) {
      // E_q ∇_μ f̃ = g (delta only: the linear-response term has zero mean); E_q ∇_logσ f̃ = H_ii σ_i².
      if (cv.kind === 'delta') extraMu[i] = q.g[i]!;
      extraLogSigma[i] = extraLogSigma[i]! + q.H[i]![i]! * sigma[i]! ** 2;
    }
  }
  if (objective === 'elbo') {
    const logJoint = f;
    const muT = Array.from(mu);
    const constant = logSigma.reduce((a, b) => a + b, 0) + (d / 2) * LOG_2PI;
    // h = f − log q with q's parameters held fixed (the score-function identity handles their dependence).
    f = (theta) =>
      tf.tidy(() => {
        const z = tf.div(tf.sub(theta, tf.tensor1d(muT, 'float32')), tf.tensor1d(Array.from(sigma), 'float32'));
        return tf.add(logJoint(theta), tf.add(tf.mul(tf.sum(tf.square(z), -1), 0.5), constant));
      });
  }
  const estimate = estimateGradient(
    resolved.estimator,
    { f, mean: mu, logStd: logSigma },
    { samples, rng, ...(options.noise ? { noise: options.noise } : {}), ...(options.state ? { state: options.state } : {}) },
  );
  const out = tf.tidy(() => {
    const sigmaT = tf.tensor1d(Array.from(sigma), 'float32');
    const psMu = tf.add(estimate.perSample.mean, tf.tensor1d(extraMu, 'float32'));
    const psLog = tf.add(estimate.perSample.logStd, tf.tensor1d(extraLogSigma, 'float32'));
    const psSigma = tf.div(psLog, sigmaT);
    return [psMu, psSigma, psLog, tf.mean(psMu, 0), tf.mean(psSigma, 0), tf.mean(psLog, 0)];
  });
  estimate.dispose();
  const [psMu, psSigma, psLog, gMu, gSigma, gLog] = out as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
  return {
    mu: gMu,
    sigma: gSigma,
    logsigma: gLog,
    perSample: { mu: psMu, sigma: psSigma, logsigma: psLog },
    dispose: () => tf.dispose(out),
  };
}

/**
 * The §2.9 control variates subtract (part of) the quadratic model from the cost and add its exact
 * expectation back, which keeps any estimator unbiased. The preset names keep today's pairing
 * (`linear-response` for rp, `delta` for sf-joint, not `delta` for sf-elbo); other estimators take either.
 */
function checkControlVariate(kind: 'delta' | 'linear-response', resolved: ResolvedViEstimator): void {
  if (kind !== 'delta' && kind !== 'linear-response') throw new ConfigError('controlVariate.kind', kind, "'delta' or 'linear-response'");
  const name = resolved.name;
  if (name !== 'rp' && name !== 'sf-joint' && name !== 'sf-elbo') return;
  if ((kind === 'delta') !== (name === 'sf-joint')) {
    throw new ConfigError('controlVariate', kind, name === 'rp' ? "'linear-response' for rp" : name === 'sf-joint' ? "'delta' for sf-joint" : 'none for sf-elbo');
  }
}

const baselineCache = new Map<string, ReturnType<typeof scoreFunction>>();

function scoreFunctionWithBaseline(baseline: BaselineSpec, d: number) {
  const key = JSON.stringify(baseline);
  let estimator = baselineCache.get(key);
  if (!estimator) {
    estimator =
      typeof baseline === 'number'
        ? scoreFunction('sf', 'constant', { value: baseline })
        : scoreFunction('sf', 'constant', { valueMean: check(baseline.mu, d, 'mu'), valueLogStd: check(baseline.sigma, d, 'sigma') });
    if (baselineCache.size > 64) baselineCache.clear();
    baselineCache.set(key, estimator);
  }
  return estimator;
}

function check(v: ArrayLike<number>, d: number, which: string): number[] {
  if (v.length !== d) throw new ConfigError(`baseline.${which}`, v, `${d} numbers`);
  return Array.from(v);
}

/** Per-draw (single-draw) ELBO-gradient terms on the host: N × d row-major float64 arrays. */
export interface ViDraws {
  n: number;
  d: number;
  mu: Float64Array;
  sigma: Float64Array;
  logsigma: Float64Array;
}

/**
 * N single-draw estimates, computed in chunks of `chunk` draws (memory stays bounded for big models).
 * Their per-coordinate sample variances are the empirical single-draw variances of §3.2.
 *
 * These are the estimator's per-sample contributions as it returns them, one call per chunk. For an
 * estimator with a sampling design (`definition.noise`, e.g. antithetic pairs) the design acts within
 * each chunk (keep `chunk` a multiple of its group size) and the draws are not independent, so their
 * variance is not S × the variance of its S-sample estimate. A stateful estimator starts every chunk
 * from its initial state unless `state` is given.
 */
export async function viGradientDraws(options: Omit<ViGradientOptions, 'samples' | 'noise'> & { draws: number; chunk?: number }): Promise<ViDraws> {
  const d = options.mu.length;
  const n = options.draws;
  const chunk = options.chunk ?? 2000;
  const out: ViDraws = { n, d, mu: new Float64Array(n * d), sigma: new Float64Array(n * d), logsigma: new Float64Array(n * d) };
  for (let start = 0; start < n; start += chunk) {
    const size = Math.min(chunk, n - start);
    const g = viGradient({ ...options, samples: size });
    const [mu, sigma, logsigma] = await Promise.all([g.perSample.mu.data(), g.perSample.sigma.data(), g.perSample.logsigma.data()]);
    g.dispose();
    out.mu.set(mu, start * d);
    out.sigma.set(sigma, start * d);
    out.logsigma.set(logsigma, start * d);
  }
  return out;
}

/** Per-column moments in float64: mean, unbiased variance, and the standard errors of both (SE of the variance from the 4th moment). */
export interface ColumnMoments {
  mean: number[];
  variance: number[];
  seMean: number[];
  seVariance: number[];
}

export function columnMoments(data: ArrayLike<number>, n: number, d: number): ColumnMoments {
  const mean = new Array<number>(d).fill(0);
  for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) mean[j] = mean[j]! + data[r * d + j]!;
  for (let j = 0; j < d; j++) mean[j] = mean[j]! / n;
  const m2 = new Array<number>(d).fill(0);
  const m4 = new Array<number>(d).fill(0);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < d; j++) {
      const dev2 = (data[r * d + j]! - mean[j]!) ** 2;
      m2[j] = m2[j]! + dev2;
      m4[j] = m4[j]! + dev2 * dev2;
    }
  }
  const variance = m2.map((v) => v / (n - 1));
  return {
    mean,
    variance,
    seMean: variance.map((v) => Math.sqrt(v / n)),
    seVariance: m4.map((v, j) => Math.sqrt(Math.max(v / n - (m2[j]! / n) ** 2, 0) / n)),
  };
}

/**
 * Per-component optimal constant baselines b_i = E[f s_i²]/E[s_i²] (= Cov(f s_i, s_i)/Var(s_i)),
 * estimated from `draws` independent pilot draws so that using them keeps the estimator unbiased
 * (docs/algorithms/vi.md §1.2). For SF-elbo the same is done for h = f − log q.
 */
export async function estimateOptimalBaselines(options: {
  logJoint: LogJoint;
  mu: ArrayLike<number>;
  sigma: ArrayLike<number>;
  variant: 'joint' | 'elbo';
  draws: number;
  rng: Rng;
}): Promise<{ mu: number[]; sigma: number[] }> {
  const d = options.mu.length;
  const noise = options.rng.normalTensor([options.draws, d]);
  const fT = tf.tidy(() => {
    const sigmaT = tf.tensor1d(Array.from(options.sigma), 'float32');
    const theta = tf.add(tf.tensor1d(Array.from(options.mu), 'float32'), tf.mul(sigmaT, noise));
    const f = options.logJoint(theta);
    if (options.variant === 'joint') return f;
    const logSigmaSum = Array.from(options.sigma, Math.log).reduce((a, b) => a + b, 0);
    return tf.add(f, tf.add(tf.mul(tf.sum(tf.square(noise), -1), 0.5), logSigmaSum + (d / 2) * LOG_2PI));
  });
  const [f, eps] = await Promise.all([fT.data(), noise.data()]);
  tf.dispose([fT, noise]);
  const num = { mu: new Array<number>(d).fill(0), sigma: new Array<number>(d).fill(0) };
  const den = { mu: new Array<number>(d).fill(0), sigma: new Array<number>(d).fill(0) };
  for (let r = 0; r < options.draws; r++) {
    for (let j = 0; j < d; j++) {
      const e2 = eps[r * d + j]! ** 2;
      const sMu = e2;
      const sSig = (e2 - 1) ** 2;
      num.mu[j] = num.mu[j]! + f[r]! * sMu;
      den.mu[j] = den.mu[j]! + sMu;
      num.sigma[j] = num.sigma[j]! + f[r]! * sSig;
      den.sigma[j] = den.sigma[j]! + sSig;
    }
  }
  return { mu: num.mu.map((v, j) => v / den.mu[j]!), sigma: num.sigma.map((v, j) => v / den.sigma[j]!) };
}
