// The on-policy configs: schemas per algorithm, the reference's key names and its per-problem
// defaults (docs/algorithms/gippo.md §3). One file: the tables are one source of truth for all three.
import { ConfigError, type ConfigSchema } from '@pathwise/core';

/**
 * The reference's five algorithms, as the columns of its per-problem hyperparameter tables. In this
 * toolkit `lr`, `rp` and `lrp` are variants of one algorithm, `pg`, with an estimator each.
 */
export const REFERENCE_ALGORITHMS = ['lr', 'rp', 'lrp', 'ppo', 'gippo'] as const;
export type ReferenceAlgorithm = (typeof REFERENCE_ALGORITHMS)[number];

/** Every knob of the on-policy trainer and its algorithms (docs/algorithms/gippo.md §2–3). */
export interface TrainerConfig {
  /** Parallel envs (`num_actors`). */
  numActors: number;
  /** Env steps per epoch per actor (`horizon_length`). */
  horizon: number;
  /** Horizon of the linear schedules (`max_epochs`); the reference trains maxEpochs + 1 epochs. */
  maxEpochs: number;
  /** Epochs to train (`--epochs`); default maxEpochs + 1 as the reference. */
  epochs: number;
  actorHidden: number[];
  criticHidden: number[];
  activation: string;
  gamma: number;
  /** GAE λ (`tau`). */
  lambda: number;
  /** Global gradient-norm clip (`grad_norm`). */
  gradNorm: number;
  /** Actor learning rate: the only actor rate for LR/RP/LR+RP, the PPO-stage rate for PPO/GI-PPO. */
  actorLr: number;
  criticLr: number;
  /** `linear`: lr(e) = lr0 + (lrFinal − lr0)·e/maxEpochs (LR/RP/LR+RP actor and critic, GI-PPO critic); PPO never decays. */
  lrSchedule: 'linear' | 'constant';
  lrFinal: number;
  criticIterations: number;
  criticNumBatch: number;
  /** Polyak factor of the target critic: θ' ← a·θ' + (1 − a)·θ. */
  targetCriticAlpha: number;
  /** Adam betas of every optimiser except the PPO actor (PyTorch defaults there). */
  betas: number[];
  normalizeInput: boolean;
  normalizeValue: boolean;
  normalizeAdvantage: boolean;
  /** PPO clip ε (`e_clip`). */
  eClip: number;
  minibatchSize: number;
  miniEpochs: number;
  /** Tries of the stable-PPO and α-regression retry loops (`max_optim_iter`). */
  maxOptimIter: number;
  /** Learning-rate divisor on a failed try (`learning_rate_multiplier`). */
  lrMultiplier: number;
  /**
   * PPO's actor-update loop: `stable` is the reference's retry loop (function problems, GI-PPO);
   * `adaptive-kl` is rl_games' PPO (the paper's physics/traffic baseline): one pass, and after every
   * minibatch the rate is divided by 1.5 when KL > 2·klThreshold or multiplied by 1.5 when
   * KL < klThreshold/2, kept in [1e-6, 1e-2].
   */
  ppoSchedule: 'stable' | 'adaptive-kl';
  /** rl_games' `kl_threshold` for `ppoSchedule: adaptive-kl`. */
  klThreshold: number;
  /** LR+RP: per-sample gradients used for the variance estimates (`var_est_num_sample`). */
  varEstNumSample: number;
  /** LR+RP: gradient entries kept for the variance estimates, in PyTorch order; 0 keeps all (paper-era code). */
  varEstMaxGradLen: number;
  /** GI-PPO: α₀ (`gi.alpha`). */
  alpha: number;
  /** GI-PPO: δ of the determinant criterion (`alpha_interval`). */
  alphaInterval: number;
  /** GI-PPO: β (`alpha_update_factor`). */
  alphaUpdateFactor: number;
  maxAlpha: number;
  /** GI-PPO: Adam steps of the α-regression (`num_iter`). */
  alphaIterations: number;
  /** GI-PPO: α-regression learning rate (`actor_learning_rate_no_ppo`). */
  alphaLr: number;
  /** GI-PPO: δ_oorr (`max_oorr`). */
  maxOorr: number;
  /** Checkpoint every N epochs (and at exit). */
  checkpointEvery: number;
  /**
   * How the env steps (its `kernel` option, docs/architecture.md §6): `auto` (the env's default: fused
   * only where that leaves the training goldens unchanged), `fused` (its one-kernel step wherever it
   * has one, e.g. cart-pole swing-up on cpu and wasm) or `ops` (the op-by-op definition).
   */
  envKernel: 'auto' | 'fused' | 'ops';
  /**
   * How the actor and critic MLPs run (core's `MlpKernel`): `auto` (one host kernel forward and one
   * backward on cpu, where that is bit-identical to the op path; the op path elsewhere), `fused` (the
   * host kernel on cpu and wasm: faster on wasm, last-bit different from its op path) or `ops`.
   */
  mlpKernel: 'auto' | 'fused' | 'ops';
  /** pg: the estimator of the actor gradient; GI-PPO: of its analytic action gradients (any registered name). */
  estimator: string;
  /** Options passed to the estimator (validated by its own schema). */
  estimatorOptions: Record<string, unknown>;
}

