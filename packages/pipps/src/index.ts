export type { ParticleSystem, Message, Outbox, TapeNode, BackwardContext, StepInput, Propagator } from './types.js';
export { ParticleTape, mergeMessages, type TapeResult } from './tape.js';
export { stepVjp, sumParticles, particleViews, looAdvantage, lrMessage } from './step-vjp.js';
export {
  rpPropagator,
  lrPropagator,
  tpPropagator,
  grPropagator,
  resample,
  makePropagator,
  PROPAGATOR_NAMES,
  type PropagatorName,
  type TotalPropagationOptions,
  type GaussianResamplingOptions,
} from './propagators.js';
export { choleskyLower } from './cholesky.js';
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
export {
  chaosStudy,
  gradientStatistics,
  makeChaosSystem,
  CHAOS_SYSTEMS,
  CHAOS_METHODS,
  type ChaosSystemName,
  type ChaosMethod,
  type ChaosStudyOptions,
  type ChaosRow,
} from './chaos.js';
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
export {
  GaussianProcessModel,
  gpNegativeLogMarginalLikelihood,
  gpSmartInit,
  fitGpOutput,
  predictiveNll,
  type GpOptions,
  type GpHyperparameters,
} from './models/gp.js';
export { EnsembleModel, type EnsembleOptions } from './models/ensemble.js';
export { TrueCartpoleModel } from './models/true-dynamics.js';
export {
  trainPipps,
  resolvePippsConfig,
  makeDynamicsModel,
  modelParticleSystem,
  MODEL_NAMES,
  PIPPS_METRICS_COLUMNS,
  type ModelName,
  type TrainPippsOptions,
  type TrainPippsHooks,
  type ResolvedPippsConfig,
  type PippsMetricsRow,
  type PippsTrialDetails,
  type PippsCheckpoint,
  type PippsPolicyJSON,
  type PippsTrainResult,
  type TrajectoryComparison,
} from './train.js';
