export type {
  Requirement,
  EstimatorOptions,
  PerSampleGradient,
  PathwiseValues,
  EstimatorInputs,
  EstimatorState,
  EstimatorOutput,
  EstimatorDefinition,
  Estimator,
  Combination,
  GradientProblem,
  EstimateOptions,
  StateHolder,
  GradientEstimate,
} from './types.js';
export { defineEstimator } from './define.js';
export { nodeBackward, nodeTransform, checkNodeEstimator, type NodeInput, type NodeOutput, type NodeConsumer } from './node.js';
export { registerEstimator, getEstimator, isBuiltinEstimator, listEstimators, builtinEstimators, type EstimatorInfo } from './registry.js';
export {
  estimateGradient,
  estimatorSurrogate,
  estimateSecondDerivatives,
  createStateHolder,
  nodeSpaceVariances,
  type VarianceFn,
  type SurrogateOptions,
  type SecondDerivativeEstimate,
} from './estimate.js';
export { scoreFunction, BASELINES, type Baseline, type ScoreFunctionOptions } from './builtins/score-function.js';
export { reparameterisation, reparameterisationRule } from './builtins/reparam.js';
export { gaussianResampling, gaussianResample, type GaussianResamplingOptions } from './builtins/gaussian-resampling.js';
export { choleskyLower } from './linalg.js';
export { inverseVarianceCombination, lrPlusRp, totalPropagation, type CombinationOptions } from './builtins/combination.js';
export { inverseVarianceWeight, spreadAcrossParticles, totalPropagationWeights, perSampleVarianceTrace, type WeightRule, type WeightOptions, type TotalPropagationWeights } from './combine.js';
export { magicBox, diceObjective, dice, type DiceObjectiveInput, type DiceOptions } from './dice.js';
export { gradientDiagnostics, sampleEstimates, compareEstimators, type GradientDiagnostics, type CompareOptions, type ComparisonRow } from './diagnostics.js';
export { squareObjective, expObjective, quadraticFormObjective, conformanceObjectives, type ClosedFormObjective } from './objectives.js';
export { testEstimator, assertConformance, expectConformance, conformanceTest, ConformanceError, type ConformanceOptions, type ConformanceCheck, type ConformanceReport } from './conformance.js';
export { estimatorBrowserSuite } from './estimators.browser-suite.js';
