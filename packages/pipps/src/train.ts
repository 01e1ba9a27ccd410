// One file: the PIPPS policy-search loop with the pieces only it uses (real episodes on the noisy
// cart-pole, the model particle system, trajectory prediction, checkpoint types), kept together so
// the stream keys and the checkpoint stay in one place.
import { Adam, ConfigError, countNonFinite, makeVariable, Rng, tf, Welford, type AdamState, type RngState } from '@pathwise/core';
import { cartpolePilcoEnv, type Env } from '@pathwise/envs';
import { makePropagator, PIPPS_METHODS } from './propagators.js';
import { FiniteMean, gradientToHost, pippsGradient } from './rollout.js';
import { particleViews } from './step-vjp.js';
import { cartpoleCost, initRbfPolicy, rbfAction } from './systems.js';
import type { ParticleSystem } from './types.js';
import type { EnsembleOptions } from './models/ensemble.js';
import type { GpOptions } from './models/gp.js';
import { getModel, hasModel, listModels } from './models/registry.js';
import { concatTransitions, emptyTransitions, transitionsFromJSON, transitionsToJSON, type DynamicsModel, type TransitionData, type TransitionJSON } from './models/types.js';

/** Swing-up start (spec §4.1): hanging, at rest. */
const START = [0, Math.PI, 0, 0] as const;
const STATE_DIM = 4;
const ACTION_DIM = 1;

export interface TrainPippsOptions {
  /** The estimator at every node: tp (default), rp, lr, gr (PIPPS_METHODS) or any registered estimator. */
  method?: string;
  /** A registered dynamics model: gp (default), ensemble, true or a plugin. */
  model?: string;
  /** Learned trials after the random one (spec §4.2: 15). */
  trials?: number;
  particles?: number;
  horizon?: number;
  /** Policy gradient steps per trial. */
  policySteps?: number;
  seed?: number;
  /** Real evaluation episodes per trial (spec: 30). */
  evalEpisodes?: number;
  /** RBF centres C (spec: 50). */
  centres?: number;
  policyLr?: number;
  policyEps?: number;
  /** Observation-noise scale k of the real system (spec §4.1: 1). */
  observationNoise?: number;
  /** Std of the initial state, real and simulated (spec: 0.02). */
  initStd?: number;
  gp?: GpOptions;
  ensemble?: EnsembleOptions;
}

export type ResolvedPippsConfig = Required<Omit<TrainPippsOptions, 'gp' | 'ensemble'>> & { gp: GpOptions; ensemble: EnsembleOptions };

export function resolvePippsConfig(options: TrainPippsOptions = {}): ResolvedPippsConfig {
  const c: ResolvedPippsConfig = {
    method: options.method ?? 'tp',
    model: options.model ?? 'gp',
    trials: options.trials ?? 15,
    particles: options.particles ?? 300,
    horizon: options.horizon ?? 30,
    policySteps: options.policySteps ?? 250,
    seed: options.seed ?? 0,
    evalEpisodes: options.evalEpisodes ?? 30,
    centres: options.centres ?? 50,
    policyLr: options.policyLr ?? 1e-2,
    policyEps: options.policyEps ?? 1e-4,
    observationNoise: options.observationNoise ?? 1,
    initStd: options.initStd ?? 0.02,
    gp: options.gp ?? {},
    ensemble: options.ensemble ?? {},
  };
  makePropagator(c.method); // an unknown name or an estimator the tape cannot run fails here
  if (!hasModel(c.model)) throw new ConfigError('model', c.model, modelNames().join(', '));
  const model = getModel(c.model);
  const integer = (key: keyof ResolvedPippsConfig, minimum: number) => {
    const v = c[key] as number;
    if (!Number.isInteger(v) || v < minimum) throw new ConfigError(key, v, `an integer >= ${minimum}`);
  };
  integer('trials', 1);
  integer('particles', 2);
  integer('horizon', 1);
  integer('policySteps', 0);
  integer('evalEpisodes', 2);
  integer('centres', 1);
  for (const key of ['policyLr', 'policyEps'] as const) if (!(c[key] > 0)) throw new ConfigError(key, c[key], 'a positive number');
  for (const key of ['observationNoise', 'initStd'] as const) if (!(c[key] >= 0)) throw new ConfigError(key, c[key], 'a number >= 0');
  if (c.method === 'gr' && c.particles <= STATE_DIM) throw new ConfigError('particles', c.particles, `more than the state dimension ${STATE_DIM} for gr`);
  const multiple = model.rowMultiple(modelOptions(c, c.model));
  if (c.particles % multiple !== 0) throw new ConfigError('particles', c.particles, `a multiple of the ${c.model} model's ${multiple} (particle i uses member i mod ${multiple})`);
  return c;
}

