import { tf } from './tf.js';
import type { Rng } from './rng.js';
import { ConfigError, ShapeError } from './errors.js';
import { stopGradient } from './tf.js';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** The largest `std` tensor the DiagGaussian constructor reads to check (on host backends). */
const STD_CHECK_MAX_SIZE = 1024;

/** Set while `fromLogStd` constructs: its std is exp(·), positive by construction. */
let fromLogStd = false;

function checkStd(std: tf.Tensor): void {
  const backend = tf.getBackend();
  if (std.size > STD_CHECK_MAX_SIZE || (backend !== 'cpu' && backend !== 'wasm')) return;
  const values = std.dataSync();
  const bad = values.findIndex((v) => !Number.isFinite(v) || !(v > 0));
  if (bad >= 0) throw new ConfigError(`DiagGaussian std${std.rank > 0 ? `[${bad}]` : ''}`, values[bad], 'finite and > 0 (a standard deviation)');
}

/**
 * A diagonal Gaussian over the last axis. `mean` is [..., D]; `std` broadcasts to it (for example a
 * state-independent [D] vector). Log-densities, entropies and KLs sum over the last axis.
 * It does not own its tensors: call it inside `tf.tidy` or dispose the results.
 *
 * `std` must be finite and > 0 (otherwise every log-density is NaN). The constructor checks it
 * (ConfigError naming the first bad entry) where that is cheap: always for a number (it becomes a
 * scalar tensor, created here), and for a tensor of at most 1024 entries (STD_CHECK_MAX_SIZE) on a
 * backend whose data lives on the host (cpu, wasm), where reading it is a small copy. Larger
 * tensors, and tensors on GPU backends (a read would stall the pipeline), are not read.
 * `fromLogStd` is not checked: exp(logStd) is positive by construction.
 */
export class DiagGaussian {
  readonly mean: tf.Tensor;
  readonly std: tf.Tensor;

  constructor(mean: tf.Tensor, std: tf.Tensor | number) {
    if (mean.rank < 1) throw new ShapeError(`DiagGaussian: mean must have rank >= 1 ([..., D]); got shape [${mean.shape}].`);
    if (typeof std === 'number') {
      if (!Number.isFinite(std) || !(std > 0)) throw new ConfigError('DiagGaussian std', std, 'a finite number > 0');
      std = tf.scalar(std);
    } else {
      broadcastTo('DiagGaussian: std', std.shape, mean.shape);
      if (!fromLogStd) checkStd(std);
    }
    this.mean = mean;
    this.std = std;
  }

  /** From a mean and a log standard deviation (the usual policy-head parametrisation). */
  static fromLogStd(mean: tf.Tensor, logStd: tf.Tensor): DiagGaussian {
    fromLogStd = true;
    try {
      return new DiagGaussian(mean, tf.exp(logStd));
    } finally {
      fromLogStd = false;
    }
  }

  /**
   * −log N(x; mean, diag(exp(logStd)²)) summed over the last axis, written on log σ directly (fewer
   * ops than exp-then-log, and exact): ½Σ((x − μ)·e^{−log σ})² + Σ log σ + ½·D·log 2π. The one
   * Gaussian log-density of the toolkit: policy losses, estimators and DiCE all use it.
   */
  static negLogProbLogStd(x: tf.Tensor, mean: tf.Tensor, logStd: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const dim = x.shape[x.rank - 1]!;
      const z = tf.mul(tf.sub(x, mean), tf.exp(tf.neg(logStd)));
      return tf.add(tf.sum(tf.add(tf.mul(tf.square(z), 0.5), logStd), -1), dim * HALF_LOG_2PI);
    });
  }

  /** Event dimension D. */
  get dim(): number {
    return this.mean.shape[this.mean.rank - 1]!;
  }

  /** A draw with no gradient path to the parameters (for score-function estimators). */
  sample(rng: Rng): tf.Tensor {
    return tf.tidy(() => stopGradient(this.rsample(rng).sample));
  }

  /** A reparameterised draw `mean + std * noise`, differentiable in mean and std, with its noise. */
  rsample(rng: Rng): { sample: tf.Tensor; noise: tf.Tensor } {
    const noise = rng.normalTensor(this.mean.shape);
    return { sample: this.transform(noise), noise };
  }

  /** `mean + std * noise` for a given standard-normal noise of the mean's shape. */
  transform(noise: tf.Tensor): tf.Tensor {
    sameShape('DiagGaussian.transform: noise', noise.shape, this.mean.shape);
    return tf.tidy(() => tf.add(this.mean, tf.mul(this.std, noise)));
  }

  /** log N(x; mean, diag(std²)), summed over the last axis. */
  logProb(x: tf.Tensor): tf.Tensor {
    sameShape('DiagGaussian.logProb: x', x.shape, this.mean.shape);
    return tf.tidy(() => {
      const z = tf.div(tf.sub(x, this.mean), this.std);
      const perDim = tf.sub(tf.mul(tf.square(z), -0.5), tf.add(tf.log(this.std), HALF_LOG_2PI));
      return tf.sum(perDim, -1);
    });
  }

  /** Differential entropy, summed over the last axis. */
  entropy(): tf.Tensor {
    return tf.tidy(() => tf.sum(tf.add(tf.log(tf.broadcastTo(this.std, this.mean.shape)), 0.5 + HALF_LOG_2PI), -1));
  }

  /** KL(this || other), summed over the last axis. */
  kl(other: DiagGaussian): tf.Tensor {
    sameShape('DiagGaussian.kl: other.mean', other.mean.shape, this.mean.shape);
    return tf.tidy(() => {
      const varRatio = tf.square(tf.div(this.std, other.std));
      const meanTerm = tf.square(tf.div(tf.sub(this.mean, other.mean), other.std));
      const perDim = tf.mul(tf.sub(tf.add(varRatio, meanTerm), tf.add(1, tf.log(varRatio))), 0.5);
      return tf.sum(tf.broadcastTo(perDim, this.mean.shape), -1);
    });
  }
}

function sameShape(what: string, shape: number[], expected: number[]): void {
  if (shape.length !== expected.length || shape.some((d, i) => d !== expected[i])) {
    throw new ShapeError(`${what} has shape [${shape}], expected [${expected}] (the mean's shape).`);
  }
}

function broadcastTo(what: string, shape: number[], target: number[]): void {
  const offset = target.length - shape.length;
  const ok = offset >= 0 && shape.every((d, i) => d === 1 || d === target[offset + i]);
  if (!ok) throw new ShapeError(`${what} has shape [${shape}], which does not broadcast to the mean's shape [${target}].`);
}
