import { Adam, RunningMeanStd, parametersOf, tf } from '@pathwise/core';
import { checkNodeEstimator, isBuiltinEstimator, nodeBackward, type Estimator } from '@pathwise/estimators';
import type { EpochBatch, OnPolicyTrainer, PolicyUpdateSpec } from '../trainer.js';
import { actorMajor, readHostRecords, type RolloutHooks } from '../trainer.js';
import type { Normalisers } from '../rollout.js';
import { clippedSurrogate, mixtureNegLogProb, negLogProb } from '../losses.js';
import { disposeAll, restore, snapshot } from '../networks.js';
import { nextAlpha } from './alpha-rule.js';
import { alphaLossKernel, hostLosses } from '../loss-kernels.js';
import { currentNlp, minibatchRanges, sliceRows, stablePpo, type MinibatchLoss, type PpoBatch, type PpoRate } from './ppo.js';

export interface GippoState {
  alpha: number;
  lrAlpha: number;
  /** Running statistics of the bias metric B (scalar RunningMeanStd). */
  biasRms: RunningMeanStd;
}

/**
 * Rollout with the graph, then the analytic advantage gradients ∂A_t/∂u_t (§2.6 step 2): one
 * backward pass of S = Σ_starts A_start with respect to zero probes added to every action, rescaled
 * by (γλ)^−(t − t_start) to turn ∂A_start/∂u_t into ∂A_t/∂u_t. Total derivatives: through the
 * simulator, the rewards, the target-critic values of later states and the policy's later reactions.
 */
export async function gippoRollout(trainer: OnPolicyTrainer, norm: Normalisers, hooks: RolloutHooks = {}): Promise<{ batch: EpochBatch; actionGradients: tf.Tensor2D }> {
  const { horizon, numActors, gamma, lambda } = trainer.config;
  const actDim = trainer.env.actDim;
  let batch: EpochBatch | undefined;
  const probes = Array.from({ length: horizon }, () => tf.zeros([numActors, actDim]));
  const gradients = tf.grads((...ps: tf.Tensor[]) => {
    const sim = trainer.simulate(norm, { ...hooks, probes: ps });
    batch = trainer.batchFrom(sim);
    const s = tf.sum(tf.mul(tf.concat(sim.advantages, 0), tf.concat(sim.starts, 0)));
    // 0·Σ probes keeps every probe on the tape: where no advantage depends on an action (a reward
    // that ignores it, a NaN reward), the gradient is 0 rather than a tfjs "does not depend on x" error.
    return tf.add(s, tf.mul(tf.addN(ps.map((p) => tf.sum(p))), 0)) as tf.Scalar;
  })(probes);
  disposeAll(probes);
  await readHostRecords(batch!);
  const factors = new Float32Array(horizon * numActors);
  const sinceStart = new Int32Array(numActors);
  for (let t = 0; t < horizon; t++) {
    for (let j = 0; j < numActors; j++) {
      const i = t * numActors + j;
      sinceStart[j] = batch!.starts[i]! > 0.5 ? 0 : sinceStart[j]! + 1;
      factors[i] = (gamma * lambda) ** -sinceStart[j]!;
    }
  }
  const actionGradients = tf.tidy(() => tf.mul(tf.concat(gradients, 0), tf.tensor2d(factors, [horizon * numActors, 1])) as tf.Tensor2D);
  disposeAll(gradients);
  return { batch: batch!, actionGradients };
}

export interface AlphaStep {
  metrics: Record<string, number>;
  ppoBatch: PpoBatch;
}

/**
 * §2.6 steps 3–7: α-policy targets ũ = u + α·g, the α-regression with its retry loop, the
 * Jacobian-determinant criterion, the α/lr_α update, and the OORR and bias criteria (aligned
 * advantages and ratios: the release's time-major/actor-major mismatch is not reproduced).
 */
