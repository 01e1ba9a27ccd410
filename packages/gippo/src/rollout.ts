import { tf, type Rng } from '@pathwise/core';
import { resetDone, type Env, type EnvState } from '@pathwise/envs';
import type { Actor } from './networks.js';
import type { MLP } from '@pathwise/core';

/** Frozen normaliser statistics used during one epoch's rollout (docs/algorithms/gippo.md §2.1). */
export interface Normalisers {
  /** [obsDim] tensors, or undefined when input normalisation is off. */
  obsMean?: tf.Tensor;
  obsScale?: tf.Tensor;
  /** Value de-normalisation: V = critic(s)·valueScale + valueMean. */
  valueMean: number;
  valueScale: number;
}

export interface SimulateOptions {
  env: Env;
  actor: Actor;
  targetCritic: MLP;
  norm: Normalisers;
  gamma: number;
  lambda: number;
  state: EnvState;
  steps: number;
  /** Standard-normal noise per step ([b, actDim]); sampled from `rng` when absent. */
  noise?: tf.Tensor[];
  rng: Rng;
  /** Zero tensors added to each step's action: d(objective)/d(probe_t) is the total derivative wrt u_t. */
  probes?: tf.Tensor[];
  /**
   * The action node u = μ + exp(log σ)·ε of step t. Default: that expression, differentiated by
   * autodiff. A policy-gradient estimator replaces it by a node whose backward pass is its own.
   */
  sampleAction?: (mean: tf.Tensor, logStd: tf.Tensor, noise: tf.Tensor, t: number) => tf.Tensor;
  /** An estimator's sampling design applied to each step's drawn noise [b, actDim] (actors on axis 0). */
  designNoise?: (noise: tf.Tensor) => tf.Tensor;
  /** Done flags of a previous rollout to reuse (per-sample re-simulation); computed when absent. */
  dones?: tf.Tensor[];
  /** Reset finished envs (the main rollout); per-sample re-simulations do not need it. */
  resetDone: boolean;
}

/** One rollout. Tensors with a gradient path are kept where the algorithm needs them. */
export interface Simulation {
  /** [T][b, obsDim]: normalised observations the policy saw. */
  obs: tf.Tensor[];
  /** [T][b, obsDim]: raw observations (for the normaliser update). */
  rawObs: tf.Tensor[];
  /** [T][b, actDim]: pre-tanh actions u (with the graph when inside a gradient scope). */
  actions: tf.Tensor[];
  noise: tf.Tensor[];
  mean: tf.Tensor[];
  logStd: tf.Tensor[];
  /** [T][b]. */
  rewards: tf.Tensor[];
  values: tf.Tensor[];
  nextValues: tf.Tensor[];
  /** [T][b] float32 1/0: the episode ended at this step (terminated or truncated). */
  dones: tf.Tensor[];
  /** [T][b] float32 1/0: early termination (collision, fall, non-finite state). */
  terminated: tf.Tensor[];
  /** [T][b] float32 1/0: the first step of a trajectory within this rollout. */
  starts: tf.Tensor[];
  /** [T][b] advantages (GAE), with the graph. */
  advantages: tf.Tensor[];
  /** The env state after the last step (finished envs reset when `resetDone`). */
  finalState: EnvState;
}

const LARGE_OBSERVATION = 1e6;

export function normaliseObs(obs: tf.Tensor, norm: Normalisers): tf.Tensor {
  return norm.obsMean && norm.obsScale ? tf.div(tf.sub(obs, norm.obsMean), norm.obsScale) : obs;
}

/** Un-normalised value of normalised observations under `critic`. */
export function valueOf(critic: MLP, obsNormalised: tf.Tensor, mean: number, scale: number): tf.Tensor {
  const v = tf.reshape(critic.apply(obsNormalised), [-1]);
  return scale === 1 && mean === 0 ? v : tf.add(tf.mul(v, scale), mean);
}

/**
 * Runs `steps` env steps with the current actor. Sampling: u = μ + σ·ε, the env gets tanh(u).
 * V(s) and V(s′) come from the target critic; V(s′) is zeroed on early termination and when s′ is
 * non-finite or huge, but kept on a time-limit end (bootstrapping through truncation).
 * Call it inside `tf.tidy` or a gradient scope; the caller keeps what it needs.
 */