/** The options of model `name` in a PIPPS config: the object under its name (`gp`, `ensemble`), else none. */
function modelOptions(config: object, name: string): Record<string, unknown> {
  const value = (config as Record<string, unknown>)[name];
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** The registered model `name` for the cart-pole (state 4, action 1), with its options from `config`. */
export function makeDynamicsModel(name: string, config: Pick<ResolvedPippsConfig, 'gp' | 'ensemble'> = { gp: {}, ensemble: {} }): DynamicsModel {
  return getModel(name).create({ stateDim: STATE_DIM, actionDim: ACTION_DIM, options: modelOptions(config, name) });
}

/** The registered model names (for help texts). */
export function modelNames(): string[] {
  return listModels().map((m) => m.name);
}

/** One metrics.csv row. */
export interface PippsMetricsRow {
  trial: number;
  /** Mean over the evaluation episodes of the summed 30 step costs on the real system. */
  eval_cost_mean: number;
  /** Their sample std (N − 1). */
  eval_cost_std: number;
  /** The fitted model's NLL per transition on this trial's evaluation episodes (held out). */
  model_nll: number;
  /** Policy updates applied this trial (steps with a non-finite gradient are skipped and counted). */
  policy_steps: number;
  /** Seconds since the start of the run, resumed time included. */
  wall_s: number;
}

export const PIPPS_METRICS_COLUMNS = ['trial', 'eval_cost_mean', 'eval_cost_std', 'model_nll', 'policy_steps', 'wall_s'] as const;

/** Predicted particle mean ± std vs a real rollout (the `trajectory.svg` data). */
export interface TrajectoryComparison {
  /** [T+1][D] particle mean and std of the model rollout from the simulated start distribution. */
  predictedMean: number[][];
  predictedStd: number[][];
  /** [31][D] true states of the first evaluation episode. */
  real: number[][];
}

/** Per-trial figures beyond the metrics row (summary.json). */
export interface PippsTrialDetails {
  trial: number;
  data_points: number;
  fit_s: number;
  fit_loss: number;
  policy_s: number;
  ms_per_policy_step: number;
  /** Steps whose gradient had NaN/Inf (skipped). */
  nonfinite_steps: number;
  /** Mean model objective Ĵ over the last 10 % of the steps. */
  model_cost_final: number;
  /** Mean k_LR over nodes and steps (TP only; null otherwise). */
  mean_k_lr: number | null;
  eval_s: number;
}

export interface PippsPolicyJSON {
  weights: number[];
  centres: number[];
  logInverseLengthscale: number[];
}

/** Everything a resumed run needs: it continues exactly as the uninterrupted run (same backend). */
export interface PippsCheckpoint {
  version: 1;
  config: ResolvedPippsConfig;
  trialsDone: number;
  data: TransitionJSON;
  policy: PippsPolicyJSON;
  /** The root RNG; every trial forks its streams from it by trial index, so it never advances. */
  rng: RngState;
  rows: PippsMetricsRow[];
  details: PippsTrialDetails[];
  trajectory?: TrajectoryComparison;
  wallSeconds: number;
  /** A trial stopped between policy steps (SIGINT/SIGTERM): the next `trial()` finishes it exactly. */
  partial?: PippsPartialTrial;
}

/** A trial stopped after `stepsDone` policy steps; its new episode is already in `data`. */
export interface PippsPartialTrial {
  trial: number;
  stepsDone: number;
  adam: AdamState;
  policyRng: RngState;
  objectives: number[];
  kLR: { sum: number; count: number };
  applied: number;
  nonfinite: number;
  policySeconds: number;
}

export interface TrainPippsHooks {
  /** Continue from this checkpoint (its config must equal the resolved options). */
  resume?: PippsCheckpoint;
  /** After every trial, with the checkpoint to save (before the next trial starts). */
  onTrial?: (row: PippsMetricsRow, checkpoint: PippsCheckpoint) => void | Promise<void>;
  onPolicyStep?: (trial: number, step: number, steps: number) => void;
  /** Polled after every trial: true stops the run (resumable from the last checkpoint). */
  shouldStop?: (trialsDone: number) => boolean;
}

export interface PippsTrainResult {
  config: ResolvedPippsConfig;
  rows: PippsMetricsRow[];
  details: PippsTrialDetails[];
  checkpoint: PippsCheckpoint;
  finished: boolean;
}

interface Policy {
  variables: tf.Variable[];
}

function policyToJSON(policy: Policy): PippsPolicyJSON {
  const [w, c, l] = policy.variables.map((v) => Array.from(v.dataSync()));
  return { weights: w!, centres: c!, logInverseLengthscale: l! };
}

/** The RBF policy u = π(x) on a batch x [B, D] (shared parameters, tiled as per-row views). */
function policyAction(policy: Policy, x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const [w, c, l] = particleViews(policy.variables, x.shape[0]!);
    return rbfAction(x, w!, c!, l!);
  });
}

