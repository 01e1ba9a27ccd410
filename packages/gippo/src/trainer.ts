// The on-policy trainer and the interface its algorithms plug into (PolicyUpdate). One file: the
// interface is the trainer's contract, and splitting them made a type cycle.
import {
  Adam,
  NonFiniteError,
  RunningMeanStd,
  Rng,
  ConfigError,
  linearSchedule,
  loadParameters,
  parametersOf,
  saveParameters,
  tf,
  type AdamState,
  type AlgorithmRun,
  type EpochMetrics,
  type MLP,
  type ParameterJSON,
  type RngState,
  type RunningMeanStdState,
} from '@pathwise/core';
import type { Env, EnvState } from '@pathwise/envs';
import type { TrainerConfig } from './config.js';
import { Actor, makeCritic, polyak } from './networks.js';
import { AverageMeter } from './meters.js';
import { simulate, type Normalisers, type Simulation, type SimulateOptions } from './rollout.js';
import { normaliseAdvantages } from './losses.js';
import { criticLossKernel, hostLosses } from './loss-kernels.js';

export interface TrainerOptions {
  env: Env;
  config: TrainerConfig;
  seed: number;
  /** The algorithm's part: how the actor learns. */
  update: PolicyUpdateSpec;
}

// The algorithm's side of the trainer (in this file: the trainer and its plugin interface are one contract).
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

/** What an algorithm may change in the trainer's rollout: probes, the action node, the noise design. */
export type RolloutHooks = Pick<SimulateOptions, 'probes' | 'sampleAction' | 'designNoise'>;

/** Everything one epoch's updates need, detached from the rollout graph. */
export interface EpochBatch {
  /** [N, obsDim] normalised observations, time-major (index = t·B + actor). */
  obs: tf.Tensor2D;
  /** [N, actDim] pre-tanh actions. */
  actions: tf.Tensor2D;
  noise: tf.Tensor2D;
  /** [N, obsDim] raw observations (the normaliser learns from them after the epoch). */
  rawObs: tf.Tensor2D;
  mean: tf.Tensor2D;
  logStd: tf.Tensor2D;
  /** [N] un-normalised GAE advantages and values. */
  advantages: tf.Tensor1D;
  values: tf.Tensor1D;
  /** [N] normalised advantages (or the raw ones when normalisation is off). */
  normalisedAdvantages: tf.Tensor1D;
  /** [T·B] rewards, done and start flags (host copies below, read with `readHostRecords`). */
  rewardTensor: tf.Tensor1D;
  doneTensor: tf.Tensor1D;
  startTensor: tf.Tensor1D;
  /** Host copies, filled by `readHostRecords` (asynchronous reads: WebGPU has no synchronous download). */
  rewards: Float32Array;
  dones: Float32Array;
  starts: Float32Array;
}

/** Reads a batch's rewards and flags to the host. */
export async function readHostRecords(batch: EpochBatch): Promise<EpochBatch> {
  const [rewards, dones, starts] = await Promise.all([batch.rewardTensor.data(), batch.doneTensor.data(), batch.startTensor.data()]);
  batch.rewards = rewards as Float32Array;
  batch.dones = dones as Float32Array;
  batch.starts = starts as Float32Array;
  return batch;
}

/** The JSON a checkpoint stores (docs/architecture.md §6 "whatever resume needs"): the trainer's and the algorithm's. */
export interface TrainerState {
  version: 2;
  epoch: number;
  steps: number;
  bestReward: number;
  reward: number;
  meter: { mean: number; count: number };
  rng: RngState;
  actor: ParameterJSON;
  critic: ParameterJSON;
  targetCritic: ParameterJSON;
  actorAdam: AdamState;
  criticAdam: AdamState;
  obsRms: RunningMeanStdState;
  valueRms: RunningMeanStdState;
  envState: Record<string, { shape: number[]; dtype: string; values: number[] }>;
  episodeReturn: number[];
  /** The algorithm's own state (e.g. GI-PPO's α, its optimiser and bias statistics). */
  update: unknown;
}

