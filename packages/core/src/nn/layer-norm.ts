import { tf } from '../tf.js';
import { ConfigError, ShapeError } from '../errors.js';
import { makeVariable, type Module } from './module.js';

export interface LayerNormOptions {
  /** Added to the biased variance; PyTorch's default 1e-5 (tfjs-layers uses 1e-3). */
  eps?: number;
  /** Learnable scale γ (init 1) and shift β (init 0). */
  affine?: boolean;
  name?: string;
}

/** Normalises the last axis with its biased variance, as torch.nn.LayerNorm. */
export class LayerNorm implements Module {
  readonly name: string;
  readonly eps: number;
  readonly gamma?: tf.Variable;
  readonly beta?: tf.Variable;

  constructor(
    readonly dim: number,
    options: LayerNormOptions = {},
  ) {
    if (!Number.isInteger(dim) || dim <= 0) throw new ConfigError('dim', dim, 'a positive integer');
    this.eps = options.eps ?? 1e-5;
    if (!(this.eps > 0)) throw new ConfigError('eps', this.eps, 'a positive number');
    this.name = options.name ?? 'layer_norm';
    if (options.affine ?? true) {
      this.gamma = makeVariable(tf.ones([dim]));
      this.beta = makeVariable(tf.zeros([dim]));
    }
  }

  apply(x: tf.Tensor): tf.Tensor {
    if (x.rank < 1 || x.shape[x.rank - 1] !== this.dim) {
      throw new ShapeError(`${this.name}: input has shape [${x.shape}], expected last axis ${this.dim}.`);
    }
    return tf.tidy(() => {
      const { mean, variance } = tf.moments(x, -1, true);
      const normalised = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.eps)));
      return this.gamma && this.beta ? tf.add(tf.mul(normalised, this.gamma), this.beta) : normalised;
    });
  }

  namedParameters(): Array<[string, tf.Variable]> {
    return this.gamma && this.beta
      ? [
          [`${this.name}.weight`, this.gamma],
          [`${this.name}.bias`, this.beta],
        ]
      : [];
  }

  dispose(): void {
    this.gamma?.dispose();
    this.beta?.dispose();
  }
}
