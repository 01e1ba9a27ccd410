import { tf } from '../tf.js';
import { checkRng, type Rng } from '../rng.js';
import { ConfigError, ShapeError } from '../errors.js';
import { FUSABLE_ACTIVATIONS, canFuse, fusedMlp, hostMlpApplies, hostMlpPieces, type FusedActivation, type FusedBlock, type MlpKernel } from './fused-mlp.js';
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
  /**
   * Run forward+backward as one custom-gradient op (default true; ~3x fewer tfjs kernels). Used for
   * first-order gradients with elu/relu/tanh/identity; gradients of gradients take the op-by-op path.
   */
  fused?: boolean;
  /**
   * Where the fused path runs as one host kernel (nn/fused-mlp.ts `MlpKernel`): `auto` (default) on
   * cpu, where it is bit-identical to the custom-gradient ops; `fused` on cpu and wasm; `ops` nowhere.
   */
  kernel?: MlpKernel;
}

/** A multilayer perceptron: hidden blocks Linear → activation [→ LayerNorm], then an optional output Linear. */
export class MLP implements Module {
  readonly name: string;
  readonly outputDim: number;
  private readonly layers: Array<Linear | LayerNorm>;
  private readonly steps: Array<(x: tf.Tensor) => tf.Tensor>;
  private readonly blocks: Array<{ linear: Linear; norm?: LayerNorm }> = [];
  private head?: Linear;
  private readonly activationName: string;
  private readonly outputActivation: Activation;

  constructor(readonly options: MLPOptions) {
    const { inputDim, hidden, outputDim } = options;
    if (!Array.isArray(hidden) || hidden.some((h) => !Number.isInteger(h) || h <= 0)) {
      throw new ConfigError('hidden', hidden, 'an array of positive integer widths');
    }
    this.name = options.name ?? 'mlp';
    checkRng(`${this.name}: rng`, options.rng);
    this.activationName = options.activation ?? 'elu';
    const act: Activation = activationByName(this.activationName);
    const outAct: Activation = activationByName(options.outputActivation ?? 'identity');
    this.outputActivation = outAct;
    const linear = (i: number, o: number, n: string) => new Linear(i, o, { rng: options.rng, init: options.init ?? 'pytorch', gain: options.gain ?? 1, name: `${this.name}.${n}` });
    this.layers = [];
    this.steps = [];
    let width = inputDim;
    hidden.forEach((h, i) => {
      const layer = linear(width, h, `${i}`);
      this.layers.push(layer);
      this.steps.push((x) => act(layer.apply(x)));
      const block: { linear: Linear; norm?: LayerNorm } = { linear: layer };
      if (options.layerNorm) {
        const norm = new LayerNorm(h, { eps: options.layerNormEps ?? 1e-5, name: `${this.name}.${i}.norm` });
        this.layers.push(norm);
        this.steps.push((x) => norm.apply(x));
        block.norm = norm;
      }
      this.blocks.push(block);
      width = h;
    });
    if (outputDim !== undefined) {
      const head = linear(width, outputDim, 'out');
      this.head = head;
      this.layers.push(head);
      this.steps.push((x) => outAct(head.apply(x)));
      width = outputDim;
    }
    this.outputDim = width;
  }

  apply(x: tf.Tensor): tf.Tensor {
    const out = this.applyPieces(x, undefined, 1)[0]!;
    return this.head ? tf.tidy(() => this.outputActivation(out)) : out;
  }

  /**
   * The trunk (this MLP without an output activation), then `head` if given (for an MLP without its
   * own output layer: e.g. an actor's μ/log σ Linear kept as a module of its own), split into
   * `pieces` equal column blocks. Where the fused path runs, the head and the split are part of its
   * one kernel.
   */
  applyPieces(x: tf.Tensor, head: Linear | undefined, pieces: number): tf.Tensor[] {
    const first = this.blocks[0]?.linear ?? this.head;
    if (first && (x.rank !== 2 || x.shape[1] !== first.inFeatures)) {
      throw new ShapeError(`${this.name}: input has shape [${x.shape}], expected [batch, ${first.inFeatures}].`);
    }
    if (head && this.head) throw new ShapeError(`${this.name}: has an output layer already; an extra head goes on a trunk.`);
    const outer = head ?? this.head;
    if (this.options.fused !== false && FUSABLE_ACTIVATIONS.includes(this.activationName) && canFuse()) {
      return tf.tidy(() => {
        const blocks: FusedBlock[] = this.blocks.map(({ linear, norm }) => ({
          weight: linear.weight,
          bias: linear.bias,
          activation: this.activationName as FusedActivation,
          ...(norm ? { norm: { gamma: norm.gamma!, beta: norm.beta!, eps: norm.eps } } : {}),
        }));
        if (hostMlpApplies(x, blocks, outer, this.options.kernel ?? 'auto')) {
          return hostMlpPieces(x as tf.Tensor2D, blocks, outer ? { weight: outer.weight, bias: outer.bias } : undefined, pieces);
        }
        // The op path as it always ran (so seeded runs repeat): the own head inside the custom gradient, an extra head after it.
        const trunk = fusedMlp(x as tf.Tensor2D, blocks, this.head ? { weight: this.head.weight, bias: this.head.bias } : undefined);
        return split(head ? head.apply(trunk) : trunk, pieces);
      });
    }
    return tf.tidy(() => {
      const trunk = (this.head ? this.steps.slice(0, -1) : this.steps).reduce((h, step) => step(h), x);
      return split(outer ? outer.apply(trunk) : trunk, pieces);
    });
  }

  namedParameters(): Array<[string, tf.Variable]> {
    return this.layers.flatMap((layer) => layer.namedParameters());
  }

  dispose(): void {
    this.layers.forEach((layer) => layer.dispose());
  }
}

function split(x: tf.Tensor, pieces: number): tf.Tensor[] {
  return pieces === 1 ? [x] : tf.split(x, pieces, 1);
}
