// Closed-form single-draw variances of RP and SF (docs/algorithms/vi.md §2). One file: the
// propositions share the same quadratic-model helpers.
// Closed-form single-draw variances of the RP and SF ELBO-gradient estimators for a quadratic log
// joint f(θ) = c0 + gᵀ(θ−μ) + ½(θ−μ)ᵀH(θ−μ) under q = N(μ, diag σ²) (docs/algorithms/vi.md §2). Plain float64 JS:
// SF terms involve (c0 − b)² with c0 = O(n), which float32 would ruin.
import { ConfigError, ShapeError } from '@pathwise/core';

const LOG_2PI = Math.log(2 * Math.PI);

/** The quadratic model (Taylor form at μ). */
export interface Quadratic {
  c0: number;
  g: ArrayLike<number>;
  /** Symmetric d × d, as rows. */
  H: ArrayLike<ArrayLike<number>>;
}

/** A quadratic with plain arrays (what models and autodiff return). */
export interface DenseQuadratic extends Quadratic {
  g: number[];
  H: number[][];
}

export type SfVariant = 'joint' | 'elbo';
/** A scalar baseline for every component, or per component (vectors of length d for μ and for σ). */
export type BaselineSpec = number | { mu: ArrayLike<number>; sigma: ArrayLike<number> };

/** Per-component variances of the μ, σ and log σ gradients. */
export interface ComponentVariances {
  mu: number[];
  sigma: number[];
  logsigma: number[];
}

/** The §2.1 shorthand: K = diag(σ) H diag(σ), t = tr K, T2 = tr K², Q_i = (K²)_ii, D_i = K_ii, G = Σ g_j² σ_j². */
export interface Shorthand {
  t: number;
  T2: number;
  Q: number[];
  D: number[];
  G: number;
}

export function shorthand(q: Quadratic, sigma: ArrayLike<number>): Shorthand {
  const d = checkDims(q, sigma);
  const K = (j: number, k: number) => sigma[j]! * sigma[k]! * q.H[j]![k]!;
  let t = 0;
  let T2 = 0;
  let G = 0;
  const Q: number[] = [];
  const D: number[] = [];
  for (let i = 0; i < d; i++) {
    t += K(i, i);
    D.push(K(i, i));
    let qi = 0;
    for (let j = 0; j < d; j++) qi += K(i, j) ** 2;
    Q.push(qi);
    T2 += qi;
    G += q.g[i]! ** 2 * sigma[i]! ** 2;
  }
  return { t, T2, Q, D, G };
}

/** Proposition A: RP variances (entropy gradient analytic, so the same for E_q f and the ELBO). */
export function rpVariances(q: Quadratic, sigma: ArrayLike<number>, samples = 1): ComponentVariances {
  const { Q, D } = shorthand(q, sigma);
  const mu = Q.map((qi, i) => qi / sigma[i]! ** 2 / samples);
  const sig = Q.map((qi, i) => (q.g[i]! ** 2 + (qi + D[i]! ** 2) / sigma[i]! ** 2) / samples);
  return { mu, sigma: sig, logsigma: sig.map((v, i) => v * sigma[i]! ** 2) };
}

/** The quadratic whose SF estimator SF-elbo is (§2.8): h = f − log q, H → H + diag(1/σ²), c0 → c0 + Σ log σ + (d/2) log 2π. */
export function elboQuadratic(q: Quadratic, sigma: ArrayLike<number>): Quadratic {
  const d = checkDims(q, sigma);
  let c0 = q.c0 + (d / 2) * LOG_2PI;
  for (let j = 0; j < d; j++) c0 += Math.log(sigma[j]!);
  const H = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => q.H[i]![j]! + (i === j ? 1 / sigma[i]! ** 2 : 0)));
  return { c0, g: Array.from(q.g), H };
}

