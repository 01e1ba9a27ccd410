import { parametersOf, tf } from '@pathwise/core';
import type { EpochBatch, OnPolicyTrainer } from '../trainer.js';
import { negLogProb } from '../losses.js';

/** LR loss (docs/algorithms/gippo.md §2.2): mean_i Â_i·nlp(u_i; μ_θ(s_i), σ_θ(s_i)); its gradient is −mean Â∇log π. */
export function lrLoss(trainer: OnPolicyTrainer, obs: tf.Tensor, actions: tf.Tensor, advantages: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const [mean, logStd] = tf.split(trainer.actor.apply(obs), 2, 1);
    return tf.mean(tf.mul(advantages, negLogProb(actions, mean!, logStd!))) as tf.Scalar;
  });
}

/** The LR actor update: one Adam step on the LR loss. Returns the loss. */
export async function lrActorUpdate(trainer: OnPolicyTrainer, batch: EpochBatch): Promise<number> {
  const loss = tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => lrLoss(trainer, batch.obs, batch.actions, batch.normalisedAdvantages), parametersOf(trainer.actor));
    trainer.actorAdam.step(grads);
    return value;
  });
  const out = (await loss.data())[0]!;
  loss.dispose();
  return out;
}
