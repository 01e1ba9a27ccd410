import { parametersOf, tf } from '@pathwise/core';
import { actorMajor, type EpochBatch, type OnPolicyTrainer, type PolicyUpdateSpec } from '../trainer.js';
import { clippedSurrogate, negLogProb } from '../losses.js';
import type { TrainerConfig } from '../config.js';
import { disposeAll, restore, snapshot } from '../networks.js';

/** The PPO dataset, actor-major (index = actor·horizon + t), as the reference's PPODataset. */
export interface PpoBatch {
  obs: tf.Tensor;
  actions: tf.Tensor;
  /** Normalised advantages. */
  advantages: tf.Tensor;
  nlpOld: tf.Tensor;
  /** GI-PPO: nlp under the post-regression α-policy. */
  nlpAlpha?: tf.Tensor;
  /** Rollout policy mean and log-std (adaptive-KL PPO). */
  meanOld?: tf.Tensor;
  logStdOld?: tf.Tensor;
}

/** The PPO stage's stored learning rate (the reference's retry and adaptive-KL loops rewrite it). */
export interface PpoRate {
  lr: number;
}

/** Loss of minibatch k under the current actor. */
export type MinibatchLoss = (k: number) => tf.Scalar;

/** Consecutive minibatches, no shuffling; a batch smaller than the minibatch size is one minibatch. */
export function minibatchRanges(n: number, size: number): Array<[number, number]> {
  const m = Math.min(size, n);
  const count = Math.floor(n / m);
  return Array.from({ length: count }, (_, k) => [k * m, m]);
}

export function sliceRows(x: tf.Tensor, [start, size]: [number, number]): tf.Tensor {
  return x.rank === 1 ? tf.slice(x, [start], [size]) : tf.slice(x, [start, 0], [size, -1]);
}

/** Minibatch current-policy nlp. */
export function currentNlp(trainer: OnPolicyTrainer, obs: tf.Tensor, actions: tf.Tensor): tf.Tensor {
  const [mean, logStd] = trainer.actor.meanLogStd(obs);
  return negLogProb(actions, mean, logStd);
}

/** §2.5: ρ = exp(min(nlp_old − nlp_θ, 64)); clipped surrogate. */
export function ppoLoss(trainer: OnPolicyTrainer, batch: PpoBatch): MinibatchLoss {
  const ranges = minibatchRanges(batch.obs.shape[0]!, trainer.config.minibatchSize);
  return (k) =>
    tf.tidy(() => {
      const range = ranges[k]!;
      const nlp = currentNlp(trainer, sliceRows(batch.obs, range), sliceRows(batch.actions, range));
      const ratio = tf.exp(tf.minimum(tf.sub(sliceRows(batch.nlpOld, range), nlp), 64));
      return clippedSurrogate(sliceRows(batch.advantages, range), ratio, trainer.config.eClip);
    });
}

/**
 * The reference's "stable PPO" loop (§2.5), quirks included: up to `maxOptimIter` tries of
 * `miniEpochs` passes; a try fails when the mean loss of the first mini-epoch is below that of the
 * last (each loss taken before its step). A failure restores the actor (not Adam's moments) and sets
 * the optimiser's and the stored rate to init/1.5; success sets the stored rate back to init. After
 * every step the optimiser takes the stored rate, so a retried epoch's rate carries into the first
 * step of the next. Returns the mean loss of the final try's last mini-epoch.
 */
export async function stablePpo(trainer: OnPolicyTrainer, stage: PpoRate, batch: PpoBatch, loss: MinibatchLoss): Promise<number> {
  const { config } = trainer;
  const params = parametersOf(trainer.actor);
  const count = minibatchRanges(batch.obs.shape[0]!, config.minibatchSize).length;
  const init = stage.lr;
  let lastMean = Number.NaN;
  for (let attempt = 0; attempt < config.maxOptimIter; attempt++) {
    const backup = snapshot(trainer.actor);
    const firstLosses: tf.Scalar[] = [];
    const lastLosses: tf.Scalar[] = [];
    for (let epoch = 0; epoch < config.miniEpochs; epoch++) {
      for (let k = 0; k < count; k++) {
        const value = tf.tidy(() => {
          const { value, grads } = tf.variableGrads(() => loss(k), params);
          trainer.actorAdam.step(grads);
          return value;
        });
        trainer.actorAdam.lr = stage.lr;
        if (epoch === 0) firstLosses.push(value);
        if (epoch === config.miniEpochs - 1) lastLosses.push(value);
        else if (epoch !== 0) value.dispose();
      }
    }
    const mean = async (xs: tf.Scalar[]) => {
      const all = tf.stack(xs);
      const out = Array.from(await all.data()).reduce((a, b) => a + b, 0) / xs.length;
      all.dispose();
      return out;
    };
    const first = await mean(firstLosses);
    lastMean = await mean(lastLosses);
    disposeAll([...new Set([...firstLosses, ...lastLosses])]);
    const failed = first < lastMean;
    if (failed) {
      restore(trainer.actor, backup);
      stage.lr = init / config.lrMultiplier;
      trainer.actorAdam.lr = stage.lr;
    } else {
      stage.lr = init;
    }
    disposeAll(backup);
    if (!failed) break;
  }
  return lastMean;
}

/** rl_games' AdaptiveScheduler: ÷1.5 above 2·threshold, ×1.5 below threshold/2, within [1e-6, 1e-2]. */
export function adaptiveKlRate(lr: number, kl: number, threshold: number): number {
  if (kl > 2 * threshold) return Math.max(lr / 1.5, 1e-6);
  if (kl < 0.5 * threshold) return Math.min(lr * 1.5, 1e-2);
  return lr;
}

