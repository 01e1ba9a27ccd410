import { ShapeError } from '../errors.js';

/**
 * Streaming float64 mean and variance of vectors (Welford / Chan et al.), on the host. Use it for
 * gradient statistics: float32 accumulation loses precision when variances are tiny beside means.
 */
export class Welford {
  count = 0;
  readonly mean: Float64Array;
  /** Sum of squared deviations per coordinate. */
  readonly m2: Float64Array;

  constructor(readonly dim: number) {
    if (!Number.isInteger(dim) || dim <= 0) throw new ShapeError(`Welford: dim must be a positive integer, got ${dim}.`);
    this.mean = new Float64Array(dim);
    this.m2 = new Float64Array(dim);
  }

  /** Adds one sample. */
  add(sample: ArrayLike<number>): this {
    if (sample.length !== this.dim) throw new ShapeError(`Welford.add: sample has ${sample.length} values, expected ${this.dim}.`);
    this.count += 1;
    for (let i = 0; i < this.dim; i++) {
      const x = sample[i]!;
      const delta = x - this.mean[i]!;
      this.mean[i] = this.mean[i]! + delta / this.count;
      this.m2[i] = this.m2[i]! + delta * (x - this.mean[i]!);
    }
    return this;
  }

  /** Adds `rows` samples stored row-major in `data` (length rows·dim). */
  addBatch(data: ArrayLike<number>, rows: number): this {
    if (data.length !== rows * this.dim) throw new ShapeError(`Welford.addBatch: ${data.length} values is not ${rows} x ${this.dim}.`);
    const row = new Float64Array(this.dim);
    for (let r = 0; r < rows; r++) {
      for (let i = 0; i < this.dim; i++) row[i] = data[r * this.dim + i]!;
      this.add(row);
    }
    return this;
  }

  /** Combines another accumulator into this one (parallel formula). */
  merge(other: Welford): this {
    if (other.dim !== this.dim) throw new ShapeError(`Welford.merge: dims ${other.dim} and ${this.dim} differ.`);
    if (other.count === 0) return this;
    const n = this.count + other.count;
    for (let i = 0; i < this.dim; i++) {
      const delta = other.mean[i]! - this.mean[i]!;
      this.m2[i] = this.m2[i]! + other.m2[i]! + (delta * delta * this.count * other.count) / n;
      this.mean[i] = this.mean[i]! + (delta * other.count) / n;
    }
    this.count = n;
    return this;
  }

  /** Per-coordinate variance; unbiased (N−1) by default. NaN with too few samples. */
  variance(unbiased = true): Float64Array {
    const denominator = unbiased ? this.count - 1 : this.count;
    return this.m2.map((v) => (denominator > 0 ? v / denominator : Number.NaN));
  }

  /** Trace of the covariance matrix: the sum of per-coordinate variances. */
  traceCovariance(unbiased = true): number {
    return this.variance(unbiased).reduce((a, b) => a + b, 0);
  }

  /** Standard error of the mean per coordinate: sqrt(var / N). */
  standardError(): Float64Array {
    return this.variance(true).map((v) => Math.sqrt(v / this.count));
  }
}