/** The particle system of spec §1.2: policy ∘ learned model, start N([0, π, 0, 0], σ_0²I), swing-up cost. */
export function modelParticleSystem(model: DynamicsModel, params: readonly tf.Tensor[], initStd: number): ParticleSystem {
  return {
    name: `cartpole-${model.name}`,
    stateDim: STATE_DIM,
    params,
    initial: (P, rng) => tf.tidy(() => tf.add(tf.mul(rng.normalTensor([P, STATE_DIM]), initStd), tf.tensor1d([...START]))),
    predict: (x, [w, c, l]) => {
      const u = rbfAction(x, w!, c!, l!);
      const { mean, std } = model.predict(x, u);
      return { mean: tf.add(x, mean), std };
    },
    cost: (x) => cartpoleCost(x),
  };
}

interface Episodes {
  data: TransitionData;
  /** Summed step costs per episode (on the true state). */
  costs: Float64Array;
  /** [episodes][steps+1][D] true states. */
  trueStates: number[][][];
}

/**
 * Runs `episodes` real episodes of the noisy cart-pole in one batch: the policy (or uniform random
 * actions) sees noisy observations; the recorded transitions are observations (what the model is
 * trained on); the cost is on the true state (spec §7.2.8).
 */
function realEpisodes(observationNoise: number, initStd: number, episodes: number, rng: Rng, policy: Policy | 'random'): Episodes {
  const env = cartpolePilcoEnv({ observationNoise, initStd, nonFinite: 'off' }) as unknown as Env;
  const L = env.episodeLength;
  const B = episodes;
  const D = STATE_DIM;
  const states = new Float64Array(B * L * D);
  const actions = new Float64Array(B * L);
  const nextStates = new Float64Array(B * L * D);
  const costs = new Float64Array(B);
  const trueStates: number[][][] = Array.from({ length: B }, () => []);
  const keys = ['p', 'phi', 'pDot', 'phiDot'];
  const recordTruth = (state: Record<string, tf.Tensor>) => {
    const truth = tf.tidy(() =>
      tf.stack(
        keys.map((k) => state[k]!),
        1,
      ),
    );
    const values = truth.dataSync();
    truth.dispose();
    for (let b = 0; b < B; b++) trueStates[b]!.push(Array.from(values.subarray(b * D, b * D + D)));
  };
  let state = env.reset(B, rng) as Record<string, tf.Tensor>;
  recordTruth(state);
  for (let t = 0; t < L; t++) {
    const obs = env.observe(state);
    const action = policy === 'random' ? rng.uniformTensor([B, ACTION_DIM], -1, 1) : policyAction(policy, obs);
    const result = env.step(state, action);
    const [o, a, n, r] = [obs, action, result.nextObs, result.reward].map((x) => x.dataSync());
    for (let b = 0; b < B; b++) {
      const row = b * L + t; // episode-major: each episode's transitions stay together
      for (let d = 0; d < D; d++) {
        states[row * D + d] = o![b * D + d]!;
        nextStates[row * D + d] = n![b * D + d]!;
      }
      actions[row] = Math.max(-1, Math.min(1, a![b]!)); // the env clips; store what acted
      costs[b] = costs[b]! - r![b]!;
    }
    tf.dispose([obs, action, result.obs, result.nextObs, result.reward, result.terminated, result.truncated]);
    tf.dispose(Object.values(state));
    state = result.state as Record<string, tf.Tensor>;
    recordTruth(state);
  }
  tf.dispose(Object.values(state));
  return { data: { count: B * L, stateDim: D, actionDim: ACTION_DIM, states, actions, nextStates }, costs, trueStates };
}

