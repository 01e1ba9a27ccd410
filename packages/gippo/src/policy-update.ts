import type { tf } from '@pathwise/core';
import type { Normalisers } from './rollout.js';
import type { EpochBatch, OnPolicyTrainer } from './trainer.js';

/** What an algorithm's actor update did before the critic update. */
export interface RolloutOutcome {
  batch: EpochBatch;
  /** The loss of the update made so far (NaN when the main update comes after the critic). */
  actorLoss: number;
  /** The algorithm's own metric columns. */
  metrics: Record<string, number>;
}

/**
 * The part of an on-policy algorithm the trainer does not know: how the actor learns. The trainer
 * runs, per epoch: `rollout` (the rollout and any update that must precede the critic), then the
 * critic and target-critic updates, then `afterCritic` (e.g. PPO from the stored batch).
 */
export interface PolicyUpdate {
  /** The actor learning rate of this epoch (reported as `actor_lr`). */
  actorLr(epoch: number): number;
  rollout(norm: Normalisers, epoch: number): Promise<RolloutOutcome>;
  /** Returns the actor loss when it makes the epoch's main update. */
  afterCritic?(batch: EpochBatch): Promise<number>;
  /** Work between the rollout and the critic that reports metrics (GI-PPO's α step). */
  beforeCritic?(batch: EpochBatch): Promise<Record<string, number>>;
  /** A non-finite actor loss stops the run (algorithms whose retry loops absorb NaN losses say false). */
  readonly failOnNonFiniteLoss: boolean;
  /** Values the algorithm would use in its next epoch, for live displays (e.g. GI-PPO's α). */
  live?(): Record<string, number>;
  state(): Promise<unknown>;
  load(state: unknown): void;
  dispose(): void;
}

/** How an algorithm sets up the trainer, and its update over that trainer. */
export interface PolicyUpdateSpec {
  /** Differentiate through the env (pathwise estimators, GI-PPO) or roll out detached. */
  differentiableEnv: boolean;
  /**
   * The main actor optimiser is a PPO stage's (PyTorch's default betas); otherwise it uses the
   * config's betas and the linear schedule.
   */
  ppoActor: boolean;
  /** The critic's rate follows the linear schedule (the reference's PPO keeps it constant). */
  criticScheduled: boolean;
  create(trainer: OnPolicyTrainer): PolicyUpdate;
}

/** Gradients aligned with the actor's parameters. */
export type ActorGradients = tf.Tensor[];