/**
 * The on-policy trainer of docs/algorithms/gippo.md §2.1. One `epoch()` = rollout (horizon × numActors) and
 * GAE, the algorithm's pre-critic update, critic update, target-critic update, then the algorithm's
 * post-critic update. It knows no algorithm: each is a `PolicyUpdateSpec` (see `algorithms/`).
 */
export class OnPolicyTrainer implements AlgorithmRun {
  readonly env: Env;
  readonly config: TrainerConfig;
  rng: Rng;
  readonly actor: Actor;
  readonly critic: MLP;
  readonly targetCritic: MLP;
  /** The main actor optimiser: config betas and the schedule, or a PPO stage's (PyTorch default betas). */
  readonly actorAdam: Adam;
  readonly criticAdam: Adam;
  readonly obsRms: RunningMeanStd;
  readonly valueRms: RunningMeanStd;
  readonly meter = new AverageMeter(100);
  /** The algorithm's part. */
  readonly update: PolicyUpdate;
  epochCount = 0;
  steps = 0;
  /** Wall milliseconds per phase of the last epoch (rollout, actor, alpha, critic, ppo): where the time goes. */
  lastTimings: Record<string, number> = {};
  bestReward = Number.NEGATIVE_INFINITY;
  private envState: EnvState;
  private episodeReturn: Float64Array;
  private readonly criticSchedule: (e: number) => number;

  constructor(options: TrainerOptions) {
    const { env, config, update } = options;
    // A config from before envKernel and mlpKernel existed (a resumed run) keeps the defaults.
    const kernel = config.envKernel ?? 'auto';
    const stepping = kernel === 'auto' ? env : env.with({ kernel });
    this.env = update.differentiableEnv ? stepping : stepping.with({ detached: true });
    this.config = config;
    this.rng = new Rng(options.seed);
    const init = this.rng.fork(1);
    const mlpKernel = config.mlpKernel ?? 'auto';
    this.actor = new Actor(env.obsDim, env.actDim, config.actorHidden, config.activation, init, mlpKernel);
    this.critic = makeCritic(env.obsDim, config.criticHidden, config.activation, init, 'critic', mlpKernel);
    this.targetCritic = makeCritic(env.obsDim, config.criticHidden, config.activation, init, 'target_critic', mlpKernel);
    polyak(this.targetCritic, this.critic, 0);
    const [b1, b2] = config.betas as [number, number];
    this.actorAdam = new Adam(parametersOf(this.actor), {
      lr: config.actorLr,
      betas: update.ppoActor ? [0.9, 0.999] : [b1, b2],
      maxGradNorm: config.gradNorm,
    });
    this.criticAdam = new Adam(parametersOf(this.critic), { lr: config.criticLr, betas: [b1, b2], maxGradNorm: config.gradNorm, nanToZero: true });
    this.obsRms = new RunningMeanStd(env.obsDim);
    this.valueRms = new RunningMeanStd(1);
    this.criticSchedule = update.criticScheduled ? this.linearSchedule(config.criticLr) : () => config.criticLr;
    this.update = update.create(this);
    this.envState = tf.tidy(() => keepAll(this.env.reset(config.numActors, this.rng)));
    this.episodeReturn = new Float64Array(config.numActors);
  }

  /** lr(e) = lr0 + (lrFinal − lr0)·e/maxEpochs under the `linear` schedule; constant otherwise. */
  linearSchedule(lr0: number): (epoch: number) => number {
    const { config } = this;
    return config.lrSchedule === 'linear' ? linearSchedule({ from: lr0, to: config.lrFinal, steps: config.maxEpochs }) : () => lr0;
  }

