export { OnPolicyTrainer, actorMajor, type TrainerOptions, type TrainerState, type EpochBatch } from './trainer.js';
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