/** Particle mean and std per step of a forward rollout through the model (no gradient). */
function predictTrajectory(system: ParticleSystem, particles: number, horizon: number, rng: Rng): { mean: number[][]; std: number[][] } {
  const mean: number[][] = [];
  const std: number[][] = [];
  const views = particleViews(system.params, particles);
  let x = system.initial(particles, rng);
  const record = () => {
    const moments = tf.tidy(() => {
      const m = tf.mean(x, 0);
      return tf.stack([m, tf.sqrt(tf.mean(tf.square(tf.sub(x, m)), 0))]);
    });
    const v = moments.dataSync();
    moments.dispose();
    mean.push(Array.from(v.subarray(0, STATE_DIM)));
    std.push(Array.from(v.subarray(STATE_DIM, 2 * STATE_DIM)));
  };
  record();
  for (let t = 0; t < horizon; t++) {
    const eps = rng.normalTensor([particles, STATE_DIM]);
    const next = tf.tidy(() => {
      const out = system.predict(x, views, t);
      return tf.add(out.mean, tf.mul(out.std, eps));
    });
    tf.dispose([x, eps]);
    x = next;
    record();
  }
  tf.dispose([x, ...views]);
  return { mean, std };
}

/** Mean and unbiased std of the episode costs (core's float64 Welford); std 0 for a single episode. */
function sampleStd(values: Float64Array): { mean: number; std: number } {
  const stats = new Welford(1).addBatch(values, values.length);
  return { mean: stats.mean[0]!, std: values.length > 1 ? Math.sqrt(stats.variance()[0]!) : 0 };
}

function sameConfig(a: ResolvedPippsConfig, b: ResolvedPippsConfig): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof ResolvedPippsConfig>;
  return [...keys].filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
}

// Stream keys: trial n's streams are root.fork(TRIAL_KEY + n).fork(purpose), so a resumed run
// draws exactly what the uninterrupted one would.
const POLICY_INIT_KEY = 7;
const RANDOM_TRIAL_KEY = 11;
const TRIAL_KEY = 1000;
const PURPOSE = { episode: 1, fit: 2, policy: 3, evaluation: 4, trajectory: 5 } as const;

/** One trial's outcome: its metrics row and the per-trial figures. */
export interface PippsTrialResult {
  row: PippsMetricsRow;
  details: PippsTrialDetails;
}

/**
 * A PIPPS policy-search run, one trial at a time (docs/algorithms/pipps.md §4.2; Parmas et al.,
 * ICML 2018, §4): one random episode, then per trial: collect one real episode with the current
 * deterministic RBF policy (trials ≥ 2), refit the model on all data, take `policySteps` Adam steps
 * (re-created each trial) on the model with `pippsGradient` and the chosen propagator, evaluate on
 * `evalEpisodes` real episodes. `checkpoint()`/`load()` carry everything a resumed run needs to
 * continue exactly (same backend). Used by `trainPipps` and by the `pipps` algorithm.
 */
export class PippsRun {
  readonly config: ResolvedPippsConfig;
  private root: Rng;
  private rootState: RngState;
  private readonly policy: Policy;
  private data: TransitionData;
  private rows: PippsMetricsRow[] = [];
  private details: PippsTrialDetails[] = [];
  private trajectory: TrajectoryComparison | undefined;
  private trialsDoneCount = 0;
  private partial: PippsPartialTrial | undefined;
  private wallBefore = 0;
  private start = performance.now();
  private readonly model: DynamicsModel;
  private readonly propagator: ReturnType<typeof makePropagator>;

  constructor(options: TrainPippsOptions = {}, resume?: PippsCheckpoint) {
    const config = resolvePippsConfig(options);
    this.config = config;
    this.root = new Rng(config.seed);
    this.rootState = this.root.state();
    const initial = initRbfPolicy(this.root.fork(POLICY_INIT_KEY), { centres: config.centres, centreMean: START, weightScale: 1 / Math.sqrt(config.centres) });
    this.policy = { variables: [initial.weights, initial.centres, initial.logInverseLengthscale].map(makeVariable) };
    this.data = emptyTransitions(STATE_DIM, ACTION_DIM);
    this.model = makeDynamicsModel(config.model, config);
    this.propagator = makePropagator(config.method);
    if (resume) this.load(resume);
  }

