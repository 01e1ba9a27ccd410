import { Welford, parametersOf, tf } from '@pathwise/core';
import type { EnvState } from '@pathwise/envs';
import type { EpochBatch, OnPolicyTrainer } from '../trainer.js';
import { mapState } from '../trainer.js';
import { flattenTorchOrder } from '../networks.js';
import { simulate, type Normalisers } from '../rollout.js';
import { lrLoss } from './lr.js';
import type { RpRollout } from './rp.js';

/**
 * Inverse-variance weight of the LR gradient (docs/algorithms/gippo.md §2.4): k_LR = v_RP/(v_LR + v_RP + 1e-8),
 * where v is the trace of the unbiased covariance of per-sample gradients. k_RP = 1 − k_LR.
 */
export function inverseVarianceWeight(varianceLr: number, varianceRp: number): number {
  return varianceRp / (varianceLr + varianceRp + 1e-8);
}

/**
 * LR+RP actor update: per-sample LR gradients at `varEstNumSample` random samples and per-sample RP
 * gradients of the first `varEstNumSample` trajectory starts give the weights; the step follows
 * k_LR·∇L_LR + k_RP·∇L_RP (weights are constants, no gradient flows through them).
 */
export async function lrpActorUpdate(
  trainer: OnPolicyTrainer,
  norm: Normalisers,
  batch: EpochBatch,
  rp: RpRollout,
  startState: EnvState,
): Promise<{ loss: number; kLr: number }> {
  const { config } = trainer;
  const params = parametersOf(trainer.actor);
  const keep = config.varEstMaxGradLen > 0 ? config.varEstMaxGradLen : Number.POSITIVE_INFINITY;
  const flatten = async (grads: tf.Tensor[]) => {
    const flat = tf.tidy(() => {
      const all = flattenTorchOrder(trainer.actor, grads);
      return all.size > keep ? tf.slice(all, [0], [keep]) : all;
    });
    const host = await flat.data();
    flat.dispose();
    return host;
  };
  const gradsOf = (loss: () => tf.Scalar) => {
    const { value, grads } = tf.variableGrads(loss, params);
    value.dispose();
    return params.map((p) => grads[p.name]!);
  };

  // Per-sample LR gradients at random samples.
  const n = batch.obs.shape[0]!;
  const picks = Array.from(trainer.rng.permutation(n).slice(0, config.varEstNumSample));
  let lrStats: Welford | undefined;
  for (const i of picks) {
    const grads = tf.tidy(() =>
      gradsOf(() => lrLoss(trainer, tf.slice(batch.obs, [i, 0], [1, -1]), tf.slice(batch.actions, [i, 0], [1, -1]), tf.slice(batch.normalisedAdvantages, [i], [1]))),
    );
    const flat = await flatten(grads);
    grads.forEach((g) => g.dispose());
    lrStats ??= new Welford(flat.length);
    lrStats.add(flat);
  }

  // Per-sample RP gradients of the first starts (time, actor order): the actors at the first step,
  // re-simulated alone from the epoch's start state with their own noise and done flags.
  const { horizon: steps, numActors } = config;
  let rpStats: Welford | undefined;
  for (let j = 0; j < config.varEstNumSample; j++) {
    const grads = tf.tidy(() =>
      gradsOf(() => {
        // slice, not gather: gather's gradient needs a kernel the wasm backend lacks.
        const state = mapState(startState, (t) => tf.slice(t, [j], [1]));
        const noise = Array.from({ length: steps }, (_, t) => tf.slice(batch.noise, [t * numActors + j, 0], [1, -1]));
        const dones = Array.from({ length: steps }, (_, t) => tf.tensor1d([batch.dones[t * numActors + j]!]));
        const sim = simulate({
          env: trainer.env,
          actor: trainer.actor,
          targetCritic: trainer.targetCritic,
          norm,
          gamma: config.gamma,
          lambda: config.lambda,
          state,
          steps,
          noise,
          dones,
          rng: trainer.rng,
          resetDone: false,
        });
        return tf.neg(tf.sum(tf.add(sim.advantages[0]!, sim.values[0]!))) as tf.Scalar;
      }),
    );
    const flat = await flatten(grads);
    grads.forEach((g) => g.dispose());
    rpStats ??= new Welford(flat.length);
    rpStats.add(flat);
  }

  const kLr = inverseVarianceWeight(lrStats!.traceCovariance(), rpStats!.traceCovariance());
  const lossLr = tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => lrLoss(trainer, batch.obs, batch.actions, batch.normalisedAdvantages), params);
    const combined = params.map((p, k) => tf.add(tf.mul(grads[p.name]!, kLr), tf.mul(rp.grads[k]!, 1 - kLr)));
    trainer.actorAdam.step(combined);
    return value;
  });
  const lr = (await lossLr.data())[0]!;
  lossLr.dispose();
  return { loss: kLr * lr + (1 - kLr) * rp.loss, kLr };
}
