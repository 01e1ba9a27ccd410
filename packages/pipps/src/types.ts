import type { Rng, tf } from '@pathwise/core';
import type { Estimator } from '@pathwise/estimators';

/**
 * A policy composed with a probabilistic one-step model, seen by the particle rollout:
 * x_{t+1} ~ N(mean(x_t, π_θ(x_t)), diag std(x_t, π_θ(x_t))²) (spec §1.2).
 *
 * `predict` receives per-particle views of θ (each parameter tiled to [P, ...shape]) so that the
 * VJP of one step yields the per-particle contributions that total propagation compares (§2.5).
 */
export interface ParticleSystem {
  readonly name: string;
  /** State dimension D. */
  readonly stateDim: number;
  /** The shared parameters θ (the gradient target); the caller owns them. */
  readonly params: readonly tf.Tensor[];
  /** Initial particles x_0 [P, D]; must not depend on θ. */
  initial(particles: number, rng: Rng): tf.Tensor;
  /** Predictive mean and standard deviation of x_{t+1}, each [P, D]; differentiable in x and the views. */
  predict(x: tf.Tensor, views: readonly tf.Tensor[], t: number): { mean: tf.Tensor; std: tf.Tensor };
  /** Per-particle cost c_t(x_t) [P] for t = 1..horizon (the cost of x_0 is not counted). */
  cost(x: tf.Tensor, t: number, horizon: number): tf.Tensor;
  /** False where the cost is identically zero (e.g. a terminal-only loss): the loss node is skipped. */
  hasCost?(t: number, horizon: number): boolean;
}

/**
 * A backward message: merged by summation. `dx` is the pathwise cotangent ∂Ĵ/∂x_t [P, D];
 * `returnToGo` the per-particle Σ_{h ≥ t} c_h [P] that likelihood-ratio nodes need.
 */
export interface Message {
  dx?: tf.Tensor;
  returnToGo?: tf.Tensor;
}

/** What a node's backward hands to the tape. `to` is relative (default −1, the previous node). */
export interface Outbox {
  sends: Array<{ to?: number; message: Message }>;
  /** Contributions to ∂Ĵ/∂θ, one tensor per parameter with the parameter's own shape (particles summed). */
  gradients?: tf.Tensor[];
  /** Named scalar diagnostics of this node (e.g. `kLR`). */
  diagnostics?: Record<string, tf.Scalar>;
}

/** One node on the tape. It owns the tensors it keeps for backward and frees them in `dispose`. */
export interface TapeNode {
  readonly kind: string;
  readonly t: number;
  backward(inbox: Message, context: BackwardContext): Outbox;
  dispose(): void;
}

export interface BackwardContext {
  readonly particles: number;
  readonly system: ParticleSystem;
  /** The per-particle views of θ used in the forward pass. */
  readonly views: readonly tf.Tensor[];
}

/** What the rollout gives a propagator for one step t → t+1. */
export interface StepInput {
  readonly system: ParticleSystem;
  /** x_t [P, D] (the propagator must not dispose it). */
  readonly x: tf.Tensor;
  readonly t: number;
  readonly views: readonly tf.Tensor[];
  readonly rng: Rng;
  readonly particles: number;
}

/**
 * A stochastic node type (docs/algorithms/pipps.md §5.4): it draws x_{t+1}, records what its
 * backward needs, and in the backward pass turns the incoming message into θ-contributions and the
 * message for x_t. `propagatorFromEstimator` makes one from any registered estimator.
 */
export interface Propagator {
  readonly name: string;
  /** The estimator of @pathwise/estimators behind the node (`propagatorFromEstimator`). */
  readonly estimator?: Estimator<any>;
  /** Whether the loss nodes should send the pathwise cost gradient (LR ignores it). */
  readonly pathwiseCost: boolean;
  /** Returns x_{t+1} (owned by the node; disposed with it) and the node. */
  forward(input: StepInput): { output: tf.Tensor; node: TapeNode };
}