  /** Trains one epoch and returns its metrics row (the universal columns, then the algorithm's). */
  async epoch(): Promise<EpochMetrics> {
    const e = this.epochCount + 1;
    const { config, update } = this;
    const criticLr = this.criticSchedule(e);
    this.criticAdam.lr = criticLr;
    const norm = this.frozenNormalisers();
    const timings: Record<string, number> = {};
    let mark = performance.now();
    const lap = (phase: string) => {
      const now = performance.now();
      timings[phase] = (timings[phase] ?? 0) + now - mark;
      mark = now;
    };

    // 1. Rollout (with the graph where the algorithm differentiates through it) and the pre-critic update.
    const outcome = await update.rollout(norm, e);
    const { batch } = outcome;
    let actorLoss = outcome.actorLoss;
    lap('rollout+actor');
    this.checkRewards(batch.rewards, e);
    const finished = this.recordEpisodes(batch);
    const extra: Record<string, number> = { ...outcome.metrics };
    if (update.beforeCritic) Object.assign(extra, await update.beforeCritic(batch));
    lap('alpha');

    // 2. Critic on the (detached) targets A + V, then the target critic.
    const criticLoss = await this.updateCritic(batch);
    polyak(this.targetCritic, this.critic, config.targetCriticAlpha);
    lap('critic');

    // 3. The post-critic update (PPO from the stored batch, or from GI-PPO's α-policy).
    if (update.afterCritic) actorLoss = await update.afterCritic(batch);
    lap('ppo');
    if (!Number.isFinite(actorLoss) && update.failOnNonFiniteLoss) throw new NonFiniteError(`epoch ${e}: the actor loss`, 1, 1);

    // 4. Normalisers learn from this epoch's data; the next epoch freezes the new statistics.
    if (config.normalizeInput) this.obsRms.update(await batch.rawObs.data(), batch.rawObs.shape[0]);
    disposeBatch(batch);
    disposeNormalisers(norm);

    lap('bookkeeping');
    this.lastTimings = timings;
    this.epochCount = e;
    this.steps += config.numActors * config.horizon;
    const reward = this.meter.count > 0 ? this.meter.mean : Number.NaN;
    if (finished > 0 && reward > this.bestReward) this.bestReward = reward;
    return {
      epoch: e,
      steps: this.steps,
      reward,
      // NaN, not −Infinity, until an episode has finished.
      best_reward: Number.isFinite(this.bestReward) ? this.bestReward : Number.NaN,
      actor_loss: actorLoss,
      critic_loss: criticLoss,
      actor_lr: update.actorLr(e),
      critic_lr: criticLr,
      ...extra,
    };
  }

  /** Statistics frozen at the start of the epoch (the reference normalises with a copy). */
  frozenNormalisers(): Normalisers {
    const norm: Normalisers = { valueMean: 0, valueScale: 1 };
    if (this.config.normalizeInput) {
      norm.obsMean = tf.keep(tf.tensor1d(Float32Array.from(this.obsRms.mean)));
      norm.obsScale = tf.keep(tf.tensor1d(Float32Array.from(this.obsRms.scale())));
    }
    if (this.config.normalizeValue) {
      norm.valueMean = this.valueRms.mean[0]!;
      norm.valueScale = this.valueRms.scale()[0]!;
    }
    return norm;
  }

  /** Rollout without a gradient path, with its host records read. */
  async detachedRollout(norm: Normalisers, extra: RolloutHooks = {}): Promise<EpochBatch> {
    let batch: EpochBatch | undefined;
    tf.tidy(() => {
      batch = this.batchFrom(this.simulate(norm, extra));
    });
    return readHostRecords(batch!);
  }

  /** Runs the epoch's rollout from the current env state and advances it. */
  simulate(norm: Normalisers, extra: RolloutHooks = {}): Simulation {
    const sim = simulate({
      env: this.env,
      actor: this.actor,
      targetCritic: this.targetCritic,
      norm,
      gamma: this.config.gamma,
      lambda: this.config.lambda,
      state: this.envState,
      steps: this.config.horizon,
      rng: this.rng,
      resetDone: true,
      ...extra,
    });
    const next = keepAll(mapState(sim.finalState, (t) => tf.clone(t)));
    disposeState(this.envState);
    this.envState = next;
    return sim;
  }

