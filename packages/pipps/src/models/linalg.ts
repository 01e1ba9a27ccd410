// Dense float64 linear algebra on the host for the GP fit (tfjs-core has no Cholesky, and the
// marginal likelihood needs float64: K is ill-conditioned for smooth kernels). Row-major N×N.

/** Thrown when a matrix is not (numerically) positive definite; the caller may add jitter. */
export class NotPositiveDefiniteError extends Error {
  constructor(
    readonly pivot: number,
    readonly value: number,
  ) {
    super(`Cholesky: pivot ${pivot} is ${value} (matrix not positive definite).`);
    this.name = 'NotPositiveDefiniteError';
  }
}

/** Lower Cholesky factor L (L Lᵀ = A) of a symmetric positive-definite N×N matrix; A is not modified. */
export function cholesky(A: Float64Array, N: number): Float64Array {
  const L = new Float64Array(N * N);
  for (let i = 0; i < N; i++) {
    const rowI = i * N;
    for (let j = 0; j <= i; j++) {
      const rowJ = j * N;
      let sum = A[rowI + j]!;
      for (let k = 0; k < j; k++) sum -= L[rowI + k]! * L[rowJ + k]!;
      if (i === j) {
        if (!(sum > 0)) throw new NotPositiveDefiniteError(i, sum);
        L[rowI + i] = Math.sqrt(sum);
      } else {
        L[rowI + j] = sum / L[rowJ + j]!;
      }
    }
  }
  return L;
}

/** Solves L x = b (L lower triangular), returning x. */
export function solveLower(L: Float64Array, N: number, b: Float64Array): Float64Array {
  const x = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    let sum = b[i]!;
    const row = i * N;
    for (let k = 0; k < i; k++) sum -= L[row + k]! * x[k]!;
    x[i] = sum / L[row + i]!;
  }
  return x;
}

/** Solves Lᵀ x = b (L lower triangular), returning x. */
export function solveUpperTransposed(L: Float64Array, N: number, b: Float64Array): Float64Array {
  const x = new Float64Array(N);
  for (let i = N - 1; i >= 0; i--) {
    let sum = b[i]!;
    for (let k = i + 1; k < N; k++) sum -= L[k * N + i]! * x[k]!;
    x[i] = sum / L[i * N + i]!;
  }
  return x;
}

/** A⁻¹ b from the Cholesky factor of A. */
export function choleskySolve(L: Float64Array, N: number, b: Float64Array): Float64Array {
  return solveUpperTransposed(L, N, solveLower(L, N, b));
}

/**
 * L⁻ᵀ (upper triangular), row-major: row j holds column j of L⁻¹, so both loops below run over
 * contiguous memory (the strided version is several times slower at N ≈ 500).
 */
export function inverseLowerTransposed(L: Float64Array, N: number): Float64Array {
  const out = new Float64Array(N * N);
  for (let j = 0; j < N; j++) {
    const col = j * N; // column j of L⁻¹: entries k ≥ j
    out[col + j] = 1 / L[j * N + j]!;
    for (let i = j + 1; i < N; i++) {
      let sum = 0;
      const row = i * N;
      for (let k = j; k < i; k++) sum -= L[row + k]! * out[col + k]!;
      out[col + i] = sum / L[row + i]!;
    }
  }
  return out;
}

/** A⁻¹ = L⁻ᵀ L⁻¹ from the Cholesky factor (symmetric; both triangles filled). */
export function choleskyInverse(L: Float64Array, N: number): Float64Array {
  const U = inverseLowerTransposed(L, N); // U[i, k] = (L⁻¹)_{k i}, non-zero for k ≥ i
  const out = new Float64Array(N * N);
  for (let i = 0; i < N; i++) {
    const rowI = i * N;
    for (let j = 0; j <= i; j++) {
      const rowJ = j * N;
      let sum = 0;
      for (let k = i; k < N; k++) sum += U[rowI + k]! * U[rowJ + k]!;
      out[rowI + j] = sum;
      out[rowJ + i] = sum;
    }
  }
  return out;
}
