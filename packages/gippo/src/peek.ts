import { tf } from '@pathwise/core';
import type { OnPolicyTrainer } from './trainer.js';
import { gippoRollout } from './algorithms/gippo.js';

/** Host copies of one rollout and its analytic action gradients (time-major: index = t·B + actor). */
export interface RolloutGradients {
  /** Rollout length T and batch size B (`config.horizon`, `config.numActors`). */
  horizon: number;
  numActors: number;
  actDim: number;
  /** [T·B] rewards. */
  rewards: Float32Array;
  /** [T·B, actDim] pre-tanh actions u (the env got tanh(u)). */
  actions: Float32Array;
  /**
   * [T·B, actDim] ∂A_t/∂u_t: the analytic advantage gradients GI-PPO's α-policy step uses (total
   * derivatives through the simulator, rewards, target-critic values and the policy's later
   * reactions). Zero where the env is detached (LR and PPO trainers).
   */
  actionGradients: Float32Array;
}

export interface RolloutGradientsOptions {
  /**
   * Put the trainer back afterwards (RNG, env state, everything `state()` holds) through
   * `state()`/`load()`, so looking does not change the run: its next `epoch()` runs this very
   * rollout. Without it the trainer advances as after an epoch's rollout, with no update.
   */
  restore?: boolean;
}

/**
 * Runs the rollout the trainer's next epoch would run, with the graph, and returns its rewards,
 * actions and the analytic action gradients exactly as GI-PPO computes them in that epoch (the same
 * code path). No parameters are updated; no tensors are left behind.
 */
export async function rolloutGradients(trainer: OnPolicyTrainer, options: RolloutGradientsOptions = {}): Promise<RolloutGradients> {
  const saved = options.restore ? await trainer.state() : undefined;
  const norm = trainer.frozenNormalisers();
  try {
    const { batch, actionGradients } = await gippoRollout(trainer, norm);
    try {
      const [actions, gradients] = await Promise.all([batch.actions.data(), actionGradients.data()]);
      return {
        horizon: trainer.config.horizon,
        numActors: trainer.config.numActors,
        actDim: trainer.env.actDim,
        rewards: Float32Array.from(batch.rewards),
        actions: actions as Float32Array,
        actionGradients: gradients as Float32Array,
      };
    } finally {
      actionGradients.dispose();
      for (const value of Object.values(batch)) if (value instanceof tf.Tensor) value.dispose();
    }
  } finally {
    norm.obsMean?.dispose();
    norm.obsScale?.dispose();
    if (saved) trainer.load(saved);
  }
}