  /** Detached, kept copies of a rollout's records, flattened time-major. Call inside `tf.tidy`. */
  batchFrom(sim: Simulation): EpochBatch {
    const flat = (xs: tf.Tensor[]) =>
      tf.keep(
        tf.concat(
          xs.map((x) => tf.clone(x)),
          0,
        ),
      );
    const advantages = flat(sim.advantages) as tf.Tensor1D;
    return {
      obs: flat(sim.obs) as tf.Tensor2D,
      actions: flat(sim.actions) as tf.Tensor2D,
      noise: flat(sim.noise) as tf.Tensor2D,
      mean: flat(sim.mean) as tf.Tensor2D,
      logStd: flat(sim.logStd) as tf.Tensor2D,
      advantages,
      values: flat(sim.values) as tf.Tensor1D,
      normalisedAdvantages: tf.keep(this.config.normalizeAdvantage ? normaliseAdvantages(advantages) : tf.clone(advantages)) as tf.Tensor1D,
      rewardTensor: flat(sim.rewards) as tf.Tensor1D,
      doneTensor: flat(sim.dones) as tf.Tensor1D,
      startTensor: flat(sim.starts) as tf.Tensor1D,
      rewards: new Float32Array(0),
      dones: new Float32Array(0),
      starts: new Float32Array(0),
      rawObs: flat(sim.rawObs) as tf.Tensor2D,
    };
  }

  private checkRewards(rewards: Float32Array, epoch: number): void {
    let bad = 0;
    for (const r of rewards) if (!Number.isFinite(r)) bad++;
    if (bad > 0) throw new NonFiniteError(`epoch ${epoch}: rewards`, bad, rewards.length);
  }

  /** Adds this epoch's rewards to the running episode returns; finished episodes go to the meter. */
  private recordEpisodes(batch: EpochBatch): number {
    const b = this.config.numActors;
    const finished: number[] = [];
    for (let t = 0; t < this.config.horizon; t++) {
      for (let j = 0; j < b; j++) {
        const i = t * b + j;
        this.episodeReturn[j] = this.episodeReturn[j]! + batch.rewards[i]!;
        if (batch.dones[i]! > 0.5) {
          finished.push(this.episodeReturn[j]!);
          this.episodeReturn[j] = 0;
        }
      }
    }
    this.meter.update(finished);
    return finished.length;
  }

  /** §2.1 step 5: minibatch MSE of the un-normalised prediction against A + V; NaN grads → 0; clipped. */
  private async updateCritic(batch: EpochBatch): Promise<number> {
    const { config } = this;
    const targets = tf.tidy(() => tf.add(batch.advantages, batch.values));
    let mean = 0;
    let scale = 1;
    if (config.normalizeValue) {
      const host = await targets.data();
      this.valueRms.update(host, host.length);
      mean = this.valueRms.mean[0]!;
      scale = this.valueRms.scale()[0]!;
    }
    const n = targets.shape[0]!;
    const size = n / config.criticNumBatch;
    const params = parametersOf(this.critic);
    const minibatches = tf.tidy(() =>
      Array.from({ length: config.criticNumBatch }, (_, k) => tf.keep(tf.slice(batch.obs, [k * size, 0], [size, -1]))).map((obs, k) => ({
        obs,
        y: tf.keep(tf.slice(targets, [k * size], [size])),
      })),
    );
    let total = tf.scalar(0);
    const host = hostLosses(config.mlpKernel);
    for (let it = 0; it < config.criticIterations; it++) {
      for (const mb of minibatches) {
        const next = tf.tidy(() => {
          const { value, grads } = tf.variableGrads(() => {
            if (host) return criticLossKernel(this.critic.apply(mb.obs), mb.y, scale, mean);
            const prediction = tf.add(tf.mul(tf.reshape(this.critic.apply(mb.obs), [-1]), scale), mean);
            return tf.mean(tf.square(tf.sub(prediction, mb.y))) as tf.Scalar;
          }, params);
          this.criticAdam.step(grads);
          return tf.add(total, value) as tf.Scalar;
        });
        total.dispose();
        total = next;
      }
    }
    const steps = config.criticIterations * config.criticNumBatch;
    const loss = steps > 0 ? (await total.data())[0]! / steps : Number.NaN;
    total.dispose();
    targets.dispose();
    minibatches.forEach((mb) => {
      mb.obs.dispose();
      mb.y.dispose();
    });
    return loss;
  }