/**
 * rl_games' KL(π_θ ‖ π_old) of diagonal Gaussians, summed over action dims and averaged over the
 * minibatch, with its 1e-5 guards: log(σ/σ_old + 1e-5) + (σ_old² + (μ − μ_old)²)/(2(σ² + 1e-5)) − ½.
 * (rl_games' argument names swap the roles; this is the expression it evaluates.)
 */
export function gaussianKl(mean: tf.Tensor, logStd: tf.Tensor, meanOld: tf.Tensor, logStdOld: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const std = tf.exp(logStd);
    const stdOld = tf.exp(logStdOld);
    const c1 = tf.log(tf.add(tf.div(stdOld, std), 1e-5));
    const c2 = tf.div(tf.add(tf.square(std), tf.square(tf.sub(mean, meanOld))), tf.mul(tf.add(tf.square(stdOld), 1e-5), 2));
    return tf.mean(tf.sum(tf.sub(tf.add(c1, c2), 0.5), -1)) as tf.Scalar;
  });
}

/**
 * rl_games-style PPO (the paper's physics/traffic PPO baseline, §3.3): `miniEpochs` passes over the
 * minibatches, no retries; before each step the minibatch KL between the current and the rollout
 * policy adapts the rate (`adaptiveKlRate`, rl_games' "legacy" per-minibatch schedule). Reads one
 * scalar per minibatch. Returns the mean loss of the last mini-epoch.
 */
export async function adaptiveKlPpo(trainer: OnPolicyTrainer, stage: PpoRate, batch: PpoBatch, loss: MinibatchLoss): Promise<number> {
  const { config } = trainer;
  if (!batch.meanOld || !batch.logStdOld) throw new Error('adaptive-KL PPO needs the rollout mean and log-std in the batch');
  const params = parametersOf(trainer.actor);
  const ranges = minibatchRanges(batch.obs.shape[0]!, config.minibatchSize);
  let lastSum = 0;
  for (let epoch = 0; epoch < config.miniEpochs; epoch++) {
    lastSum = 0;
    for (let k = 0; k < ranges.length; k++) {
      const range = ranges[k]!;
      const [value, kl] = tf.tidy(() => {
        const [mean, logStd] = trainer.actor.meanLogStd(sliceRows(batch.obs, range));
        const divergence = gaussianKl(mean, logStd, sliceRows(batch.meanOld!, range), sliceRows(batch.logStdOld!, range));
        const { value, grads } = tf.variableGrads(() => loss(k), params);
        trainer.actorAdam.step(grads);
        return [value, divergence];
      });
      const [lossValue, klValue] = [(await value.data())[0]!, (await kl.data())[0]!];
      tf.dispose([value, kl]);
      if (Number.isFinite(klValue)) stage.lr = adaptiveKlRate(stage.lr, klValue, config.klThreshold);
      trainer.actorAdam.lr = stage.lr;
      lastSum += lossValue;
    }
  }
  return lastSum / ranges.length;
}

/** The PPO dataset of an epoch's batch (actor-major), with the rollout policy for adaptive-KL PPO. */
export function ppoBatchFrom(batch: EpochBatch, config: TrainerConfig): PpoBatch {
  return tf.tidy(() => ({
    obs: tf.keep(actorMajor(batch.obs, config)),
    actions: tf.keep(actorMajor(batch.actions, config)),
    advantages: tf.keep(actorMajor(batch.normalisedAdvantages, config)),
    nlpOld: tf.keep(actorMajor(negLogProb(batch.actions, batch.mean, batch.logStd), config)),
    ...(config.ppoSchedule === 'adaptive-kl' ? { meanOld: tf.keep(actorMajor(batch.mean, config)), logStdOld: tf.keep(actorMajor(tf.broadcastTo(batch.logStd, batch.mean.shape), config)) } : {}),
  }));
}

/** The PPO update of one epoch: the configured loop (stable retries or adaptive KL) over `loss`. */
export async function runPpo(trainer: OnPolicyTrainer, stage: PpoRate, batch: PpoBatch, loss: MinibatchLoss): Promise<number> {
  try {
    return trainer.config.ppoSchedule === 'adaptive-kl' ? await adaptiveKlPpo(trainer, stage, batch, loss) : await stablePpo(trainer, stage, batch, loss);
  } finally {
    Object.values(batch).forEach((v) => v instanceof tf.Tensor && v.dispose());
  }
}

/**
 * PPO (docs/algorithms/gippo.md §2.5) as a policy update: a detached rollout, then after the critic the
 * PPO loop on the stored batch. The critic's rate stays at its initial value, as the reference's.
 */
export const ppoUpdate: PolicyUpdateSpec = {
  differentiableEnv: false,
  ppoActor: true,
  criticScheduled: false,
  create(trainer) {
    const stage: PpoRate = { lr: trainer.config.actorLr };
    return {
      failOnNonFiniteLoss: false,
      actorLr: () => stage.lr,
      rollout: async (norm) => ({ batch: await trainer.detachedRollout(norm), actorLoss: Number.NaN, metrics: {} }),
      afterCritic: (batch) => {
        const ppoBatch = ppoBatchFrom(batch, trainer.config);
        return runPpo(trainer, stage, ppoBatch, ppoLoss(trainer, ppoBatch));
      },
      state: async () => ({ ppoLr: stage.lr }),
      load: (state) => {
        stage.lr = (state as { ppoLr: number }).ppoLr;
      },
      dispose: () => {},
    };
  },
};
