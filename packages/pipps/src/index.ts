export type { ParticleSystem, Message, Outbox, TapeNode, BackwardContext, StepInput, Propagator } from './types.js';
export { ParticleTape, mergeMessages, type TapeResult } from './tape.js';
export { stepVjp, sumParticles, particleViews } from './step-vjp.js';
export { propagatorFromEstimator, makePropagator, pippsEstimatorName, PIPPS_METHODS, PARTICLE_TAPE } from './propagators.js';
export { pippsGradient, gradientToHost, FiniteMean, type PippsOptions, type PippsResult } from './rollout.js';
export {
  linearGaussianSystem,
  linearGaussianGradient,
  chaoticRnnSystem,
  cartpoleSystem,
  cartpoleCost,
  doublePendulumSystem,
  sinSquash,
  initRbfPolicy,
  rbfAction,
  type LinearGaussianOptions,
  type ChaoticRnnOptions,
  type RbfPolicyParams,
  type EnvSystemOptions,
} from './systems.js';
export { chaosStudy, gradientStatistics, makeChaosSystem, CHAOS_SYSTEMS, CHAOS_METHODS, type ChaosSystemName, type ChaosStudyOptions, type ChaosRow } from './chaos.js';
export {
  type DynamicsModel,
  type TransitionData,
  type TransitionJSON,
  type FitReport,
  type ModelState,
  inputsAndTargets,
  concatTransitions,
  emptyTransitions,
  transitionsToJSON,
  transitionsFromJSON,
} from './models/types.js';
export { cholesky, choleskySolve, choleskyInverse, solveLower, solveUpperTransposed, inverseLowerTransposed, NotPositiveDefiniteError } from './models/linalg.js';
export { GaussianProcessModel, gpNegativeLogMarginalLikelihood, gpSmartInit, fitGpOutput, predictiveNll, type GpOptions, type GpHyperparameters } from './models/gp.js';
export { EnsembleModel, type EnsembleOptions } from './models/ensemble.js';
export { TrueCartpoleModel } from './models/true-dynamics.js';
export { defineModel, registerModel, getModel, listModels, hasModel, builtinModels, type ModelDefinition, type ModelPlugin, type ModelContext } from './models/registry.js';
export {
  trainPipps,
  PippsRun,
  resolvePippsConfig,
  makeDynamicsModel,
  modelNames,
  modelParticleSystem,
  PIPPS_METRICS_COLUMNS,
  type TrainPippsOptions,
  type TrainPippsHooks,
  type ResolvedPippsConfig,
  type PippsMetricsRow,
  type PippsTrialDetails,
  type PippsCheckpoint,
  type PippsPartialTrial,
  type PippsPolicyJSON,
  type PippsTrainResult,
  type PippsTrialResult,
  type TrajectoryComparison,
} from './train.js';
export { pippsAlgorithm, pippsTrainOptions, PIPPS_PROBLEM, PIPPS_ALGORITHM_COLUMNS, type PippsAlgorithmConfig } from './algorithm.js';
