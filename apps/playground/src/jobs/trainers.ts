// Trainer construction and the read-only "peek" at a rollout that the UI plots. Browser-safe and
// DOM-free: the e2e test imports this module in Node to compute the cpu reference.
import { tf, type Tensor } from '@pathwise/core';
import { getEnv } from '@pathwise/envs';
import { OnPolicyTrainer, resolveTrainerConfig, type AlgorithmName } from '@pathwise/gippo';
import type { TrainSettings } from '../protocol.js';

/** A trainer with the package defaults for env × algo, overridden by the few knobs the UI shows. */
export function makeTrainer(envName: string, algo: AlgorithmName, settings: Partial<TrainSettings> & { seed: number }): OnPolicyTrainer {
  const overrides: Record<string, unknown> = {};
  if (settings.actors !== undefined) overrides.numActors = settings.actors;
  if (settings.hidden !== undefined) {
    overrides.actorHidden = [settings.hidden, settings.hidden];
    overrides.criticHidden = [settings.hidden, settings.hidden];
  }
  if (settings.criticIterations !== undefined) overrides.criticIterations = settings.criticIterations;
  if (settings.epochs !== undefined) overrides.epochs = settings.epochs;
  const config = resolveTrainerConfig(envName, algo, overrides);
  return new OnPolicyTrainer({ env: getEnv(envName), algo, config, seed: settings.seed });
}

export interface RolloutPeek {
  /** [T·B] rewards, time-major. */
  rewards: Float32Array;
  /** [T·B, actDim] pre-tanh actions u. */
  actions: Float32Array;
  /** [T·B, actDim] ∂(Σ over trajectory starts of A)/∂u: GI-PPO's analytic action gradients on one-step problems. */
  actionGradients: Float32Array;
}

/**
 * The rollout the trainer's next epoch will run, with the analytic action gradients GI-PPO uses
 * (@pathwise/gippo does not export its rollout, so this repeats its probe trick through the public
 * `simulate`). With `restore`, the trainer is put back exactly (RNG, env state) via state()/load(),
 * so peeking does not change the run.
 */
export async function peekRollout(trainer: OnPolicyTrainer, restore: boolean): Promise<RolloutPeek> {
  const saved = restore ? await trainer.state() : undefined;
  const { horizon, numActors } = trainer.config;
  const norm = trainer.frozenNormalisers();
  const probes = Array.from({ length: horizon }, () => tf.zeros([numActors, trainer.env.actDim]));
  let rewards: Tensor | undefined;
  let actions: Tensor | undefined;
  const gradients = tf.grads((...ps: Tensor[]) => {
    const sim = trainer.simulate(norm, ps);
    rewards = tf.keep(tf.concat(sim.rewards, 0));
    actions = tf.keep(tf.concat(sim.actions, 0));
    const s = tf.sum(tf.mul(tf.concat(sim.advantages, 0), tf.concat(sim.starts, 0)));
    // Keeps every probe on the tape (detached envs give zero gradients instead of an error).
    return tf.add(s, tf.mul(tf.addN(ps.map((p) => tf.sum(p))), 0)) as tf.Scalar;
  })(probes);
  const flatGradients = tf.concat(gradients, 0);
  const [r, a, g] = await Promise.all([rewards!.data(), actions!.data(), flatGradients.data()]);
  tf.dispose([...probes, ...gradients, flatGradients, rewards!, actions!]);
  norm.obsMean?.dispose();
  norm.obsScale?.dispose();
  if (saved) trainer.load(saved);
  return { rewards: r as Float32Array, actions: a as Float32Array, actionGradients: g as Float32Array };
}

/** The first GI-PPO rollout of a fresh, seeded trainer (the e2e agreement check uses this on every backend). */
export async function firstRollout(envName: string, settings: { seed: number; actors: number; hidden: number }): Promise<RolloutPeek> {
  const trainer = makeTrainer(envName, 'gippo', settings);
  try {
    return await peekRollout(trainer, false);
  } finally {
    trainer.dispose();
  }
}
