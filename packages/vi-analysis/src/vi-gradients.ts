// Mean-field Gaussian VI gradient estimators (docs/algorithms/vi.md §1.2) on a log joint given as a tfjs function,
// built on @pathwise/estimators: RP, SF on log p only ("SF-joint", entropy analytic) and BBVI's SF on
// h = log p − log q ("SF-elbo"), with constant baselines and quadratic control variates.
import { ConfigError, ShapeError, tf, type Rng } from '@pathwise/core';
import { estimateGradient, getEstimator, scoreFunction } from '@pathwise/estimators';
import type { BaselineSpec, Quadratic } from './closed-form.js';

const LOG_2PI = Math.log(2 * Math.PI);

export type ViEstimator = 'rp' | 'sf-joint' | 'sf-elbo';

/** A batched log joint: θ [N, d] → log p(y, θ) [N], one row per parameter draw. */
export type LogJoint = (theta: tf.Tensor) => tf.Tensor;

export interface ViGradientOptions {
  logJoint: LogJoint;
  mu: ArrayLike<number>;
  sigma: ArrayLike<number>;
  estimator: ViEstimator;
  /** SF baseline b (a number or per component {mu, sigma}); 0 = "without control variate". Ignored by RP. */
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
  /** Inject ε [samples, d]. */
  noise?: tf.Tensor;
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
      const H = tf.tensor2d(Array.from(q.H, (row) => Array.from(row)), [d, d], 'float32');
      const linear = tf.sum(tf.mul(diff, tf.tensor1d(Array.from(q.g), 'float32')), -1);
      const quad = tf.mul(tf.sum(tf.mul(tf.matMul(diff, H), diff), -1), 0.5);
      return tf.add(tf.add(linear, quad), q.c0);
    });
}

/** One ELBO-gradient estimate from `samples` draws (tensors; the caller disposes). */
export function viGradient(options: ViGradientOptions): ViGradient {
  const { mu, sigma, estimator, samples, rng } = options;
  const d = mu.length;
  if (sigma.length !== d) throw new ShapeError(`sigma has ${sigma.length} entries, mu has ${d}.`);
  if (Array.from(sigma).some((s) => !(s > 0))) throw new ConfigError('sigma', sigma, 'positive numbers');
  const cv = options.controlVariate;
  if (cv && ((cv.kind === 'delta') !== (estimator === 'sf-joint'))) {
    throw new ConfigError('controlVariate', cv.kind, estimator === 'rp' ? "'linear-response' for rp" : estimator === 'sf-joint' ? "'delta' for sf-joint" : 'none for sf-elbo');
  }
  const logSigma = Array.from(sigma, Math.log);
  // Analytic additions to the per-draw log σ gradient: entropy (+1) and control-variate expectations.
  const extraMu = new Array<number>(d).fill(0);
  const extraLogSigma = new Array<number>(d).fill(estimator === 'sf-elbo' ? 0 : 1);
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
  if (estimator === 'sf-elbo') {
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
  const base = estimator === 'rp' ? getEstimator('rp') : scoreFunctionWithBaseline(options.baseline ?? 0, d);
  const estimate = estimateGradient(base, { f, mean: mu, logStd: logSigma }, { samples, rng, ...(options.noise ? { noise: options.noise } : {}) });
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
