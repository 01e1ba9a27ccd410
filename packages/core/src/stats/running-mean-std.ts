import { ShapeError } from '../errors.js';

export interface RunningMeanStdState {
  mean: number[];
  var: number[];
  count: number;
}

/**
 * The GI-PPO reference's observation/value normaliser (docs/algorithms/gippo.md §2.1): mean 0, var 1 and
 * count 1e-4 at the start; batch updates with the parallel-variance formula using the *biased*
 * batch variance; normalise(x) = (x − mean)/sqrt(var + 1e-5). Host-side float64.
 */
export class RunningMeanStd {
  mean: Float64Array;
  var: Float64Array;
  count: number;

  constructor(
    readonly dim: number,
    readonly epsilon = 1e-4,
    readonly normEps = 1e-5,
  ) {
    this.mean = new Float64Array(dim);
    this.var = new Float64Array(dim).fill(1);
    this.count = epsilon;
  }

  /** Updates with `rows` samples stored row-major in `data`. */
  update(data: ArrayLike<number>, rows: number): this {
    if (data.length !== rows * this.dim) throw new ShapeError(`RunningMeanStd.update: ${data.length} values is not ${rows} x ${this.dim}.`);
    if (rows === 0) return this;
    const batchMean = new Float64Array(this.dim);
    const batchVar = new Float64Array(this.dim);
    for (let r = 0; r < rows; r++) for (let i = 0; i < this.dim; i++) batchMean[i] = batchMean[i]! + data[r * this.dim + i]! / rows;
    for (let r = 0; r < rows; r++) {
      for (let i = 0; i < this.dim; i++) batchVar[i] = batchVar[i]! + (data[r * this.dim + i]! - batchMean[i]!) ** 2 / rows;
    }
    const total = this.count + rows;
    for (let i = 0; i < this.dim; i++) {
      const delta = batchMean[i]! - this.mean[i]!;
      const m2 = this.var[i]! * this.count + batchVar[i]! * rows + (delta * delta * this.count * rows) / total;
      this.mean[i] = this.mean[i]! + (delta * rows) / total;
      this.var[i] = m2 / total;
    }
    this.count = total;
    return this;
  }

  /** (x − mean)/sqrt(var + normEps), row-major, as float64. */
  normalize(data: ArrayLike<number>): Float64Array {
    return this.map(data, (x, i) => (x - this.mean[i]!) / Math.sqrt(this.var[i]! + this.normEps));
  }

  /** y·sqrt(var + normEps) + mean. */
  denormalize(data: ArrayLike<number>): Float64Array {
    return this.map(data, (y, i) => y * Math.sqrt(this.var[i]! + this.normEps) + this.mean[i]!);
  }

  /** Per-coordinate scale sqrt(var + normEps), for normalising on device. */
  scale(): Float64Array {
    return this.var.map((v) => Math.sqrt(v + this.normEps));
  }

  /** A frozen copy (the reference normalises each epoch with the statistics from its start). */
  clone(): RunningMeanStd {
    const copy = new RunningMeanStd(this.dim, this.epsilon, this.normEps);
    copy.load(this.state());
    return copy;
  }

  state(): RunningMeanStdState {
    return { mean: Array.from(this.mean), var: Array.from(this.var), count: this.count };
  }

  load(state: RunningMeanStdState): void {
    if (state.mean.length !== this.dim || state.var.length !== this.dim) {
      throw new ShapeError(`RunningMeanStd.load: state has dim ${state.mean.length}, expected ${this.dim}.`);
    }
    this.mean = Float64Array.from(state.mean);
    this.var = Float64Array.from(state.var);
    this.count = state.count;
  }

  private map(data: ArrayLike<number>, fn: (x: number, i: number) => number): Float64Array {
    if (data.length % this.dim !== 0) throw new ShapeError(`RunningMeanStd: ${data.length} values is not a multiple of dim ${this.dim}.`);
    const out = new Float64Array(data.length);
    for (let k = 0; k < data.length; k++) out[k] = fn(data[k]!, k % this.dim);
    return out;
  }
}