/** Proposition B (SF-joint) or its §2.8 substitution (SF-elbo), with constant baselines. */
export function sfVariances(q: Quadratic, sigma: ArrayLike<number>, baseline: BaselineSpec, variant: SfVariant = 'joint', samples = 1): ComponentVariances {
  const d = checkDims(q, sigma);
  const model = variant === 'elbo' ? elboQuadratic(q, sigma) : q;
  const { t, T2, Q, D, G } = shorthand(model, sigma);
  const bMu = baselineVector(baseline, 'mu', d);
  const bSigma = baselineVector(baseline, 'sigma', d);
  const mu: number[] = [];
  const sig: number[] = [];
  for (let i = 0; i < d; i++) {
    const s2 = sigma[i]! ** 2;
    const gi2 = q.g[i]! ** 2;
    const aMu = model.c0 - bMu[i]!;
    const aSig = model.c0 - bSigma[i]!;
    mu.push((((aMu + t / 2 + D[i]!) ** 2 - D[i]! ** 2 + T2 / 2 + 2 * Q[i]! + G) / s2 + gi2) / samples);
    sig.push(((2 * (aSig + t / 2 + 2 * D[i]!) ** 2 + T2 + 8 * Q[i]! - 3 * D[i]! ** 2 + 2 * G) / s2 + 8 * gi2) / samples);
  }
  return { mu, sigma: sig, logsigma: sig.map((v, i) => v * sigma[i]! ** 2) };
}

/** §2.5: per-component optimal constant baselines b_μi* = E_q f + D_i, b_σi* = E_q f + 2D_i (of h for SF-elbo). */
export function optimalBaselines(q: Quadratic, sigma: ArrayLike<number>, variant: SfVariant = 'joint'): { mu: number[]; sigma: number[] } {
  const model = variant === 'elbo' ? elboQuadratic(q, sigma) : q;
  const { t, D } = shorthand(model, sigma);
  const mean = model.c0 + t / 2;
  return { mu: D.map((di) => mean + di), sigma: D.map((di) => mean + 2 * di) };
}

/** §2.2: exact gradients of E_q f and of the ELBO. */
export function exactGradients(
  q: Quadratic,
  sigma: ArrayLike<number>,
): {
  mu: number[];
  sigmaExpectation: number[];
  sigmaElbo: number[];
  logsigmaExpectation: number[];
  logsigmaElbo: number[];
  expectation: number;
} {
  const d = checkDims(q, sigma);
  const diag = Array.from({ length: d }, (_, i) => q.H[i]![i]!);
  const { t } = shorthand(q, sigma);
  return {
    mu: Array.from(q.g),
    sigmaExpectation: diag.map((h, i) => h * sigma[i]!),
    sigmaElbo: diag.map((h, i) => h * sigma[i]! + 1 / sigma[i]!),
    logsigmaExpectation: diag.map((h, i) => h * sigma[i]! ** 2),
    logsigmaElbo: diag.map((h, i) => h * sigma[i]! ** 2 + 1),
    expectation: q.c0 + t / 2,
  };
}

/**
 * §2.3 full covariance of the single-draw RP estimator of (μ, σ): blocks Cov(ĝ_μ) = H diag(σ²) H,
 * Cov(ĝ_μi, ĝ_σk) = H_ik σ_k g_k, Cov(ĝ_σi, ĝ_σk) = H_ik² σ_i σ_k (i ≠ k), Var(ĝ_σi) from Prop. A.
 */
export function rpCovariance(q: Quadratic, sigma: ArrayLike<number>): { muMu: number[][]; muSigma: number[][]; sigmaSigma: number[][] } {
  const d = checkDims(q, sigma);
  const H = (i: number, j: number) => q.H[i]![j]!;
  const rp = rpVariances(q, sigma);
  const muMu = Array.from({ length: d }, (_, i) =>
    Array.from({ length: d }, (_, k) => {
      let s = 0;
      for (let j = 0; j < d; j++) s += H(i, j) * sigma[j]! ** 2 * H(j, k);
      return s;
    }),
  );
  const muSigma = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, k) => H(i, k) * sigma[k]! * q.g[k]!));
  const sigmaSigma = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, k) => (i === k ? rp.sigma[i]! : H(i, k) ** 2 * sigma[i]! * sigma[k]!)));
  return { muMu, muSigma, sigmaSigma };
}