  get trialsDone(): number {
    return this.trialsDoneCount;
  }

  get finished(): boolean {
    return this.trialsDoneCount >= this.config.trials;
  }

  /** Transitions collected on the real system so far (the random episode included). */
  get envSteps(): number {
    return this.data.count;
  }

  get metricsRows(): readonly PippsMetricsRow[] {
    return this.rows;
  }

  get trialDetails(): readonly PippsTrialDetails[] {
    return this.details;
  }

  /** Restores a checkpoint (its config must equal this run's). */
  load(checkpoint: PippsCheckpoint): void {
    if (checkpoint.version !== 1) throw new ConfigError('checkpoint.version', checkpoint.version, '1');
    const differing = sameConfig(checkpoint.config, this.config);
    if (differing.length > 0) throw new ConfigError('resume', differing, `the checkpoint's config (it differs in: ${differing.join(', ')})`);
    this.root = Rng.fromState(checkpoint.rng);
    this.rootState = this.root.state();
    const p = checkpoint.policy;
    [p.weights, p.centres, p.logInverseLengthscale].forEach((values, i) => {
      const v = this.policy.variables[i]!;
      if (values.length !== v.size) throw new ConfigError('checkpoint.policy', values.length, `${v.size} values`);
      tf.tidy(() => v.assign(tf.tensor(values, v.shape, 'float32')));
    });
    this.data = transitionsFromJSON(checkpoint.data);
    this.rows = [...checkpoint.rows];
    this.details = [...checkpoint.details];
    this.trajectory = checkpoint.trajectory;
    this.trialsDoneCount = checkpoint.trialsDone;
    this.partial = checkpoint.partial;
    this.wallBefore = checkpoint.wallSeconds;
    this.start = performance.now();
  }

  private wall(): number {
    return this.wallBefore + (performance.now() - this.start) / 1000;
  }

  checkpoint(): PippsCheckpoint {
    return {
      version: 1,
      config: this.config,
      trialsDone: this.trialsDoneCount,
      data: transitionsToJSON(this.data),
      policy: policyToJSON(this.policy),
      rng: this.rootState,
      rows: [...this.rows],
      details: [...this.details],
      ...(this.trajectory ? { trajectory: this.trajectory } : {}),
      wallSeconds: this.wall(),
      ...(this.partial ? { partial: this.partial } : {}),
    };
  }

