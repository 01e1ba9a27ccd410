import { DiagGaussian, Linear, MLP, parametersOf, tf, type MlpKernel, type Module, type Rng } from '@pathwise/core';

/**
 * The reference's stochastic actor (docs/algorithms/gippo.md §2.1): hidden blocks Linear → ELU → LayerNorm,
 * then μ and log σ heads (state-dependent σ = exp(log σ), no clamping), PyTorch default inits.
 * The two heads are one Linear of width 2·actDim, split after: the same distribution of initial
 * weights, one kernel fewer per forward pass.
 */
export class Actor implements Module {
  readonly name = 'actor';
  readonly trunk: MLP;
  readonly head: Linear;

  constructor(
    readonly obsDim: number,
    readonly actDim: number,
    hidden: number[],
    activation: string,
    rng: Rng,
    kernel: MlpKernel = 'auto',
  ) {
    this.trunk = new MLP({ inputDim: obsDim, hidden, activation, layerNorm: true, rng, name: 'actor', kernel });
    this.head = new Linear(hidden[hidden.length - 1]!, 2 * actDim, { rng, name: 'actor.head' });
  }

  /** [B, 2·actDim]: μ in the first half, log σ in the second. */
  apply(obs: tf.Tensor): tf.Tensor {
    return this.trunk.applyPieces(obs, this.head, 1)[0]!;
  }

  /** [μ, log σ], each [B, actDim] (on cpu and wasm straight from the fused kernel, without a split op). */
  meanLogStd(obs: tf.Tensor): [tf.Tensor, tf.Tensor] {
    const [mean, logStd] = this.trunk.applyPieces(obs, this.head, 2);
    return [mean!, logStd!];
  }

  /** The policy distribution at normalised observations `obs` ([B, obsDim]). */
  distribution(obs: tf.Tensor): DiagGaussian {
    const [mean, logStd] = this.meanLogStd(obs);
    return DiagGaussian.fromLogStd(mean, logStd);
  }

  namedParameters(): Array<[string, tf.Variable]> {
    return [...this.trunk.namedParameters(), ...this.head.namedParameters()];
  }

  dispose(): void {
    this.trunk.dispose();
    this.head.dispose();
  }
}

/** The critic: Linear → ELU → LayerNorm blocks, a scalar head, orthogonal (gain 1) weights, zero biases. */
export function makeCritic(obsDim: number, hidden: number[], activation: string, rng: Rng, name = 'critic', kernel: MlpKernel = 'auto'): MLP {
  return new MLP({ inputDim: obsDim, hidden, outputDim: 1, activation, layerNorm: true, init: 'orthogonal', gain: 1, rng, name, kernel });
}

/** target ← a·target + (1 − a)·source, parameter by parameter (a = 0 copies). */
export function polyak(target: Module, source: Module, a: number): void {
  const t = parametersOf(target);
  const s = parametersOf(source);
  tf.tidy(() => t.forEach((p, i) => p.assign(a === 0 ? s[i]! : tf.add(tf.mul(p, a), tf.mul(s[i]!, 1 - a)))));
}

/** Copies of the current parameter values (to restore after a failed optimisation try). */
export function snapshot(module: Module): tf.Tensor[] {
  return parametersOf(module).map((p) => tf.keep(tf.clone(p)));
}

export function restore(module: Module, saved: tf.Tensor[]): void {
  parametersOf(module).forEach((p, i) => p.assign(saved[i]!));
}

export function disposeAll(tensors: tf.Tensor[]): void {
  tensors.forEach((t) => t.dispose());
}

/**
 * Flattens per-parameter gradients in PyTorch's layout and order (Linear weights stored [out, in]),
 * which the reference's "first 512 entries" rule of LR+RP depends on (docs/algorithms/gippo.md §2.4).
 */
export function flattenTorchOrder(module: Module, grads: tf.Tensor[]): tf.Tensor1D {
  const names = module.namedParameters().map(([n]) => n);
  return tf.tidy(
    () =>
      tf.concat(
        grads.map((g, i) => {
          const isLinearWeight = g.rank === 2 && names[i]!.endsWith('.weight');
          return tf.reshape(isLinearWeight ? tf.transpose(g) : g, [-1]);
        }),
      ) as tf.Tensor1D,
  );
}
