import { tf } from '../tf.js';
import { checkRng, type Rng } from '../rng.js';
import { ConfigError, ShapeError } from '../errors.js';
import { makeVariable, type Module } from './module.js';
import { orthogonalInit, uniformInit } from './init.js';

export interface LinearOptions {
  rng: Rng;
  /** `pytorch`: weight and bias ~ U(±1/√fan_in) (torch.nn.Linear's default). `orthogonal`: orthogonal weight times `gain`, zero bias. */
  init?: 'pytorch' | 'orthogonal';
  gain?: number;
  name?: string;
}

/** y = x W + b with W stored [in, out] (tfjs layout; PyTorch stores its transpose). */
export class Linear implements Module {
  readonly name: string;
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: LinearOptions,
  ) {
    for (const [key, value] of [
      ['inFeatures', inFeatures],
      ['outFeatures', outFeatures],
    ] as const) {
      if (!Number.isInteger(value) || value <= 0) throw new ConfigError(key, value, 'a positive integer');
    }
    const init = options.init ?? 'pytorch';
    if (init !== 'pytorch' && init !== 'orthogonal') throw new ConfigError('init', init, "'pytorch' or 'orthogonal'");
    this.name = options.name ?? 'linear';
    const { rng } = options;
    checkRng(`${this.name}: rng`, rng);
    const [w, b] =
      init === 'pytorch'
        ? [uniformInit(rng, [inFeatures, outFeatures], 1 / Math.sqrt(inFeatures)), uniformInit(rng, [outFeatures], 1 / Math.sqrt(inFeatures))]
        : // torch's orthogonal_ works on the [out, in] weight; transposing keeps the same distribution.
          [tf.tidy(() => tf.transpose(orthogonalInit(rng, outFeatures, inFeatures, options.gain ?? 1))), tf.zeros([outFeatures])];
    this.weight = makeVariable(w);
    this.bias = makeVariable(b);
  }

  apply(x: tf.Tensor): tf.Tensor {
    if (x.rank !== 2 || x.shape[1] !== this.inFeatures) {
      throw new ShapeError(`${this.name}: input has shape [${x.shape}], expected [batch, ${this.inFeatures}].`);
    }
    // One fused kernel for matmul + bias where the backend has it.
    return tf.fused.matMul({ a: x as tf.Tensor2D, b: this.weight as tf.Tensor2D, bias: this.bias });
  }

  namedParameters(): Array<[string, tf.Variable]> {
    return [
      [`${this.name}.weight`, this.weight],
      [`${this.name}.bias`, this.bias],
    ];
  }

  dispose(): void {
    this.weight.dispose();
    this.bias.dispose();
  }
}
