import type { Rng, tf } from '@pathwise/core';

/**
 * Observed transitions (x, u) → x': row-major float64 on the host. The models learn the increment
 * Δ = x' − x from the input z = [x, u] (spec §1.3).
 */
export interface TransitionData {
  readonly count: number;
  readonly stateDim: number;
  readonly actionDim: number;
  /** [count × stateDim] */
  readonly states: Float64Array;
  /** [count × actionDim] */
  readonly actions: Float64Array;
  /** [count × stateDim] */
  readonly nextStates: Float64Array;
}

/** What a fit reports (host numbers). */
export interface FitReport {
  /** The final training loss (GP: negative log marginal likelihood summed over outputs; ensemble: mean Gaussian NLL). */
  loss: number;
  /** The loss before the first optimisation step (after initialisation). */
  initialLoss: number;
  steps: number;
  seconds: number;
  /** Model-specific figures (hyperparameters, ...), JSON-serialisable. */
  details: Record<string, unknown>;
}

/** A JSON-serialisable model state (what `state()` returns and `load()` accepts). */
export type ModelState = { kind: string } & Record<string, unknown>;

/**
 * A probabilistic one-step dynamics model behind which GPs, ensembles and the true dynamics sit:
 * x' ~ N(x + mean(x, u), diag std(x, u)²).
 */
export interface DynamicsModel {
  readonly name: string;
  readonly stateDim: number;
  readonly actionDim: number;
  /**
   * Row count that `predict` needs a multiple of (1 for most models; the ensemble's member count,
   * since row r is assigned member r mod E).
   */
  readonly rowMultiple: number;
  /** Fits (from scratch) to all of `data`; deterministic given `data` and `rng`. */
  fit(data: TransitionData, rng: Rng): FitReport;
  /**
   * Predictive mean of Δ and std of x' (= std of Δ), each [R, stateDim], for x [R, stateDim] and
   * u [R, actionDim]: float32 tfjs ops, differentiable w.r.t. x and u. The caller owns the outputs.
   */
  predict(x: tf.Tensor, u: tf.Tensor): { mean: tf.Tensor; std: tf.Tensor };
  /**
   * Held-out negative log-likelihood per transition (nats; summed over state dimensions, averaged
   * over transitions), computed in float64 on the host from the model's float32 predictions.
   */
  nll(data: TransitionData): number;
  state(): ModelState;
  load(state: ModelState): void;
  dispose(): void;
}

/** The model input z = [x, u] per row, and the target Δ = x' − x, as float64 row-major arrays. */
export function inputsAndTargets(data: TransitionData): { inputs: Float64Array; targets: Float64Array; inputDim: number } {
  const { count: N, stateDim: D, actionDim: U } = data;
  const Q = D + U;
  const inputs = new Float64Array(N * Q);
  const targets = new Float64Array(N * D);
  for (let i = 0; i < N; i++) {
    for (let d = 0; d < D; d++) {
      inputs[i * Q + d] = data.states[i * D + d]!;
      targets[i * D + d] = data.nextStates[i * D + d]! - data.states[i * D + d]!;
    }
    for (let a = 0; a < U; a++) inputs[i * Q + D + a] = data.actions[i * U + a]!;
  }
  return { inputs, targets, inputDim: Q };
}

export function emptyTransitions(stateDim: number, actionDim: number): TransitionData {
  return { count: 0, stateDim, actionDim, states: new Float64Array(0), actions: new Float64Array(0), nextStates: new Float64Array(0) };
}

/** a followed by b (same dimensions). */
export function concatTransitions(a: TransitionData, b: TransitionData): TransitionData {
  const join = (x: Float64Array, y: Float64Array) => {
    const out = new Float64Array(x.length + y.length);
    out.set(x);
    out.set(y, x.length);
    return out;
  };
  return {
    count: a.count + b.count,
    stateDim: a.stateDim,
    actionDim: a.actionDim,
    states: join(a.states, b.states),
    actions: join(a.actions, b.actions),
    nextStates: join(a.nextStates, b.nextStates),
  };
}

/** JSON form for checkpoints: float64 numbers survive JSON exactly. */
export interface TransitionJSON {
  count: number;
  stateDim: number;
  actionDim: number;
  states: number[];
  actions: number[];
  nextStates: number[];
}

export function transitionsToJSON(data: TransitionData): TransitionJSON {
  return { count: data.count, stateDim: data.stateDim, actionDim: data.actionDim, states: Array.from(data.states), actions: Array.from(data.actions), nextStates: Array.from(data.nextStates) };
}

export function transitionsFromJSON(json: TransitionJSON): TransitionData {
  return {
    count: json.count,
    stateDim: json.stateDim,
    actionDim: json.actionDim,
    states: Float64Array.from(json.states),
    actions: Float64Array.from(json.actions),
    nextStates: Float64Array.from(json.nextStates),
  };
}

/** Gaussian log density summed over dimensions, float64. */
export function diagGaussianLogPdf(y: ArrayLike<number>, mean: ArrayLike<number>, variance: ArrayLike<number>, offset: number, dim: number): number {
  let total = 0;
  for (let d = 0; d < dim; d++) {
    const v = variance[offset + d]!;
    const r = y[offset + d]! - mean[offset + d]!;
    total += -0.5 * (Math.log(2 * Math.PI * v) + (r * r) / v);
  }
  return total;
}