/** Keys every on-policy algorithm has: rollout, networks, critic, schedules, normalisers. */
const onPolicySchema: ConfigSchema = {
  numActors: { type: 'integer', min: 1, description: 'parallel envs' },
  horizon: { type: 'integer', min: 1, description: 'steps per epoch per actor' },
  maxEpochs: { type: 'integer', min: 1, description: 'schedule horizon' },
  epochs: { type: 'integer', min: 1, description: 'epochs to train' },
  actorHidden: { type: 'number[]' },
  criticHidden: { type: 'number[]' },
  activation: { type: 'string', enum: ['elu', 'relu', 'tanh', 'identity', 'sigmoid', 'softplus', 'leaky_relu'] },
  gamma: { type: 'number', min: 0, max: 1 },
  lambda: { type: 'number', min: 0, max: 1 },
  gradNorm: { type: 'number', min: 0 },
  actorLr: { type: 'number', min: 0 },
  criticLr: { type: 'number', min: 0 },
  lrSchedule: { type: 'string', enum: ['linear', 'constant'] },
  lrFinal: { type: 'number', min: 0 },
  criticIterations: { type: 'integer', min: 0 },
  criticNumBatch: { type: 'integer', min: 1 },
  targetCriticAlpha: { type: 'number', min: 0, max: 1 },
  betas: { type: 'number[]' },
  normalizeInput: { type: 'boolean' },
  normalizeValue: { type: 'boolean' },
  normalizeAdvantage: { type: 'boolean' },
  checkpointEvery: { type: 'integer', min: 1 },
  envKernel: { type: 'string', enum: ['auto', 'fused', 'ops'], description: "the env's step kernel: auto (its default), fused (one kernel per step where it has one) or ops" },
  mlpKernel: { type: 'string', enum: ['auto', 'fused', 'ops'], description: 'the networks: auto (one host kernel on cpu), fused (also on wasm) or ops' },
};

const estimatorSchema: ConfigSchema = {
  estimator: { type: 'string', description: 'a registered estimator (pathwise estimators)' },
  estimatorOptions: { type: 'object', description: "options for the estimator, checked against its schema (e.g. {lrBaseline: 'none'})" },
};

const ppoKeys: ConfigSchema = {
  eClip: { type: 'number', min: 0 },
  minibatchSize: { type: 'integer', min: 1 },
  miniEpochs: { type: 'integer', min: 1 },
  maxOptimIter: { type: 'integer', min: 1 },
  lrMultiplier: { type: 'number', min: 1 },
  ppoSchedule: { type: 'string', enum: ['stable', 'adaptive-kl'] },
  klThreshold: { type: 'number', min: 0 },
};

/** `pg`: the policy gradient of any estimator. */
export const pgSchema: ConfigSchema = {
  ...onPolicySchema,
  ...estimatorSchema,
  varEstNumSample: { type: 'integer', min: 2, description: "per-sample gradients behind a combinator's variances" },
  varEstMaxGradLen: { type: 'integer', min: 0, description: 'gradient entries kept for those variances (0: all)' },
};

export const ppoSchema: ConfigSchema = { ...onPolicySchema, ...ppoKeys };