export async function gippoAlphaStep(trainer: OnPolicyTrainer, gi: GippoState, adam: Adam, batch: EpochBatch, actionGradients: tf.Tensor2D): Promise<AlphaStep> {
  const { config } = trainer;
  const params = parametersOf(trainer.actor);
  const alpha = gi.alpha;
  const lrAlpha = gi.lrAlpha;
  adam.lr = lrAlpha;
  const targets = tf.tidy(() => tf.add(batch.actions, tf.mul(actionGradients, alpha)));
  const regressionLoss = () => alphaRegressionLoss(trainer, batch, targets);

  const backup = snapshot(trainer.actor);
  let converged = false;
  let alphaLoss = Number.NaN;
  for (let attempt = 0; attempt < config.maxOptimIter; attempt++) {
    let first: tf.Scalar | undefined;
    let last: tf.Scalar | undefined;
    for (let k = 0; k < config.alphaIterations; k++) {
      const value = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(regressionLoss, params);
        adam.step(grads);
        return value;
      });
      if (k === 0) first = value;
      if (k === config.alphaIterations - 1) last = value;
      if (k !== 0 && k !== config.alphaIterations - 1) value.dispose();
    }
    const l0 = (await first!.data())[0]!;
    const l1 = (await last!.data())[0]!;
    first!.dispose();
    if (last !== first) last!.dispose();
    alphaLoss = l1;
    converged = l0 > l1;
    if (l0 < l1) {
      restore(trainer.actor, backup);
      adam.lr /= config.lrMultiplier;
    } else {
      adam.lr = lrAlpha;
      break;
    }
  }
  disposeAll(backup);
  targets.dispose();

  // Criteria on the post-regression actor π_α.
  const { detMin, detMax, oorr, bias, nlpAlpha } = await (async () => {
    const out = tf.tidy(() => {
      const [mean, logStd] = trainer.actor.meanLogStd(batch.obs);
      const logDet = tf.sum(tf.sub(logStd, batch.logStd), 1);
      const nlpOld = negLogProb(batch.actions, batch.mean, batch.logStd);
      const nlpAlpha = negLogProb(batch.actions, mean, logStd);
      const ratio = tf.exp(tf.minimum(tf.sub(nlpOld, nlpAlpha), 16));
      const outOfRange = tf.logicalOr(tf.less(ratio, 1 - config.eClip), tf.greater(ratio, 1 + config.eClip));
      const stats = tf.stack([tf.exp(tf.min(logDet)), tf.exp(tf.max(logDet)), tf.mean(tf.cast(outOfRange, 'float32')), tf.sum(tf.mul(batch.advantages, tf.sub(ratio, 1)))]);
      return { stats, nlpAlpha: tf.keep(nlpAlpha) };
    });
    const [detMin, detMax, oorr, bias] = Array.from(await out.stats.data());
    out.stats.dispose();
    return { detMin: detMin!, detMax: detMax!, oorr: oorr!, bias: bias!, nlpAlpha: out.nlpAlpha };
  })();

  const biasScore = (bias - gi.biasRms.mean[0]!) / gi.biasRms.scale()[0]!;
  gi.biasRms.update([bias], 1);
  const next = nextAlpha({ alpha, lrAlpha, converged, detMin, detMax, oorr, bias, biasScore }, config);
  gi.alpha = next.alpha;
  gi.lrAlpha = next.lrAlpha;

  const ppoBatch = tf.tidy(() => ({
    obs: tf.keep(actorMajor(batch.obs, config)),
    actions: tf.keep(actorMajor(batch.actions, config)),
    advantages: tf.keep(actorMajor(batch.normalisedAdvantages, config)),
    nlpOld: tf.keep(actorMajor(negLogProb(batch.actions, batch.mean, batch.logStd), config)),
    nlpAlpha: tf.keep(actorMajor(nlpAlpha, config)),
  }));
  nlpAlpha.dispose();
  return {
    metrics: { alpha, lr_alpha: lrAlpha, alpha_loss: alphaLoss, oorr, bias, det_min: detMin, det_max: detMax },
    ppoBatch,
  };
}

/** L_α(θ) = mean_i Σ_d (μ_θ(s_i) + σ_θ(s_i)·ε_i − ũ_i)²_d, with the rollout's own ε (§2.6 step 4). */
export function alphaRegressionLoss(trainer: OnPolicyTrainer, batch: Pick<EpochBatch, 'obs' | 'noise'>, targets: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const [mean, logStd] = trainer.actor.meanLogStd(batch.obs);
    if (hostLosses(trainer.config.mlpKernel)) return alphaLossKernel(mean, logStd, batch.noise, targets);
    const reparameterised = tf.add(mean, tf.mul(tf.exp(logStd), batch.noise));
    return tf.mean(tf.sum(tf.square(tf.sub(reparameterised, targets)), 1)) as tf.Scalar;
  });
}

/**
 * §2.6 step 9: PPO with the virtual policy ½(π_old + π_α) as the behaviour density, or π_α alone for
 * a minibatch where any |log π_α − log π_old| > 4. ρ = exp(clamp(log-ratio, −16, 16)).
 */