  /**
   * Trains the next trial. With `shouldStop`, it is polled after every policy step (the event loop
   * runs in between, so signals are seen): when true, the trial stops there and `undefined` is
   * returned; `checkpoint()` then carries the partial trial, which the next call finishes exactly.
   */
  async trial(onPolicyStep?: (trial: number, step: number, steps: number) => void, shouldStop?: () => boolean): Promise<PippsTrialResult | undefined> {
    const { config, root, policy, model } = this;
    if (this.finished) throw new ConfigError('trials', config.trials, `more than the ${this.trialsDoneCount} trials already done`);
    if (this.trialsDoneCount === 0 && this.data.count === 0) {
      this.data = realEpisodes(config.observationNoise, config.initStd, 1, root.fork(RANDOM_TRIAL_KEY), 'random').data;
    }
    const trial = this.trialsDoneCount + 1;
    const streams = root.fork(TRIAL_KEY + trial);
    const partial = this.partial?.trial === trial ? this.partial : undefined;
    // A partial trial's episode is already in the data (and its model refit is deterministic).
    if (trial > 1 && !partial) this.data = concatTransitions(this.data, realEpisodes(config.observationNoise, config.initStd, 1, streams.fork(PURPOSE.episode), policy).data);
    const data = this.data;

    const fit = model.fit(data, streams.fork(PURPOSE.fit));

    const system = modelParticleSystem(model, policy.variables, config.initStd);
    const optimiser = new Adam(policy.variables, { lr: config.policyLr, eps: config.policyEps });
    if (partial) optimiser.load(partial.adam);
    const policyRng = partial ? Rng.fromState(partial.policyRng) : streams.fork(PURPOSE.policy);
    const policyStart = performance.now() - (partial?.policySeconds ?? 0) * 1000;
    let applied = partial?.applied ?? 0;
    let nonfinite = partial?.nonfinite ?? 0;
    const objectives: number[] = [...(partial?.objectives ?? [])];
    const kLR = partial ? FiniteMean.from(partial.kLR) : new FiniteMean();
    try {
      for (let step = (partial?.stepsDone ?? 0) + 1; step <= config.policySteps; step++) {
        const result = pippsGradient(system, { particles: config.particles, horizon: config.horizon, rng: policyRng, propagator: this.propagator });
        const values = gradientToHost(result.gradients);
        // A NaN/Inf gradient would poison the policy and Adam's moments: skip the step, count it.
        if (countNonFinite(values) === 0 && Number.isFinite(result.objective)) {
          optimiser.step(result.gradients).dispose();
          applied++;
        } else {
          nonfinite++;
        }
        tf.dispose(result.gradients);
        objectives.push(result.objective);
        kLR.add(result.kLR);
        onPolicyStep?.(trial, step, config.policySteps);
        if (shouldStop && step < config.policySteps) {
          await new Promise((resolve) => setImmediate(resolve));
          if (shouldStop()) {
            this.partial = {
              trial,
              stepsDone: step,
              adam: await optimiser.state(),
              policyRng: policyRng.state(),
              objectives,
              kLR: kLR.toJSON(),
              applied,
              nonfinite,
              policySeconds: (performance.now() - policyStart) / 1000,
            };
            return undefined;
          }
        }
      }
    } finally {
      optimiser.dispose();
    }
    this.partial = undefined;
    const policySeconds = (performance.now() - policyStart) / 1000;

    const evalStart = performance.now();
    const evaluation = realEpisodes(config.observationNoise, config.initStd, config.evalEpisodes, streams.fork(PURPOSE.evaluation), policy);
    const { mean: costMean, std: costStd } = sampleStd(evaluation.costs);
    const modelNll = model.nll(evaluation.data);
    const predicted = predictTrajectory(system, config.particles, config.horizon, streams.fork(PURPOSE.trajectory));
    this.trajectory = { predictedMean: predicted.mean, predictedStd: predicted.std, real: evaluation.trueStates[0]! };
    const evalSeconds = (performance.now() - evalStart) / 1000;

    const tail = objectives.slice(Math.floor(objectives.length * 0.9));
    const details: PippsTrialDetails = {
      trial,
      data_points: data.count,
      fit_s: fit.seconds,
      fit_loss: fit.loss,
      policy_s: policySeconds,
      ms_per_policy_step: config.policySteps > 0 ? (policySeconds * 1000) / config.policySteps : 0,
      nonfinite_steps: nonfinite,
      model_cost_final: tail.length > 0 ? tail.reduce((a, b) => a + b, 0) / tail.length : NaN,
      // k_LR of combinator nodes (tp, lr+rp, ...); null where no node reported one.
      mean_k_lr: Number.isFinite(kLR.value) ? kLR.value : null,
      eval_s: evalSeconds,
    };
    this.details.push(details);
    const row: PippsMetricsRow = { trial, eval_cost_mean: costMean, eval_cost_std: costStd, model_nll: modelNll, policy_steps: applied, wall_s: this.wall() };
    this.rows.push(row);
    this.trialsDoneCount = trial;
    return { row, details };
  }

  dispose(): void {
    this.model.dispose();
    tf.dispose(this.policy.variables);
  }
}

/**
 * Model-based policy search with particle gradients (docs/algorithms/pipps.md §4.2–4.3) on the
 * noisy cart-pole swing-up (`cartpole-pilco`, observation noise k·σ_obs, cost on the true state):
 * runs a `PippsRun` to the end. After every trial `hooks.onTrial` receives the metrics row and the
 * checkpoint.
 */
export async function trainPipps(options: TrainPippsOptions = {}, hooks: TrainPippsHooks = {}): Promise<PippsTrainResult> {
  const run = new PippsRun(options, hooks.resume);
  try {
    while (!run.finished) {
      const { row } = (await run.trial(hooks.onPolicyStep))!;
      await hooks.onTrial?.(row, run.checkpoint());
      if (!run.finished && hooks.shouldStop?.(run.trialsDone)) break;
    }
    return { config: run.config, rows: [...run.metricsRows], details: [...run.trialDetails], checkpoint: run.checkpoint(), finished: run.finished };
  } finally {
    run.dispose();
  }
}