  async state(): Promise<TrainerState> {
    const envState: TrainerState['envState'] = {};
    for (const [key, value] of Object.entries(this.envState)) {
      envState[key] = { shape: [...value.shape], dtype: value.dtype, values: Array.from(await value.data()) };
    }
    return {
      version: 2,
      epoch: this.epochCount,
      steps: this.steps,
      bestReward: this.bestReward,
      reward: this.meter.mean,
      meter: this.meter.state(),
      rng: this.rng.state(),
      actor: await saveParameters(this.actor),
      critic: await saveParameters(this.critic),
      targetCritic: await saveParameters(this.targetCritic),
      actorAdam: await this.actorAdam.state(),
      criticAdam: await this.criticAdam.state(),
      obsRms: this.obsRms.state(),
      valueRms: this.valueRms.state(),
      envState,
      episodeReturn: Array.from(this.episodeReturn),
      update: await this.update.state(),
    };
  }

  load(raw: unknown): void {
    const state = raw as TrainerState;
    if (state?.version !== 2) throw new ConfigError('checkpoint', { version: state?.version }, 'a version-2 on-policy checkpoint');
    this.epochCount = state.epoch;
    this.steps = state.steps;
    this.bestReward = state.bestReward ?? Number.NEGATIVE_INFINITY;
    this.meter.load(state.meter);
    this.rng = Rng.fromState(state.rng);
    loadParameters(this.actor, state.actor);
    loadParameters(this.critic, state.critic);
    loadParameters(this.targetCritic, state.targetCritic);
    this.actorAdam.load(state.actorAdam);
    this.criticAdam.load(state.criticAdam);
    this.obsRms.load(state.obsRms);
    this.valueRms.load(state.valueRms);
    this.update.load(state.update);
    disposeState(this.envState);
    this.envState = tf.tidy(() => keepAll(Object.fromEntries(Object.entries(state.envState).map(([k, v]) => [k, tf.tensor(v.values, v.shape, v.dtype as tf.DataType)]))));
    this.episodeReturn = Float64Array.from(state.episodeReturn);
  }

  dispose(): void {
    this.actor.dispose();
    this.critic.dispose();
    this.targetCritic.dispose();
    this.actorAdam.dispose();
    this.update.dispose();
    this.criticAdam.dispose();
    disposeState(this.envState);
  }

  /** Current env state (read-only use; per-sample re-simulations slice it). */
  get currentEnvState(): EnvState {
    return this.envState;
  }
}

/** Reorders a time-major [T·B, ...] tensor actor-major (index = actor·T + t), the PPO dataset order. */
export function actorMajor<T extends tf.Tensor>(x: T, config: TrainerConfig): T {
  return tf.tidy(() => {
    const { horizon: t, numActors: b } = config;
    if (t === 1) return tf.clone(x);
    const rest = x.shape.slice(1);
    const perm = [1, 0, ...rest.map((_, i) => i + 2)];
    return tf.reshape(tf.transpose(tf.reshape(x, [t, b, ...rest]), perm), x.shape) as T;
  });
}

function disposeBatch(batch: EpochBatch): void {
  for (const value of Object.values(batch)) if (value instanceof tf.Tensor) value.dispose();
}

function disposeNormalisers(norm: Normalisers): void {
  norm.obsMean?.dispose();
  norm.obsScale?.dispose();
}

export function keepAll(state: EnvState): EnvState {
  for (const value of Object.values(state)) tf.keep(value);
  return state;
}

export function disposeState(state: EnvState): void {
  for (const value of Object.values(state)) value.dispose();
}

function cloneState(state: EnvState): EnvState {
  return mapState(state, (t) => tf.clone(t));
}

export function mapState(state: EnvState, fn: (t: tf.Tensor) => tf.Tensor): EnvState {
  return Object.fromEntries(Object.entries(state).map(([k, v]) => [k, fn(v)]));
}