export const gippoSchema: ConfigSchema = {
  ...onPolicySchema,
  ...ppoKeys,
  ...estimatorSchema,
  alpha: { type: 'number', min: 0 },
  alphaInterval: { type: 'number', min: 0 },
  alphaUpdateFactor: { type: 'number', min: 1 },
  maxAlpha: { type: 'number', min: 0 },
  alphaIterations: { type: 'integer', min: 1 },
  alphaLr: { type: 'number', min: 0 },
  maxOorr: { type: 'number', min: 0, max: 1 },
};

/** The reference implementation's key names (yaml and cfg), accepted in config files. */
export const referenceAliases: Record<string, string> = {
  num_actors: 'numActors',
  horizon_length: 'horizon',
  steps_num: 'horizon',
  max_epochs: 'maxEpochs',
  actor_mlp: 'actorHidden',
  critic_mlp: 'criticHidden',
  tau: 'lambda',
  lam: 'lambda',
  grad_norm: 'gradNorm',
  actor_learning_rate: 'actorLr',
  learning_rate: 'actorLr',
  critic_learning_rate: 'criticLr',
  lr_schedule: 'lrSchedule',
  critic_iterations: 'criticIterations',
  critic_num_batch: 'criticNumBatch',
  target_critic_alpha: 'targetCriticAlpha',
  normalize_input: 'normalizeInput',
  normalize_value: 'normalizeValue',
  normalize_advantage: 'normalizeAdvantage',
  e_clip: 'eClip',
  minibatch_size: 'minibatchSize',
  mini_epochs: 'miniEpochs',
  max_optim_iter: 'maxOptimIter',
  learning_rate_multiplier: 'lrMultiplier',
  kl_threshold: 'klThreshold',
  lr_schedule_ppo: 'ppoSchedule',
  var_est_num_sample: 'varEstNumSample',
  var_est_max_grad_len: 'varEstMaxGradLen',
  desired_alpha: 'alpha',
  alpha_interval: 'alphaInterval',
  update_interval: 'alphaInterval',
  alpha_update_factor: 'alphaUpdateFactor',
  update_factor: 'alphaUpdateFactor',
  max_alpha: 'maxAlpha',
  num_iter: 'alphaIterations',
  actor_iterations_alpha: 'alphaIterations',
  actor_learning_rate_no_ppo: 'alphaLr',
  actor_learning_rate_alpha: 'alphaLr',
  max_oorr: 'maxOorr',
  max_dist_rp_lr: 'maxOorr',
};

/** The aliases of the keys a schema has (a config file for one algorithm may not set another's keys). */
export function aliasesFor(schema: ConfigSchema): Record<string, string> {
  return Object.fromEntries(Object.entries(referenceAliases).filter(([, key]) => key in schema));
}

/** §3.1: shared by every function-optimisation config. */
const FUNCTION_BASE: TrainerConfig = {
  numActors: 64,
  horizon: 1,
  maxEpochs: 2000,
  epochs: 2001,
  actorHidden: [32, 32],
  criticHidden: [32, 32],
  activation: 'elu',
  gamma: 0.99,
  lambda: 0.95,
  gradNorm: 1,
  actorLr: 1e-3,
  criticLr: 1e-3,
  lrSchedule: 'linear',
  lrFinal: 1e-5,
  criticIterations: 16,
  criticNumBatch: 4,
  targetCriticAlpha: 0.2,
  betas: [0.7, 0.95],
  normalizeInput: true,
  normalizeValue: true,
  normalizeAdvantage: true,
  eClip: 0.2,
  minibatchSize: 64,
  miniEpochs: 5,
  maxOptimIter: 8,
  lrMultiplier: 1.5,
  ppoSchedule: 'stable',
  klThreshold: 0.008,
  varEstNumSample: 16,
  varEstMaxGradLen: 512,
  alpha: 1e-5,
  alphaInterval: 0.4,
  alphaUpdateFactor: 1.1,
  maxAlpha: 1,
  alphaIterations: 16,
  alphaLr: 1e-3,
  maxOorr: 0.5,
  checkpointEvery: 100,
  envKernel: 'auto',
  mlpKernel: 'auto',
  estimator: 'rp',
  estimatorOptions: {},
};

