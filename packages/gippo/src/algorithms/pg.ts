// `pg`: the policy gradient of any registered estimator (docs/algorithms/gippo.md §2.2–2.4). The
// action u = μ(s) + σ(s)·ε of each step is one stochastic node; the estimator's backward message turns
// the node's cost-to-go (the advantage) and its pathwise cotangent (∂loss/∂u through the differentiable
// env) into per-sample contributions to ∂/∂(μ, log σ), which autodiff carries into the actor.
// One file: the three paths (cost only, pathwise, a combinator's mixture) share the node machinery.
import { ConfigError, Welford, parametersOf, stopGradient, tf } from '@pathwise/core';
import { checkNodeEstimator, isBuiltinEstimator, nodeBackward, type Estimator } from '@pathwise/estimators';
import type { EnvState } from '@pathwise/envs';
import { flattenTorchOrder } from '../networks.js';
import { simulate, type Normalisers, type Simulation } from '../rollout.js';
import { negLogProb } from '../losses.js';
import { disposeState, keepAll, mapState, readHostRecords, type EpochBatch, type OnPolicyTrainer, type PolicyUpdateSpec, type RolloutHooks, type RolloutOutcome } from '../trainer.js';

/** What the policy-gradient consumer gives an estimator at an action node. */
const ACTION_NODE = { name: 'the policy-gradient loss', cost: true, cotangent: true, state: false, surrogate: false };

const needsPathwise = (e: Estimator<any>) => e.requires.includes('pathwise');

/** The estimator's sampling design for the rollout's noise (actors on axis 0), if it has one. */
export const noiseDesign = (e: Estimator<any>): RolloutHooks => (e.designsNoise ? { designNoise: (noise) => e.designNoise(noise, 0) } : {});

/**
 * The RP loss (§2.3): −(1/N_start)·Σ over trajectory starts of (A + V(s)), differentiable through the
 * rollout. Its gradient with the plain action node is the reference's RP gradient.
 */
export function rpLoss(sim: Simulation): tf.Scalar {
  return tf.tidy(() => {
    const starts = tf.concat(sim.starts, 0);
    const total = tf.mul(tf.add(tf.concat(sim.advantages, 0), tf.concat(sim.values, 0)), starts);
    return tf.neg(tf.div(tf.sum(total), tf.sum(starts))) as tf.Scalar;
  });
}

/** The LR loss (§2.2): mean_i Â_i·nlp(u_i; μ_θ(s_i), σ_θ(s_i)), reported as the actor loss of cost-only estimators. */
export function lrLoss(trainer: OnPolicyTrainer, obs: tf.Tensor, actions: tf.Tensor, advantages: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const [mean, logStd] = trainer.actor.meanLogStd(obs);
    return tf.mean(tf.mul(advantages, negLogProb(actions, mean, logStd))) as tf.Scalar;
  });
}

/**
 * The node's backward at the actions of a stored batch: per-sample contributions to ∂/∂(μ, log σ)
 * for the cost f_i = −Â_i·scale (we minimise; `scale` 1/N makes their sum the batch gradient).
 */
function costContributions(estimator: Estimator<any>, batch: EpochBatch, scale: number): tf.Tensor2D {
  return tf.tidy(() => {
    const out = nodeBackward(estimator, { noise: batch.noise, mean: batch.mean, logStd: batch.logStd, cost: tf.mul(batch.normalisedAdvantages, -scale) });
    return tf.concat([out.perSample.mean, out.perSample.logStd], 1) as tf.Tensor2D;
  });
}

/** θ-gradients of Σ_i ⟨c_i, [μ_θ(s_i) | log σ_θ(s_i)]⟩: the VJP of the contributions through the actor. */
function actorVjp(trainer: OnPolicyTrainer, obs: tf.Tensor, contributions: tf.Tensor): tf.Tensor[] {
  const params = parametersOf(trainer.actor);
  const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(trainer.actor.apply(obs), stopGradient(contributions))) as tf.Scalar, params);
  value.dispose();
  return params.map((p) => grads[p.name]!);
}

/** A cost-only estimator's gradient on the stored batch, and the LR loss it is the gradient of. */
function costOnlyGradients(trainer: OnPolicyTrainer, estimator: Estimator<any>, batch: EpochBatch): { grads: tf.Tensor[]; loss: tf.Scalar } {
  return tf.tidy(() => {
    const contributions = costContributions(estimator, batch, 1 / batch.obs.shape[0]!);
    const grads = actorVjp(trainer, batch.obs, contributions);
    return { grads, loss: lrLoss(trainer, batch.obs, batch.actions, batch.normalisedAdvantages) };
  });
}