/**
 * §2.9: variances with control variates built from the exact quadratic: SF with the delta-method
 * control variate (coefficient 1) has variance 0; RP with the linear-response control variate
 * H(θ−μ) has μ-variance 0 and σ-variance g_i² (0 after also subtracting g_i ε_i).
 */
export function quadraticControlVariateVariances(
  q: Quadratic,
  sigma: ArrayLike<number>,
): {
  sfDelta: ComponentVariances;
  rpLinearResponse: ComponentVariances;
  rpLinearResponseAndLinear: ComponentVariances;
} {
  const d = checkDims(q, sigma);
  const zeros = () => new Array<number>(d).fill(0);
  const g2 = Array.from(q.g, (g) => g * g);
  return {
    sfDelta: { mu: zeros(), sigma: zeros(), logsigma: zeros() },
    rpLinearResponse: { mu: zeros(), sigma: g2, logsigma: g2.map((v, i) => v * sigma[i]! ** 2) },
    rpLinearResponseAndLinear: { mu: zeros(), sigma: zeros(), logsigma: zeros() },
  };
}

/** §2.6 at the mean-field optimum of a diagonal-H target: Var_SF* / Var_RP = d/2 + 1 (μ) and (d + 5)/2 (σ). */
export function dimensionLaw(d: number): { mu: number; sigma: number } {
  return { mu: d / 2 + 1, sigma: (d + 5) / 2 };
}

/**
 * §2.2 global form f = c − ½θᵀAθ + bᵀθ: the mean-field optimum μ* = A⁻¹b, σ_j*² = 1/A_jj, and the
 * Taylor form (c0, g, H) at any μ.
 */
export function meanFieldOptimum(A: ArrayLike<ArrayLike<number>>, b: ArrayLike<number>): { mu: number[]; sigma: number[] } {
  const d = b.length;
  return { mu: solve(A, b), sigma: Array.from({ length: d }, (_, j) => 1 / Math.sqrt(A[j]![j]!)) };
}

export function taylorOfGlobal(A: ArrayLike<ArrayLike<number>>, b: ArrayLike<number>, c: number, mu: ArrayLike<number>): Quadratic {
  const d = b.length;
  const Amu = Array.from({ length: d }, (_, i) => {
    let s = 0;
    for (let j = 0; j < d; j++) s += A[i]![j]! * mu[j]!;
    return s;
  });
  let c0 = c;
  for (let i = 0; i < d; i++) c0 += b[i]! * mu[i]! - 0.5 * mu[i]! * Amu[i]!;
  return {
    c0,
    g: Array.from({ length: d }, (_, i) => b[i]! - Amu[i]!),
    H: Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => -A[i]![j]!)),
  };
}

