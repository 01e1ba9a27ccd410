export { tf, stopGradient } from './tf.js';
export { matMulT, setTransposeStrategy, type TransposeStrategy } from './matmul.js';
export type { Tensor, Variable, Rank, Scalar, Tensor1D, Tensor2D, Tensor3D, NamedTensorMap } from './tf.js';
export * from './errors.js';
export { Registry } from './registry.js';
export {
  defineBackend,
  registerBackend,
  useBackend,
  listBackends,
  getBackend,
  autoChoice,
  type Backend,
  type BackendCapabilities,
  type AdapterInfo,
  type BackendAvailability,
  type BackendDefinition,
  type BackendInfo,
  type AutoOptions,
  type AutoChoice,
} from './backend.js';
export { Rng, type RngState } from './rng.js';
export { DiagGaussian } from './distributions.js';
export { type Module, parametersOf, makeVariable } from './nn/module.js';
export { Linear, type LinearOptions } from './nn/linear.js';
export { LayerNorm, type LayerNormOptions } from './nn/layer-norm.js';
export { MLP, type MLPOptions } from './nn/mlp.js';
export type { MlpKernel } from './nn/fused-mlp.js';
export { HOST_BACKENDS, setHostKernels, hostKernelOn, hostStorage, registerHostKernel, tapeIsOn, type HostKernelSwitches, type HostStorage, type TensorInfoLike } from './kernels/host.js';
export { activation, activationNames, type Activation, type ActivationName } from './nn/activations.js';
export { orthogonalInit, uniformInit } from './nn/init.js';
export { saveParameters, loadParameters, type ParameterJSON } from './nn/params.js';
export { Adam, type AdamOptions, type AdamState } from './optim/adam.js';
export { clipGradNorm, globalNorm, clipCoefficient, nanToZero } from './optim/clip.js';
export { constantSchedule, linearSchedule, type Schedule } from './optim/schedule.js';
export { Welford } from './stats/welford.js';
export { RunningMeanStd, type RunningMeanStdState } from './stats/running-mean-std.js';
export { resolveConfig, type ConfigField, type ConfigSchema } from './config.js';
export {
  defineAlgorithm,
  registerAlgorithm,
  algorithms,
  UNIVERSAL_COLUMNS,
  epochsKeyOf,
  type Algorithm,
  type AlgorithmDefinition,
  type AlgorithmVariant,
  type AlgorithmLookup,
  type AlgorithmContext,
  type AlgorithmRun,
  type EpochControl,
  type EpochMetrics,
} from './algorithm.js';
export { countNonFinite, assertFinite, assertFiniteTensor } from './checks.js';
export { gradCheck, type GradCheckOptions, type GradCheckResult } from './gradcheck.js';