/**
 * The action node of a pathwise estimator: forward u = μ + exp(log σ)·ε; backward from the cotangent
 * ∂loss/∂u (and, for estimators that also use it, the step's cost share read once the rollout's
 * advantages exist). `undefined` for the built-in `rp`: autodiff of the expression is its backward, bit for bit.
 */
function actionNode(estimator: Estimator<any>, costs: Array<tf.Tensor | undefined>) {
  if (isBuiltinEstimator(estimator, 'rp')) return undefined;
  return (mean: tf.Tensor, logStd: tf.Tensor, noise: tf.Tensor, t: number) =>
    tf.customGrad(((m: tf.Tensor, ls: tf.Tensor, save: tf.GradSaveFunc) => {
      // Saved, not captured: tensors of a gradient scope's forward pass are freed before its backward pass.
      save([m, ls, noise]);
      return {
        value: tf.add(m, tf.mul(tf.exp(ls), noise)),
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
          const cost = costs[t];
          const out = nodeBackward(estimator, { noise: saved[2]!, mean: saved[0]!, logStd: saved[1]!, cotangent: dy as tf.Tensor, ...(cost ? { cost } : {}) });
          return [out.perSample.mean, out.perSample.logStd];
        },
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0])(mean, logStd);
}
/** The epoch's rollout with the graph, its batch, and the gradient of the RP loss through the estimator's nodes. */
async function pathwiseRollout(trainer: OnPolicyTrainer, estimator: Estimator<any>, norm: Normalisers): Promise<{ batch: EpochBatch; loss: number; grads: tf.Tensor[] }> {
  const params = parametersOf(trainer.actor);
  const { horizon, numActors } = trainer.config;
  const costs: Array<tf.Tensor | undefined> = new Array(horizon).fill(undefined);
  const node = actionNode(estimator, costs);
  let batch: EpochBatch | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const sim = trainer.simulate(norm, { ...noiseDesign(estimator), ...(node ? { sampleAction: node } : {}) });
    batch = trainer.batchFrom(sim);
    if (node && estimator.requires.includes('logProb')) {
      // Cost shares −Â/N of each step's actions, for the gradFuncs that run after this closure.
      const shares = tf.mul(batch.normalisedAdvantages, -1 / (horizon * numActors));
      // Kept: the forward pass's tensors are freed before the gradFuncs run.
      for (let t = 0; t < horizon; t++) costs[t] = tf.keep(tf.slice(shares, [t * numActors], [numActors]));
    }
    return rpLoss(sim);
  }, params);
  const loss = (await value.data())[0]!;
  value.dispose();
  tf.dispose(costs.filter((c): c is tf.Tensor => c !== undefined));
  return { batch: await readHostRecords(batch!), loss, grads: params.map((p) => grads[p.name]!) };
}

/**
 * A combinator's weights from per-sample θ-gradients (§2.4): `varEstNumSample` of them per part, in
 * float64. A cost-only part's samples are random actions of the batch; a pathwise part's are the
 * first trajectories of the epoch re-simulated alone from its start state with their own noise.
 */
async function partVariances(trainer: OnPolicyTrainer, parts: readonly Estimator<any>[], batch: EpochBatch, norm: Normalisers, startState: EnvState): Promise<number[]> {
  const { config } = trainer;
  const keep = config.varEstMaxGradLen > 0 ? config.varEstMaxGradLen : Number.POSITIVE_INFINITY;
  const record = async (stats: Welford | undefined, grads: tf.Tensor[]): Promise<Welford> => {
    const flat = tf.tidy(() => {
      const all = flattenTorchOrder(trainer.actor, grads);
      return all.size > keep ? tf.slice(all, [0], [keep]) : all;
    });
    const host = await flat.data();
    flat.dispose();
    grads.forEach((g) => g.dispose());
    const out = stats ?? new Welford(host.length);
    out.add(host);
    return out;
  };
  const variances: number[] = [];
  for (const part of parts) {
    let stats: Welford | undefined;
    if (!needsPathwise(part)) {
      const n = batch.obs.shape[0]!;
      const picks = Array.from(trainer.rng.permutation(n).slice(0, config.varEstNumSample));
      // Single-sample estimates: the contributions with cost −Â_i (no 1/N).
      const contributions = costContributions(part, batch, 1);
      for (const i of picks) {
        stats = await record(
          stats,
          tf.tidy(() => actorVjp(trainer, tf.slice(batch.obs, [i, 0], [1, -1]), tf.slice(contributions, [i, 0], [1, -1]))),
        );
      }
      contributions.dispose();
    } else {
      const { horizon: steps, numActors } = config;
      const node = actionNode(part, []);
      const params = parametersOf(trainer.actor);
      for (let j = 0; j < config.varEstNumSample; j++) {
        const grads = tf.tidy(() => {
          const { value, grads } = tf.variableGrads(() => {
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
              ...(node ? { sampleAction: node } : {}),
            });
            return tf.neg(tf.sum(tf.add(sim.advantages[0]!, sim.values[0]!))) as tf.Scalar;
          }, params);
          value.dispose();
          return params.map((p) => grads[p.name]!);
        });
        stats = await record(stats, grads);
      }
    }
    variances.push(stats!.traceCovariance());
  }
  return variances;
}

