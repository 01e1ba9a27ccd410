import { tf } from '../tf.js';
import type { Rng } from '../rng.js';
import { ConfigError } from '../errors.js';
import type { Module } from './module.js';
import { Linear } from './linear.js';
import { LayerNorm } from './layer-norm.js';
import { activation as activationByName, type Activation } from './activations.js';

export interface MLPOptions {
  inputDim: number;
  /** Hidden widths, e.g. [32, 32]. */
  hidden: number[];
  /** Output width; omit for a trunk that ends at the last hidden layer. */
  outputDim?: number;
  /** Hidden activation name (default `elu`). */
  activation?: string;
  /** Activation after the output layer (default `identity`). */
  outputActivation?: string;
  /** LayerNorm after each hidden activation (Linear → act → LayerNorm, the SHAC/GI-PPO layout). */
  layerNorm?: boolean;
  layerNormEps?: number;
  init?: 'pytorch' | 'orthogonal';
  gain?: number;
  rng: Rng;
  name?: string;
}

/** A multilayer perceptron: hidden blocks Linear → activation [→ LayerNorm], then an optional output Linear. */
export class MLP implements Module {
  readonly name: string;
  readonly outputDim: number;
  private readonly layers: Array<Linear | LayerNorm>;
  private readonly steps: Array<(x: tf.Tensor) => tf.Tensor>;

  constructor(readonly options: MLPOptions) {
    const { inputDim, hidden, outputDim } = options;
    if (!Array.isArray(hidden) || hidden.some((h) => !Number.isInteger(h) || h <= 0)) {
      throw new ConfigError('hidden', hidden, 'an array of positive integer widths');
    }
    this.name = options.name ?? 'mlp';
    const act: Activation = activationByName(options.activation ?? 'elu');
    const outAct: Activation = activationByName(options.outputActivation ?? 'identity');
    const linear = (i: number, o: number, n: string) =>
      new Linear(i, o, { rng: options.rng, init: options.init ?? 'pytorch', gain: options.gain ?? 1, name: `${this.name}.${n}` });
    this.layers = [];
    this.steps = [];
    let width = inputDim;
    hidden.forEach((h, i) => {
      const layer = linear(width, h, `${i}`);
      this.layers.push(layer);
      this.steps.push((x) => act(layer.apply(x)));
      if (options.layerNorm) {
        const norm = new LayerNorm(h, { eps: options.layerNormEps ?? 1e-5, name: `${this.name}.${i}.norm` });
        this.layers.push(norm);
        this.steps.push((x) => norm.apply(x));
      }
      width = h;
    });
    if (outputDim !== undefined) {
      const head = linear(width, outputDim, 'out');
      this.layers.push(head);
      this.steps.push((x) => outAct(head.apply(x)));
      width = outputDim;
    }
    this.outputDim = width;
  }

  apply(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.steps.reduce((h, step) => step(h), x));
  }

  namedParameters(): Array<[string, tf.Variable]> {
    return this.layers.flatMap((layer) => layer.namedParameters());
  }

  dispose(): void {
    this.layers.forEach((layer) => layer.dispose());
  }
}
