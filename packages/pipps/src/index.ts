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
export { pippsGradient, type PippsOptions, type PippsResult } from './rollout.js';
export {
  linearGaussianSystem,
  linearGaussianGradient,
  chaoticRnnSystem,
  cartpoleSystem,
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