/** Gaussian elimination with partial pivoting (float64), for the small systems here. */
export function solve(A: ArrayLike<ArrayLike<number>>, b: ArrayLike<number>): number[] {
  const d = b.length;
  const m = Array.from({ length: d }, (_, i) => [...Array.from(A[i]!), b[i]!]);
  for (let col = 0; col < d; col++) {
    let pivot = col;
    for (let r = col + 1; r < d; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    if (m[pivot]![col] === 0) throw new ShapeError('solve: the matrix is singular.');
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    for (let r = col + 1; r < d; r++) {
      const factor = m[r]![col]! / m[col]![col]!;
      for (let k = col; k <= d; k++) m[r]![k] = m[r]![k]! - factor * m[col]![k]!;
    }
  }
  const x = new Array<number>(d).fill(0);
  for (let r = d - 1; r >= 0; r--) {
    let s = m[r]![d]!;
    for (let k = r + 1; k < d; k++) s -= m[r]![k]! * x[k]!;
    x[r] = s / m[r]![r]!;
  }
  return x;
}

export interface ClosedFormInput {
  mu: ArrayLike<number>;
  sigma: ArrayLike<number>;
  grad: ArrayLike<number>;
  hessian: ArrayLike<ArrayLike<number>>;
  /** 'none' (b = 0), 'optimal' (§2.5, separately for f and for h), or a number (applied to f for SF-joint, to h for SF-elbo). */
  baseline?: 'none' | 'optimal' | number;
  /** Divide every variance by S (default: single-draw variances). */
  samples?: number;
  /** f(μ) (default 0). Only SF variances depend on it. */
  c0?: number;
}

interface SfReport {
  mu: number[];
  sigma: number[];
  logsigma: number[];
  baseline_mu: number[];
  baseline_sigma: number[];
}

export interface ClosedFormReport {
  rp: { mu: number[]; sigma: number[]; logsigma: number[] };
  sf_joint: SfReport;
  sf_elbo: SfReport;
  /** `logsigma` is the ELBO gradient in log σ (what all three estimators target). */
  exact_gradient: { mu: number[]; sigma_expectation: number[]; sigma_elbo: number[]; logsigma: number[] };
}

/** The §2.10 calculator as plain data in/out (the `pathwise vi closed-form` command). */
export function closedFormReport(input: ClosedFormInput): ClosedFormReport {
  const d = input.mu.length;
  for (const [key, v] of [
    ['sigma', input.sigma],
    ['grad', input.grad],
  ] as const) {
    if (v.length !== d) throw new ConfigError(key, v, `${d} numbers (the length of mu)`);
  }
  if (input.hessian.length !== d || Array.from(input.hessian).some((row) => row.length !== d)) {
    throw new ConfigError('hessian', input.hessian, `a ${d} x ${d} matrix`);
  }
  if (Array.from(input.sigma).some((s) => !(s > 0))) throw new ConfigError('sigma', input.sigma, 'positive numbers');
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < i; j++) {
      const a = input.hessian[i]![j]!;
      const b = input.hessian[j]![i]!;
      if (Math.abs(a - b) > 1e-9 * (1 + Math.abs(a) + Math.abs(b))) throw new ConfigError('hessian', input.hessian, 'a symmetric matrix');
    }
  }
  const samples = input.samples ?? 1;
  if (!Number.isInteger(samples) || samples < 1) throw new ConfigError('samples', samples, 'a positive integer');
  const baseline = input.baseline ?? 'none';
  if (baseline !== 'none' && baseline !== 'optimal' && !Number.isFinite(baseline)) throw new ConfigError('baseline', baseline, "'none', 'optimal' or a finite number");
  const q: Quadratic = { c0: input.c0 ?? 0, g: input.grad, H: input.hessian };
  const sigma = input.sigma;
  const sf = (variant: SfVariant): SfReport => {
    const b: { mu: number[]; sigma: number[] } =
      baseline === 'optimal'
        ? optimalBaselines(q, sigma, variant)
        : { mu: new Array<number>(d).fill(baseline === 'none' ? 0 : baseline), sigma: new Array<number>(d).fill(baseline === 'none' ? 0 : baseline) };
    const v = sfVariances(q, sigma, b, variant, samples);
    return { mu: v.mu, sigma: v.sigma, logsigma: v.logsigma, baseline_mu: b.mu, baseline_sigma: b.sigma };
  };
  const rp = rpVariances(q, sigma, samples);
  const exact = exactGradients(q, sigma);
  return {
    rp: { mu: rp.mu, sigma: rp.sigma, logsigma: rp.logsigma },
    sf_joint: sf('joint'),
    sf_elbo: sf('elbo'),
    exact_gradient: { mu: exact.mu, sigma_expectation: exact.sigmaExpectation, sigma_elbo: exact.sigmaElbo, logsigma: exact.logsigmaElbo },
  };
}

function baselineVector(baseline: BaselineSpec, which: 'mu' | 'sigma', d: number): number[] {
  if (typeof baseline === 'number') return new Array<number>(d).fill(baseline);
  const v = baseline[which];
  if (v.length !== d) throw new ConfigError(`baseline.${which}`, v, `${d} numbers`);
  return Array.from(v);
}

function checkDims(q: Quadratic, sigma: ArrayLike<number>): number {
  const d = sigma.length;
  if (q.g.length !== d || q.H.length !== d) throw new ShapeError(`quadratic: g has ${q.g.length}, H has ${q.H.length} rows, sigma has ${d} entries.`);
  return d;
}
