export { OnPolicyTrainer, actorMajor, readHostRecords, type TrainerOptions, type TrainerState, type EpochBatch } from './trainer.js';
export {
  ALGORITHM_NAMES,
  defaultConfig,
  resolveTrainerConfig,
  trainerSchema,
  referenceAliases,
  type AlgorithmName,
  type TrainerConfig,
} from './config.js';
export { Actor, makeCritic, polyak, flattenTorchOrder } from './networks.js';
export { AverageMeter } from './meters.js';
export { gae, simulate } from './rollout.js';
export { negLogProb, clippedSurrogate, mixtureNegLogProb, normaliseAdvantages } from './losses.js';
export { inverseVarianceWeight } from './algorithms/lrp.js';
export { gippoAlgorithms, metricColumns } from './algorithms.js';
export { nextAlpha, type AlphaRuleInput, type AlphaRuleConfig } from './algorithms/alpha-rule.js';
export { stablePpo, ppoLoss, minibatchRanges, type PpoBatch } from './algorithms/ppo.js';
export { alphaRegressionLoss, gippoPpoLoss } from './algorithms/gippo.js';
export { lrLoss } from './algorithms/lr.js';
export { rpLoss } from './algorithms/rp.js';
export { rolloutGradients, type RolloutGradients, type RolloutGradientsOptions } from './peek.js';