/** §3.2: actor learning rate per function problem and algorithm (released yamls). */
const FUNCTION_ACTOR_LR: Record<string, Record<ReferenceAlgorithm, number>> = {
  dejong: { lr: 1e-3, rp: 1e-2, lrp: 1e-2, ppo: 1e-4, gippo: 1e-4 },
  dejong64: { lr: 1e-3, rp: 1e-2, lrp: 1e-3, ppo: 1e-2, gippo: 1e-2 },
  ackley: { lr: 1e-4, rp: 1e-3, lrp: 1e-4, ppo: 1e-4, gippo: 1e-4 },
  ackley64: { lr: 3e-4, rp: 1e-3, lrp: 3e-4, ppo: 1e-2, gippo: 1e-2 },
};

/** §3.3 cart-pole swing-up and §3.4 traffic (paper-era configs; RP uses the SHAC-style lr 1e-2 / 1e-3). */
const PHYSICS: Partial<TrainerConfig> = {
  numActors: 64,
  horizon: 32,
  maxEpochs: 500,
  epochs: 500,
  actorHidden: [64, 64],
  criticHidden: [64, 64],
  normalizeInput: true,
  normalizeValue: false,
  normalizeAdvantage: true,
  lrSchedule: 'linear',
  criticLr: 1e-3,
  minibatchSize: 2048,
  miniEpochs: 5,
  alpha: 0.5,
  alphaLr: 1e-2,
  alphaUpdateFactor: 1.02,
  alphaInterval: 0.4,
  maxAlpha: 1,
  maxOorr: 0.75,
  varEstMaxGradLen: 0,
  checkpointEvery: 25,
};
const PHYSICS_ACTOR_LR: Record<ReferenceAlgorithm, number> = { lr: 1e-4, rp: 1e-2, lrp: 1e-4, ppo: 3e-4, gippo: 3e-4 };

const TRAFFIC: Partial<TrainerConfig> = {
  ...PHYSICS,
  actorHidden: [512, 64, 64],
  criticHidden: [64, 64],
  alpha: 0.1,
  alphaLr: 1e-5,
  alphaUpdateFactor: 1.1,
  maxOorr: 0.5,
};
// Paper-era traffic cfg.yaml (SonSang/DiffRL neurips2023_outputs/traffic/results/*/{basic_lr,basic_combination}/*/cfg.yaml):
// LR and LR+RP use `actor_learning_rate_basic: 3e-4` (1e-4 is the physics value); RP is `actor_learning_rate_shac: 1e-3`.
const TRAFFIC_ACTOR_LR: Record<ReferenceAlgorithm, number> = { lr: 3e-4, rp: 1e-3, lrp: 3e-4, ppo: 3e-4, gippo: 3e-4 };

// §3.3 Hopper and Ant (SonSang/DiffRL neurips2023_outputs/physics/cfg, SHAC's dflex envs): 2000
// epochs of 32 steps; actor [128, 64, 32], critic [64, 64]; PPO and GI-PPO's actor lr 1e-4 (the
// stable PPO loop, as for traffic); LR 1e-4; RP at the yamls' `actor_learning_rate_shac` (hopper 1e-2,
// ant 2e-3). The PPO baseline keeps the stable loop at 1e-4 (rl_games' single pass with a constant
// rate is not a mode of our ppo).
const LOCOMOTION: Partial<TrainerConfig> = {
  ...PHYSICS,
  horizon: 32,
  maxEpochs: 2000,
  epochs: 2000,
  actorHidden: [128, 64, 32],
  criticHidden: [64, 64],
  alphaUpdateFactor: 1.02,
  alphaInterval: 0.4,
  maxAlpha: 1,
  alphaIterations: 16,
  criticIterations: 16,
  criticNumBatch: 4,
  targetCriticAlpha: 0.2,
  minibatchSize: 2048,
  miniEpochs: 5,
  eClip: 0.2,
};
const LOCOMOTION_ENVS: Record<string, { env: Partial<TrainerConfig>; rpLr: number }> = {
  hopper: { env: { ...LOCOMOTION, numActors: 256, alpha: 5e-3, alphaLr: 5e-3, maxOorr: 0.75, criticLr: 2e-4 }, rpLr: 1e-2 },
  ant: { env: { ...LOCOMOTION, numActors: 64, alpha: 0.5, alphaLr: 5e-4, maxOorr: 0.5, criticLr: 2e-3 }, rpLr: 2e-3 },
};