/**
 * `pg` as a policy update. A cost-only estimator learns from a detached rollout; a pathwise one
 * differentiates the rollout through its action nodes; a combinator (e.g. `lr+rp`) computes each
 * part's gradient, weighs the parts by the variances of their per-sample θ-gradients and steps
 * along the mixture (GI-PPO's LR+RP when the rule is `gippo`).
 */
export function pgUpdate(estimator: Estimator<any>): PolicyUpdateSpec {
  const parts = estimator.combination?.parts;
  for (const e of parts ?? [estimator]) checkNodeEstimator(e, ACTION_NODE);
  const pathwiseParts = (parts ?? [estimator]).filter(needsPathwise);
  return {
    differentiableEnv: pathwiseParts.length > 0,
    ppoActor: false,
    criticScheduled: true,
    create(trainer) {
      if (parts && pathwiseParts.length > 1) {
        throw new ConfigError('estimator', estimator.name, 'a combinator with at most one pathwise part (one rollout is differentiated per epoch)');
      }
      if (parts && trainer.config.numActors < trainer.config.varEstNumSample && pathwiseParts.length > 0) {
        throw new ConfigError('varEstNumSample', trainer.config.varEstNumSample, `at most numActors = ${trainer.config.numActors} (per-sample pathwise gradients use the first rollout step)`);
      }
      const schedule = trainer.linearSchedule(trainer.config.actorLr);
      const step = (grads: tf.Tensor[]) =>
        tf.tidy(() => {
          trainer.actorAdam.step(grads);
        });
      const hostLoss = async (loss: tf.Scalar) => {
        const out = (await loss.data())[0]!;
        loss.dispose();
        return out;
      };
      return {
        failOnNonFiniteLoss: true,
        actorLr: schedule,
        async rollout(norm, epoch): Promise<RolloutOutcome> {
          trainer.actorAdam.lr = schedule(epoch);
          if (!parts) {
            if (!needsPathwise(estimator)) {
              const batch = await trainer.detachedRollout(norm, noiseDesign(estimator));
              const { grads, loss } = costOnlyGradients(trainer, estimator, batch);
              step(grads);
              tf.dispose(grads);
              return { batch, actorLoss: await hostLoss(loss), metrics: {} };
            }
            const out = await pathwiseRollout(trainer, estimator, norm);
            step(out.grads);
            tf.dispose(out.grads);
            return { batch: out.batch, actorLoss: out.loss, metrics: {} };
          }
          // A combinator: one rollout (with the graph when a part is pathwise), each part's gradient, the weights, the mixture.
          const startState = tf.tidy(() => keepAll(mapState(trainer.currentEnvState, (t) => tf.clone(t))));
          try {
            const pathwisePart = pathwiseParts[0];
            const rolled = pathwisePart ? await pathwiseRollout(trainer, pathwisePart, norm) : undefined;
            const batch = rolled?.batch ?? (await trainer.detachedRollout(norm));
            const weights = estimator.combination!.weigh(await partVariances(trainer, parts, batch, norm, startState));
            let loss = 0;
            const partGrads: tf.Tensor[][] = [];
            for (const part of parts) {
              if (part === pathwisePart) {
                partGrads.push(rolled!.grads);
                loss += weights[partGrads.length - 1]! * rolled!.loss;
              } else {
                const out = costOnlyGradients(trainer, part, batch);
                partGrads.push(out.grads);
                loss += weights[partGrads.length - 1]! * (await hostLoss(out.loss));
              }
            }
            tf.tidy(() => {
              const mixed = partGrads[0]!.map((_, k) => partGrads.map((grads, p) => tf.mul(grads[k]!, weights[p]!)).reduce((a, b) => tf.add(a, b)));
              trainer.actorAdam.step(mixed);
            });
            partGrads.forEach((grads) => tf.dispose(grads));
            return { batch, actorLoss: loss, metrics: { k_lr: weights[0]! } };
          } finally {
            disposeState(startState);
          }
        },
        state: async () => ({}),
        load: () => {},
        dispose: () => {},
      };
    },
  };
}