export async function gippoPpoLoss(trainer: OnPolicyTrainer, batch: PpoBatch): Promise<MinibatchLoss> {
  const ranges = minibatchRanges(batch.obs.shape[0]!, trainer.config.minibatchSize);
  const flags = tf.tidy(() => tf.stack(ranges.map((range) => tf.cast(tf.any(tf.greater(tf.abs(tf.sub(sliceRows(batch.nlpOld, range), sliceRows(batch.nlpAlpha!, range))), 4)), 'float32'))));
  const fallback = Array.from(await flags.data()).map((f) => f === 1);
  flags.dispose();
  return (k) =>
    tf.tidy(() => {
      const range = ranges[k]!;
      const nlp = currentNlp(trainer, sliceRows(batch.obs, range), sliceRows(batch.actions, range));
      const nlpAlpha = sliceRows(batch.nlpAlpha!, range);
      const behaviour = fallback[k] ? nlpAlpha : mixtureNegLogProb(sliceRows(batch.nlpOld, range), nlpAlpha);
      const ratio = tf.exp(tf.clipByValue(tf.sub(behaviour, nlp), -16, 16));
      return clippedSurrogate(sliceRows(batch.advantages, range), ratio, trainer.config.eClip);
    });
}

/** The per-action node GI-PPO asks its estimator about: the cost is the advantage, the cotangent ∂A/∂u. */
const ACTION_NODE = { name: "GI-PPO's analytic action gradients", cost: true, cotangent: true, state: false, surrogate: false };

/**
 * The action gradients the α-policy follows, from the configured estimator at each action node
 * (docs/algorithms/gippo.md §2.6 step 2): `rp` (the reference) passes ∂A/∂u through unchanged; an
 * LR-type estimator weights the score by the advantage; a combinator mixes them by its rule.
 */
export function estimatedActionGradients(estimator: Estimator<any>, batch: EpochBatch, analytic: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const node = nodeBackward(estimator, { noise: batch.noise, mean: batch.mean, logStd: batch.logStd, cost: batch.advantages, cotangent: analytic });
    return node.perSample.mean as tf.Tensor2D;
  });
}

/**
 * GI-PPO (docs/algorithms/gippo.md §2.6) as a policy update: the rollout with the graph and the analytic
 * action gradients, the α-regression before the critic, then PPO towards the virtual policy.
 */
export function gippoUpdate(estimator: Estimator<any>): PolicyUpdateSpec {
  checkNodeEstimator(estimator, ACTION_NODE);
  return {
    differentiableEnv: true,
    ppoActor: true,
    criticScheduled: true,
    create(trainer) {
      const { config } = trainer;
      const passThrough = isBuiltinEstimator(estimator, 'rp');
      const [b1, b2] = config.betas as [number, number];
      const alphaAdam = new Adam(parametersOf(trainer.actor), { lr: config.alphaLr, betas: [b1, b2], maxGradNorm: config.gradNorm });
      const gi: GippoState = { alpha: config.alpha, lrAlpha: config.alphaLr, biasRms: new RunningMeanStd(1) };
      const stage: PpoRate = { lr: config.actorLr };
      let analytic: tf.Tensor2D | undefined;
      let ppoBatch: PpoBatch | undefined;
      return {
        failOnNonFiniteLoss: false,
        live: () => ({ alpha: gi.alpha, lr_alpha: gi.lrAlpha }),
        actorLr: () => stage.lr,
        async rollout(norm) {
          const out = await gippoRollout(trainer, norm, estimator.designsNoise ? { designNoise: (noise) => estimator.designNoise(noise, 0) } : {});
          // The reference's estimator is RP: its action gradients are ∂A/∂u as they are (no extra ops).
          analytic = passThrough ? out.actionGradients : estimatedActionGradients(estimator, out.batch, out.actionGradients);
          if (analytic !== out.actionGradients) out.actionGradients.dispose();
          return { batch: out.batch, actorLoss: Number.NaN, metrics: {} };
        },
        async beforeCritic(batch) {
          const step = await gippoAlphaStep(trainer, gi, alphaAdam, batch, analytic!);
          analytic!.dispose();
          analytic = undefined;
          ppoBatch = step.ppoBatch;
          return step.metrics;
        },
        async afterCritic() {
          const batch = ppoBatch!;
          ppoBatch = undefined;
          try {
            return await stablePpo(trainer, stage, batch, await gippoPpoLoss(trainer, batch));
          } finally {
            Object.values(batch).forEach((v) => v instanceof tf.Tensor && v.dispose());
          }
        },
        state: async () => ({ ppoLr: stage.lr, alpha: gi.alpha, lrAlpha: gi.lrAlpha, biasRms: gi.biasRms.state(), alphaAdam: await alphaAdam.state() }),
        load(raw) {
          const state = raw as { ppoLr: number; alpha: number; lrAlpha: number; biasRms: ReturnType<RunningMeanStd['state']>; alphaAdam: Awaited<ReturnType<Adam['state']>> };
          stage.lr = state.ppoLr;
          gi.alpha = state.alpha;
          gi.lrAlpha = state.lrAlpha;
          gi.biasRms.load(state.biasRms);
          alphaAdam.load(state.alphaAdam);
        },
        dispose() {
          alphaAdam.dispose();
          analytic?.dispose();
        },
      };
    },
  };
}