function locomotionDefaults(preset: { env: Partial<TrainerConfig>; rpLr: number }, algo: ReferenceAlgorithm): TrainerConfig {
  return { ...FUNCTION_BASE, ...preset.env, actorLr: algo === 'rp' ? preset.rpLr : 1e-4 };
}

/**
 * The reference's defaults for an env × reference-algorithm pair (function problems, cart-pole,
 * traffic, hopper, ant; a generic multi-step default otherwise), restricted to the keys of `schema`.
 */
export function defaultConfig(envName: string, algo: ReferenceAlgorithm, schema: ConfigSchema): TrainerConfig {
  return pick(referenceDefaults(envName, algo), schema);
}

function referenceDefaults(envName: string, algo: ReferenceAlgorithm): TrainerConfig {
  const functionRates = FUNCTION_ACTOR_LR[envName];
  if (functionRates) return { ...FUNCTION_BASE, actorLr: functionRates[algo] };
  if (envName.startsWith('traffic-')) return { ...FUNCTION_BASE, ...TRAFFIC, actorLr: TRAFFIC_ACTOR_LR[algo] };
  const locomotion = LOCOMOTION_ENVS[envName];
  if (locomotion) return locomotionDefaults(locomotion, algo);
  // §3.3: the paper's cart-pole PPO baseline is rl_games PPO with its adaptive-KL rate (threshold 0.015 in the paper-era cfg).
  const ppoBaseline: Partial<TrainerConfig> = algo === 'ppo' ? { ppoSchedule: 'adaptive-kl', klThreshold: 0.015 } : {};
  return { ...FUNCTION_BASE, ...PHYSICS, ...ppoBaseline, actorLr: PHYSICS_ACTOR_LR[algo] };
}

/** The reference's actor learning rate of one of its algorithms on an env (the per-variant defaults of `pg`). */
export function referenceActorLr(envName: string, algo: ReferenceAlgorithm): number {
  return referenceDefaults(envName, algo).actorLr;
}

function pick(config: TrainerConfig, schema: ConfigSchema): TrainerConfig {
  return Object.fromEntries(Object.keys(schema).map((k) => [k, (config as unknown as Record<string, unknown>)[k]])) as unknown as TrainerConfig;
}

/** Checks the cross-key constraints every on-policy config must meet; returns the config. */
export function checkOnPolicyConfig(config: TrainerConfig): TrainerConfig {
  if (config.betas.length !== 2 || config.betas.some((b) => !(b >= 0 && b < 1))) {
    throw new ConfigError('betas', config.betas, 'two numbers in [0, 1)');
  }
  for (const key of ['actorHidden', 'criticHidden'] as const) {
    if (config[key].length === 0 || config[key].some((h) => !Number.isInteger(h) || h < 1)) {
      throw new ConfigError(key, config[key], 'a non-empty array of positive integer widths');
    }
  }
  const batch = config.numActors * config.horizon;
  if (batch % config.criticNumBatch !== 0) {
    throw new ConfigError('criticNumBatch', config.criticNumBatch, `a divisor of numActors × horizon = ${batch}`);
  }
  return config;
}

/**
 * Reference configs nest keys in blocks (`ppo: {e_clip}`, `gi: {alpha}`, `actor_mlp: {units}`) and
 * use `units` lists: flatten them so their key names can be aliased.
 */
export function flattenReferenceBlocks(overrides: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(overrides)) {
    if ((key === 'ppo' || key === 'gi' || key === 'config' || key === 'params') && value && typeof value === 'object' && !Array.isArray(value)) {
      Object.assign(out, flattenReferenceBlocks(value as Record<string, unknown>));
    } else if ((key === 'actor_mlp' || key === 'critic_mlp') && value && typeof value === 'object' && !Array.isArray(value)) {
      const units = (value as { units?: unknown }).units;
      if (units !== undefined) out[key] = units;
    } else {
      out[key] = value;
    }
  }
  return out;
}
