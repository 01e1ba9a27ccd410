import { parametersOf, tf } from '@pathwise/core';
import { readHostRecords, type EpochBatch, type OnPolicyTrainer } from '../trainer.js';
import type { Normalisers, Simulation } from '../rollout.js';

/** RP loss (§2.3): −(1/N_start)·Σ over trajectory starts of (A + V(s)), differentiable through the rollout. */
export function rpLoss(sim: Simulation): tf.Scalar {
  return tf.tidy(() => {
    const starts = tf.concat(sim.starts, 0);
    const total = tf.mul(tf.add(tf.concat(sim.advantages, 0), tf.concat(sim.values, 0)), starts);
    return tf.neg(tf.div(tf.sum(total), tf.sum(starts))) as tf.Scalar;
  });
}

export interface RpRollout {
  batch: EpochBatch;
  loss: number;
  /** Gradients of the RP loss, aligned with the actor's parameters. */
  grads: tf.Tensor[];
}

/** The rollout run inside the actor's gradient scope: its records and the RP gradient. */
export async function rpRollout(trainer: OnPolicyTrainer, norm: Normalisers): Promise<RpRollout> {
  const params = parametersOf(trainer.actor);
  let batch: EpochBatch | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const sim = trainer.simulate(norm);
    batch = trainer.batchFrom(sim);
    return rpLoss(sim);
  }, params);
  const loss = (await value.data())[0]!;
  value.dispose();
  return { batch: await readHostRecords(batch!), loss, grads: params.map((p) => grads[p.name]!) };
}
