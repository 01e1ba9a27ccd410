import { Adam, ConfigError, loadParameters, resolveConfig, type ConfigSchema, MLP, Rng, tf, type ParameterJSON } from '@pathwise/core';
import { inputsAndTargets, type DynamicsModel, type FitReport, type ModelState, type TransitionData } from './types.js';

export interface EnsembleOptions {
  /** Members E (default 5). */
  members?: number;
  /** Hidden widths of each member's MLP (default [64, 64]). */
  hidden?: number[];
  /** Hidden activation (default tanh: smooth, so pathwise gradients through the model are too). */
  activation?: string;
  /** Adam steps per fit, each on one minibatch per member (default 400). */
  steps?: number;
  batchSize?: number;
  lr?: number;
  /** Bounds of the predicted log-variance in normalised target units (soft, PETS-style). */
  maxLogVariance?: number;
  minLogVariance?: number;
}

export const ENSEMBLE_DEFAULTS: Required<EnsembleOptions> = {
  members: 5,
  hidden: [64, 64],
  activation: 'tanh',
  steps: 400,
  batchSize: 64,
  lr: 1e-3,
  maxLogVariance: 0.5,
  minLogVariance: -10,
};
export const ENSEMBLE_SCHEMA: ConfigSchema = {
  members: { type: 'integer', min: 1, max: 1_000 },
  hidden: { type: 'number[]' },
  activation: { type: 'string' },
  steps: { type: 'integer', min: 0, max: 1_000_000 },
  batchSize: { type: 'integer', min: 1, max: 1_000_000 },
  lr: { type: 'number', min: Number.MIN_VALUE },
  maxLogVariance: { type: 'number' },
  minLogVariance: { type: 'number' },
};

interface Normaliser {
  inputMean: number[];
  inputStd: number[];
  targetMean: number[];
  targetStd: number[];
}

/**
 * A probabilistic ensemble (PETS-style): E MLPs (core's `MLP`), each predicting the mean and
 * log-variance of Δ = x' − x from z = [x, u], both normalised by the training data's mean and
 * std; each trained on its own bootstrap resample with the Gaussian NLL (core's `Adam`).
 *
 * Particle ↔ member assignment (TS-∞): row r of `predict` uses member r mod E, so particle i keeps
 * member i mod E for the whole rollout. Particles are exchangeable (i.i.d. starts and noise), so
 * this fixed assignment is as good as a random one, needs no gather (missing gradient on wasm),
 * and maps the same particle to the same member in TP's 2P batch as long as P is a multiple of
 * E (hence `rowMultiple = E`).
 */
export class EnsembleModel implements DynamicsModel {
  readonly name = 'ensemble';
  readonly options: Required<EnsembleOptions>;
  private members: MLP[] = [];
  private normaliser?: Normaliser;
  private normTensors?: { inputMean: tf.Tensor; inputStd: tf.Tensor; targetMean: tf.Tensor; targetStd: tf.Tensor };

  constructor(
    readonly stateDim: number,
    readonly actionDim: number,
    options: EnsembleOptions = {},
  ) {
    const o = resolveConfig(ENSEMBLE_SCHEMA, ENSEMBLE_DEFAULTS, options as Record<string, unknown>, {}, 'ensemble.');
    if (o.hidden.some((h) => !Number.isInteger(h) || h < 1)) throw new ConfigError('ensemble.hidden', o.hidden, 'positive integer widths');
    if (!(o.minLogVariance < o.maxLogVariance)) throw new ConfigError('ensemble.minLogVariance', o.minLogVariance, `a number below maxLogVariance (${o.maxLogVariance})`);
    this.options = o;
  }

  get rowMultiple(): number {
    return this.options.members;
  }

  private build(rng: Rng): void {
    this.disposeMembers();
    const Q = this.stateDim + this.actionDim;
    this.members = Array.from(
      { length: this.options.members },
      (_, e) => new MLP({ inputDim: Q, hidden: this.options.hidden, outputDim: 2 * this.stateDim, activation: this.options.activation, rng: rng.fork(e), name: `member${e}` }),
    );
  }

  private setNormaliser(n: Normaliser): void {
    this.normaliser = n;
    if (this.normTensors) tf.dispose(Object.values(this.normTensors));
    this.normTensors = {
      inputMean: tf.tensor1d(n.inputMean),
      inputStd: tf.tensor1d(n.inputStd),
      targetMean: tf.tensor1d(n.targetMean),
      targetStd: tf.tensor1d(n.targetStd),
    };
  }