export function simulate(o: SimulateOptions): Simulation {
  const sim: Simulation = {
    obs: [],
    rawObs: [],
    actions: [],
    noise: [],
    mean: [],
    logStd: [],
    rewards: [],
    values: [],
    nextValues: [],
    dones: [],
    terminated: [],
    starts: [],
    advantages: [],
    finalState: o.state,
  };
  const batch = o.state[Object.keys(o.state)[0]!]!.shape[0]!;
  let state = o.state;
  let start: tf.Tensor = tf.ones([batch]);
  for (let t = 0; t < o.steps; t++) {
    const raw = o.env.observe(state);
    const obs = normaliseObs(raw, o.norm);
    const [mean, logStd] = o.actor.meanLogStd(obs);
    const noise = o.noise?.[t] ?? (o.designNoise ? o.designNoise(o.rng.normalTensor([batch, o.env.actDim])) : o.rng.normalTensor([batch, o.env.actDim]));
    let u = o.sampleAction ? o.sampleAction(mean, logStd, noise, t) : tf.add(mean, tf.mul(tf.exp(logStd), noise));
    if (o.probes) u = tf.add(u, o.probes[t]!);
    const value = valueOf(o.targetCritic, obs, o.norm.valueMean, o.norm.valueScale);
    const step = o.env.step(state, tf.tanh(u));
    const terminated = tf.cast(step.terminated, 'float32');
    const ended = o.dones?.[t] ?? tf.cast(tf.logicalOr(step.terminated, step.truncated), 'float32');
    // s′ is the observation before any reset; a non-finite or huge s′ gets value 0 (and a safe input).
    const finite = tf.all(tf.logicalAnd(tf.isFinite(step.nextObs), tf.lessEqual(tf.abs(step.nextObs), LARGE_OBSERVATION)), 1);
    // tf.where broadcasts numpy-style: the [B] condition must become [B, 1] to select rows.
    const safeNext = tf.where(tf.reshape(finite, [batch, 1]), step.nextObs, tf.zerosLike(step.nextObs));
    const keepNext = tf.mul(tf.cast(finite, 'float32'), tf.sub(1, terminated));
    const nextValue = tf.mul(valueOf(o.targetCritic, normaliseObs(safeNext, o.norm), o.norm.valueMean, o.norm.valueScale), keepNext);
    sim.obs.push(obs);
    sim.rawObs.push(raw);
    sim.actions.push(u);
    sim.noise.push(noise);
    sim.mean.push(mean);
    sim.logStd.push(logStd);
    sim.rewards.push(step.reward);
    sim.values.push(value);
    sim.nextValues.push(nextValue);
    sim.dones.push(ended);
    sim.terminated.push(terminated);
    sim.starts.push(start);
    start = ended;
    state = o.resetDone ? resetDone(o.env, step.state, tf.logicalOr(step.terminated, step.truncated), o.rng) : step.state;
  }
  sim.advantages = gae(sim.rewards, sim.values, sim.nextValues, sim.dones, o.gamma, o.lambda);
  sim.finalState = state;
  return sim;
}

/**
 * Generalised advantage estimation, backwards: δ_t = r_t + γ·V(s′_t) − V(s_t),
 * A_t = δ_t + γλ·(1 − done_t)·A_{t+1}, A_T = 0. Differentiable (tensor ops).
 */
export function gae(rewards: tf.Tensor[], values: tf.Tensor[], nextValues: tf.Tensor[], dones: tf.Tensor[], gamma: number, lambda: number): tf.Tensor[] {
  const out: tf.Tensor[] = new Array(rewards.length);
  let next: tf.Tensor | undefined;
  for (let t = rewards.length - 1; t >= 0; t--) {
    const delta = tf.sub(tf.add(rewards[t]!, tf.mul(nextValues[t]!, gamma)), values[t]!);
    out[t] = next === undefined ? delta : tf.add(delta, tf.mul(tf.mul(next, tf.sub(1, dones[t]!)), gamma * lambda));
    next = out[t];
  }
  return out;
}
