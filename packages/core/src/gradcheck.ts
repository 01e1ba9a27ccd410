import { tf } from './tf.js';

export interface GradCheckOptions {
  /** Central-difference step (float32 needs a large one; default 1e-2). */
  eps?: number;
  /** Allowed |analytic − numeric| ≤ atol + rtol·|numeric|. */
  atol?: number;
  rtol?: number;
  /** Check at most this many coordinates (spread evenly), to keep big inputs cheap. */
  maxCoordinates?: number;
}

export interface GradCheckResult {
  ok: boolean;
  /** Largest |analytic − numeric| / (atol + rtol·|numeric|); ≤ 1 passes. */
  worstRatio: number;
  worstIndex: number;
  analytic: number[];
  numeric: number[];
  indices: number[];
}

/**
 * Compares `tf.grad(f)(x)` with central finite differences of `f` at the checked coordinates.
 * `f` must return a scalar. The differences are taken on the active backend, so this checks the
 * backend's kernels and gradients together.
 */
export async function gradCheck(f: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor, options: GradCheckOptions = {}): Promise<GradCheckResult> {
  const eps = options.eps ?? 1e-2;
  const atol = options.atol ?? 1e-3;
  const rtol = options.rtol ?? 1e-2;
  const base = Float32Array.from(await x.data());
  const gradient = tf.tidy(() => tf.grad(f)(x));
  const analyticAll = await gradient.data();
  gradient.dispose();
  const count = Math.min(base.length, options.maxCoordinates ?? base.length);
  const indices = Array.from({ length: count }, (_, k) => Math.floor((k * base.length) / count));
  const analytic: number[] = [];
  const numeric: number[] = [];
  let worstRatio = 0;
  let worstIndex = -1;
  for (const i of indices) {
    const at = async (delta: number): Promise<number> => {
      const shifted = Float32Array.from(base);
      shifted[i] = shifted[i]! + delta;
      const value = tf.tidy(() => f(tf.tensor(shifted, x.shape, 'float32')));
      const out = (await value.data())[0]!;
      value.dispose();
      return out;
    };
    const fd = ((await at(eps)) - (await at(-eps))) / (2 * eps);
    const an = analyticAll[i]!;
    analytic.push(an);
    numeric.push(fd);
    const ratio = Math.abs(an - fd) / (atol + rtol * Math.abs(fd));
    if (!(ratio <= worstRatio)) {
      worstRatio = Number.isNaN(ratio) ? Infinity : ratio;
      worstIndex = i;
    }
  }
  return { ok: worstRatio <= 1, worstRatio, worstIndex, analytic, numeric, indices };
}
