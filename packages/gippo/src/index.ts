// Importing this entry registers the on-policy algorithms (`pg` with its variants `lr`, `rp`, `lrp`;
// `ppo`; `gippo`) with @pathwise/core's algorithm registry.
export {
  OnPolicyTrainer,
  actorMajor,
  readHostRecords,
  type TrainerOptions,
  type TrainerState,
  type EpochBatch,
  type PolicyUpdate,
  type PolicyUpdateSpec,
  type RolloutOutcome,
  type RolloutHooks,
} from './trainer.js';
export { REFERENCE_ALGORITHMS, defaultConfig, referenceActorLr, pgSchema, ppoSchema, gippoSchema, referenceAliases, type ReferenceAlgorithm, type TrainerConfig } from './config.js';
export { pg, ppo, gippo, ON_POLICY_ALGORITHMS, ON_POLICY_COLUMNS, GIPPO_COLUMNS, createTrainer, resolveTrainerConfig, type CreateTrainerOptions } from './plugins.js';
export { configuredEstimator } from './estimator-config.js';
export { Actor, makeCritic, polyak, flattenTorchOrder } from './networks.js';
export { AverageMeter } from './meters.js';
export { gae, simulate, type SimulateOptions } from './rollout.js';
export { negLogProb, clippedSurrogate, mixtureNegLogProb, normaliseAdvantages } from './losses.js';
export { nextAlpha, type AlphaRuleInput, type AlphaRuleConfig } from './algorithms/alpha-rule.js';
export { stablePpo, ppoLoss, minibatchRanges, ppoUpdate, type PpoBatch, type PpoRate } from './algorithms/ppo.js';
export { alphaRegressionLoss, gippoPpoLoss, gippoUpdate, estimatedActionGradients } from './algorithms/gippo.js';
export { pgUpdate, lrLoss, rpLoss } from './algorithms/pg.js';
export { rolloutGradients, type RolloutGradients, type RolloutGradientsOptions } from './peek.js';
