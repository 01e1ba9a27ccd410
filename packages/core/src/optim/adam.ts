import { tf } from '../tf.js';
import { ConfigError, ShapeError } from '../errors.js';
import { clipCoefficient, nanToZero } from './clip.js';
import { hostKernelOn } from '../kernels/host.js';
import { hostAdamStep } from './host-adam.js';

export interface AdamOptions {
  lr: number;
  /** (β1, β2); PyTorch's default (0.9, 0.999). */
  betas?: [number, number];
  /** PyTorch's 1e-8 (tfjs's own Adam uses 1e-7). */
  eps?: number;
  /** Clip the global gradient norm to this value before the step (`clip_grad_norm_`). */
  maxGradNorm?: number;
  /** Replace NaN gradients by 0 before clipping. */
  nanToZero?: boolean;
}

/** Adam moments and step count as plain JSON, for checkpoints. */
export interface AdamState {
  step: number;
  lr: number;
  m: number[];
  v: number[];
}

/**
 * Adam with PyTorch semantics, fused over one flat vector of all parameters: the gradients are
 * concatenated once, clipped, and the moments updated with a handful of ops, whatever the number of
 * parameter tensors (tfjs dispatch costs ~10 µs an op, so per-tensor updates dominate small nets).
 * On cpu and wasm the whole step is one kernel (optim/host-adam.ts, bit-identical to the ops).
 */
export class Adam {
  lr: number;
  readonly betas: [number, number];
  readonly eps: number;
  private t = 0;
  private m: tf.Tensor1D;
  private v: tf.Tensor1D;
  private readonly sizes: number[];
  readonly size: number;

  constructor(
    readonly params: tf.Variable[],
    readonly options: AdamOptions,
  ) {
    if (!(options.lr >= 0)) throw new ConfigError('lr', options.lr, 'a non-negative number');
    this.lr = options.lr;
    this.betas = options.betas ?? [0.9, 0.999];
    if (this.betas.some((b) => !(b >= 0 && b < 1))) throw new ConfigError('betas', this.betas, 'two numbers in [0, 1)');
    this.eps = options.eps ?? 1e-8;
    if (options.maxGradNorm !== undefined && !(options.maxGradNorm > 0)) {
      throw new ConfigError('maxGradNorm', options.maxGradNorm, 'a positive number');
    }
    this.sizes = params.map((p) => p.size);
    this.size = this.sizes.reduce((a, b) => a + b, 0);
    this.m = tf.keep(tf.zeros([this.size]));
    this.v = tf.keep(tf.zeros([this.size]));
  }

  /** Number of steps taken. */
  get stepCount(): number {
    return this.t;
  }

  /**
   * One update from gradients aligned with `params` (an array, or the `grads` map of
   * `tf.variableGrads`). Returns the global gradient norm before clipping (a scalar tensor the
   * caller disposes; reading it is optional, so no sync happens here).
   */
  step(grads: tf.Tensor[] | tf.NamedTensorMap): tf.Scalar {
    const list = this.align(grads);
    this.t += 1;
    const [b1, b2] = this.betas;
    const biasCorrection1 = 1 - b1 ** this.t;
    const biasCorrection2 = 1 - b2 ** this.t;
    const stepSize = this.lr / biasCorrection1;
    if (hostKernelOn('adam') && list.every((g) => g.dtype === 'float32')) {
      const out = hostAdamStep(this.params, list, this.m, this.v, {
        b1,
        b2,
        eps: this.eps,
        stepSize,
        biasCorrection2,
        maxGradNorm: this.options.maxGradNorm,
        nanToZero: this.options.nanToZero ?? false,
      });
      this.params.forEach((p, i) => {
        p.assign(out.params[i]!);
        out.params[i]!.dispose();
      });
      this.replaceMoments(out.m, out.v);
      return out.norm;
    }
    const { m, v, norm } = tf.tidy(() => {
      let g: tf.Tensor1D = tf.concat(list.map((x) => (x.rank === 1 ? x : tf.reshape(x, [-1])))) as tf.Tensor1D;
      if (this.options.nanToZero) g = nanToZero(g) as tf.Tensor1D;
      const norm = tf.sqrt(tf.sum(tf.square(g))) as tf.Scalar;
      if (this.options.maxGradNorm !== undefined) g = tf.mul(g, clipCoefficient(norm, this.options.maxGradNorm));
      const m = tf.add(tf.mul(this.m, b1), tf.mul(g, 1 - b1)) as tf.Tensor1D;
      const v = tf.add(tf.mul(this.v, b2), tf.mul(tf.square(g), 1 - b2)) as tf.Tensor1D;
      const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(biasCorrection2)), this.eps);
      const update = tf.mul(tf.div(m, denom), stepSize);
      const pieces = tf.split(update, this.sizes);
      this.params.forEach((p, i) => p.assign(tf.sub(p, p.rank === 1 ? pieces[i]! : tf.reshape(pieces[i]!, p.shape))));
      return { m, v, norm };
    });
    this.replaceMoments(m, v);
    return norm;
  }

  private replaceMoments(m: tf.Tensor1D, v: tf.Tensor1D): void {
    this.m.dispose();
    this.v.dispose();
    // keep: a caller's enclosing tf.tidy must not dispose the optimiser's state.
    this.m = tf.keep(m);
    this.v = tf.keep(v);
  }

  async state(): Promise<AdamState> {
    return { step: this.t, lr: this.lr, m: Array.from(await this.m.data()), v: Array.from(await this.v.data()) };
  }

  load(state: AdamState): void {
    if (state.m.length !== this.size || state.v.length !== this.size) {
      throw new ShapeError(`Adam state has ${state.m.length}/${state.v.length} moments, expected ${this.size} (the parameters' total size).`);
    }
    this.m.dispose();
    this.v.dispose();
    this.m = tf.keep(tf.tensor1d(state.m, 'float32'));
    this.v = tf.keep(tf.tensor1d(state.v, 'float32'));
    this.t = state.step;
    this.lr = state.lr;
  }

  dispose(): void {
    this.m.dispose();
    this.v.dispose();
  }

  private align(grads: tf.Tensor[] | tf.NamedTensorMap): tf.Tensor[] {
    const list = Array.isArray(grads)
      ? grads
      : this.params.map((p) => {
          const g = grads[p.name];
          if (g === undefined) throw new ShapeError(`Adam.step: no gradient for variable '${p.name}'.`);
          return g;
        });
    if (list.length !== this.params.length) {
      throw new ShapeError(`Adam.step: got ${list.length} gradients for ${this.params.length} parameters.`);
    }
    list.forEach((g, i) => {
      if (g.size !== this.sizes[i]) {
        throw new ShapeError(`Adam.step: gradient ${i} has shape [${g.shape}], parameter has [${this.params[i]!.shape}].`);
      }
    });
    return list;
  }
}