  /** Mean and log-variance in normalised units for normalised inputs [R, Q] of one member. */
  private memberOutput(member: MLP, zNormalised: tf.Tensor): { mean: tf.Tensor; logVariance: tf.Tensor } {
    const D = this.stateDim;
    const out = member.apply(zNormalised);
    const [mean, raw] = tf.split(out, [D, D], 1);
    const { maxLogVariance: hi, minLogVariance: lo } = this.options;
    const upper = tf.sub(hi, tf.softplus(tf.sub(hi, raw!)));
    return { mean: mean!, logVariance: tf.add(lo, tf.softplus(tf.sub(upper, lo))) };
  }

  private normalisedInputs(x: tf.Tensor, u: tf.Tensor): tf.Tensor {
    const n = this.normTensors!;
    return tf.div(tf.sub(tf.concat([x, u], 1), n.inputMean), n.inputStd);
  }

  fit(data: TransitionData, rng: Rng): FitReport {
    if (data.count < 1) throw new ConfigError('data', data.count, 'at least one transition to fit the ensemble');
    const start = performance.now();
    const { inputs, targets, inputDim: Q } = inputsAndTargets(data);
    const N = data.count;
    const D = this.stateDim;
    const stats = (values: Float64Array, dim: number) => {
      const mean = new Array<number>(dim).fill(0);
      const std = new Array<number>(dim).fill(0);
      for (let i = 0; i < N; i++) for (let k = 0; k < dim; k++) mean[k]! += values[i * dim + k]! / N;
      for (let i = 0; i < N; i++) for (let k = 0; k < dim; k++) std[k]! += (values[i * dim + k]! - mean[k]!) ** 2 / N;
      return { mean, std: std.map((v) => (v > 1e-12 ? Math.sqrt(v) : 1)) };
    };
    const inputStats = stats(inputs, Q);
    const targetStats = stats(targets, D);
    this.setNormaliser({ inputMean: inputStats.mean, inputStd: inputStats.std, targetMean: targetStats.mean, targetStd: targetStats.std });
    this.build(rng.fork(1));
    const E = this.options.members;
    const normIn = Float32Array.from(inputs, (v, i) => (v - inputStats.mean[i % Q]!) / inputStats.std[i % Q]!);
    const normOut = Float32Array.from(targets, (v, i) => (v - targetStats.mean[i % D]!) / targetStats.std[i % D]!);
    const sampler = rng.fork(2);
    // Each member's bootstrap resample of the data (indices with replacement).
    const bootstrap = Array.from({ length: E }, () => Int32Array.from({ length: N }, () => sampler.int(N)));
    const variables = this.members.flatMap((m) => m.namedParameters().map(([, v]) => v));
    const optimiser = new Adam(variables, { lr: this.options.lr });
    const B = this.options.batchSize;
    const lossOf = (zs: tf.Tensor[], ys: tf.Tensor[]) =>
      tf.addN(
        this.members.map((member, e) => {
          const { mean, logVariance } = this.memberOutput(member, zs[e]!);
          // Gaussian NLL (without the constant), mean over the batch, summed over dims.
          return tf.mean(tf.sum(tf.mul(tf.add(tf.div(tf.square(tf.sub(ys[e]!, mean)), tf.exp(logVariance)), logVariance), 0.5), 1));
        }),
      ) as tf.Scalar;
    const batches = (size: number, pick: (e: number, b: number) => number) => {
      const zs: tf.Tensor[] = [];
      const ys: tf.Tensor[] = [];
      for (let e = 0; e < E; e++) {
        const zb = new Float32Array(size * Q);
        const yb = new Float32Array(size * D);
        for (let b = 0; b < size; b++) {
          const row = pick(e, b);
          zb.set(normIn.subarray(row * Q, row * Q + Q), b * Q);
          yb.set(normOut.subarray(row * D, row * D + D), b * D);
        }
        zs.push(tf.tensor2d(zb, [size, Q]));
        ys.push(tf.tensor2d(yb, [size, D]));
      }
      return { zs, ys };
    };
    const fullLoss = () => {
      const { zs, ys } = batches(N, (e, b) => bootstrap[e]![b]!);
      const value = tf.tidy(() => lossOf(zs, ys));
      const result = value.dataSync()[0]! / E;
      tf.dispose([value, ...zs, ...ys]);
      return result;
    };
    const initialLoss = fullLoss();
    for (let step = 0; step < this.options.steps; step++) {
      const { zs, ys } = batches(B, (e) => bootstrap[e]![sampler.int(N)]!);
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => lossOf(zs, ys), variables);
        optimiser.step(grads).dispose();
      });
      tf.dispose([...zs, ...ys]);
    }
    optimiser.dispose();
    const loss = fullLoss();
    return { loss, initialLoss, steps: this.options.steps, seconds: (performance.now() - start) / 1000, details: { members: E, bootstrap_nll: loss } };
  }

  /** Every member on every row: means of Δ and variances, each [E, R, D] (physical units). */
  predictAll(x: tf.Tensor, u: tf.Tensor): { mean: tf.Tensor; variance: tf.Tensor } {
    this.assertFitted();
    return tf.tidy(() => {
      const n = this.normTensors!;
      const z = this.normalisedInputs(x, u);
      const outs = this.members.map((m) => this.memberOutput(m, z));
      const mean = tf.add(tf.mul(tf.stack(outs.map((o) => o.mean)), n.targetStd), n.targetMean);
      const variance = tf.mul(tf.exp(tf.stack(outs.map((o) => o.logVariance))), tf.square(n.targetStd));
      return { mean, variance };
    });
  }

  predict(x: tf.Tensor, u: tf.Tensor): { mean: tf.Tensor; std: tf.Tensor } {
    this.assertFitted();
    const E = this.options.members;
    const R = x.shape[0]!;
    if (R % E !== 0) throw new ConfigError('particles', R, `a multiple of the ensemble's ${E} members (row r uses member r mod ${E})`);
    return tf.tidy(() => {
      const n = this.normTensors!;
      const z = this.normalisedInputs(x, u);
      const Q = z.shape[1]!;
      // Row r = i·E + e goes to member e: [R, Q] → [R/E, E, Q] → E slices of [R/E, Q].
      const groups = tf.unstack(tf.reshape(z, [R / E, E, Q]), 1);
      const outs = groups.map((g, e) => this.memberOutput(this.members[e]!, g));
      const D = this.stateDim;
      const regroup = (parts: tf.Tensor[]) => tf.reshape(tf.stack(parts, 1), [R, D]);
      const mean = tf.add(tf.mul(regroup(outs.map((o) => o.mean)), n.targetStd), n.targetMean);
      const std = tf.mul(tf.exp(tf.mul(regroup(outs.map((o) => o.logVariance)), 0.5)), n.targetStd);
      return { mean, std };
    });
  }

  /**
   * Held-out NLL per transition of the equal-weight mixture of the members' Gaussians (what
   * sampling a random member and then its Gaussian draws), float64 log-sum-exp on the host.
   */
  nll(data: TransitionData): number {
    if (data.count === 0) return NaN;
    const { targets } = inputsAndTargets(data);
    const D = this.stateDim;
    const E = this.options.members;
    const N = data.count;
    const { mean, variance } = tf.tidy(() => this.predictAll(tf.tensor2d(Float32Array.from(data.states), [N, D]), tf.tensor2d(Float32Array.from(data.actions), [N, this.actionDim])));
    const m = mean.dataSync();
    const v = variance.dataSync();
    tf.dispose([mean, variance]);
    let total = 0;
    const logs = new Float64Array(E);
    for (let i = 0; i < N; i++) {
      for (let e = 0; e < E; e++) {
        let lp = 0;
        for (let d = 0; d < D; d++) {
          const idx = (e * N + i) * D + d;
          const r = targets[i * D + d]! - m[idx]!;
          lp += -0.5 * (Math.log(2 * Math.PI * v[idx]!) + (r * r) / v[idx]!);
        }
        logs[e] = lp;
      }
      const top = Math.max(...logs);
      let sum = 0;
      for (let e = 0; e < E; e++) sum += Math.exp(logs[e]! - top);
      total -= top + Math.log(sum / E);
    }
    return total / N;
  }

  state(): ModelState {
    this.assertFitted();
    // saveParameters is async (GPU backends); the cpu/wasm data are ready, so read them synchronously here.
    const members: ParameterJSON[] = this.members.map((m) => Object.fromEntries(m.namedParameters().map(([name, v]) => [name, { shape: [...v.shape], values: Array.from(v.dataSync()) }])));
    return { kind: 'ensemble', options: this.options, normaliser: this.normaliser, members };
  }

  load(state: ModelState): void {
    if (state.kind !== 'ensemble') throw new ConfigError('model state', state.kind, "an 'ensemble' state");
    const members = state.members as ParameterJSON[];
    if (members.length !== this.options.members) throw new ConfigError('ensemble state', members.length, `${this.options.members} members`);
    this.build(new Rng(0));
    this.members.forEach((m, e) => loadParameters(m, members[e]!));
    this.setNormaliser(state.normaliser as Normaliser);
  }

  dispose(): void {
    this.disposeMembers();
    if (this.normTensors) tf.dispose(Object.values(this.normTensors));
    this.normTensors = undefined;
  }

  private disposeMembers(): void {
    this.members.forEach((m) => m.dispose());
    this.members = [];
  }

  private assertFitted(): void {
    if (this.members.length === 0 || !this.normTensors) throw new ConfigError('ensemble', 'unfitted', 'fit() or load() before predict()');
  }
}
