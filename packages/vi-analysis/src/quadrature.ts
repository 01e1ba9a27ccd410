// Deterministic integration against the standard normal, in float64.

/**
 * The 5-point probabilists' Gauss–Hermite rule (weights sum to 1): nodes 0, ±sqrt(5 ∓ √10), exact for
 * polynomials of degree ≤ 9 in ε ~ N(0, 1), hence for every estimator moment of a quadratic f (docs/algorithms/vi.md §5.1).
 */
export function gaussHermite5(): { nodes: number[]; weights: number[] } {
  const inner = Math.sqrt(5 - Math.sqrt(10));
  const outer = Math.sqrt(5 + Math.sqrt(10));
  const nodes = [-outer, -inner, 0, inner, outer];
  // w_i = n! / (n² He_{n−1}(x_i)²) with n = 5 and He_4(x) = x⁴ − 6x² + 3.
  const weights = nodes.map((x) => 120 / (25 * (x ** 4 - 6 * x ** 2 + 3) ** 2));
  return { nodes, weights };
}

/** The tensor-product rule in d dimensions: 5^d points ε (row-major) with their weights. */
export function gaussHermiteGrid(d: number): { points: number[][]; weights: number[] } {
  const { nodes, weights } = gaussHermite5();
  let points: number[][] = [[]];
  let w: number[] = [1];
  for (let k = 0; k < d; k++) {
    const nextPoints: number[][] = [];
    const nextW: number[] = [];
    points.forEach((p, i) => {
      nodes.forEach((x, j) => {
        nextPoints.push([...p, x]);
        nextW.push(w[i]! * weights[j]!);
      });
    });
    points = nextPoints;
    w = nextW;
  }
  return { points, weights: w };
}

/** Weighted mean and variance of values under weights summing to 1. */
export function weightedMoments(values: readonly number[], weights: readonly number[]): { mean: number; variance: number } {
  let mean = 0;
  values.forEach((v, i) => (mean += weights[i]! * v));
  let variance = 0;
  values.forEach((v, i) => (variance += weights[i]! * (v - mean) ** 2));
  return { mean, variance };
}

/**
 * E_{ε~N(0,1)}[fn(ε)] by the trapezoid rule on [−limit, limit]. For smooth integrands times the
 * Gaussian density it converges exponentially in 1/step (the defaults give ~1e-12 for the costs here).
 */
export function normalExpectation(fn: (eps: number) => number, options: { limit?: number; step?: number } = {}): number {
  const limit = options.limit ?? 12;
  const step = options.step ?? 0.002;
  const n = Math.round((2 * limit) / step);
  const norm = 1 / Math.sqrt(2 * Math.PI);
  let sum = 0;
  for (let i = 0; i <= n; i++) {
    const e = -limit + i * step;
    const w = i === 0 || i === n ? 0.5 : 1;
    sum += w * fn(e) * Math.exp(-0.5 * e * e);
  }
  return sum * step * norm;
}
