export {
  defineEnv,
  STEP_COUNTER,
  type Env,
  type EnvDefinition,
  type EnvInfo,
  type EnvOptions,
  type EnvState,
  type ActionSpec,
  type NonFiniteMode,
  type StepResult,
  type StepKernel,
  type Transition,
} from './env.js';
export { FUSED_HOST_BACKENDS, fusedStepSupported, isGpuFusedBackend, type FusedStep, type FusedStepInputs, type FusedStepOutputs, type FusedStepCotangents, type FusedStepGradients } from './fused.js';
export { registerEnv, getEnv, makeEnv, listEnvs, builtinEnv, BUILTIN_ENV_NAMES, type BuiltinEnvName } from './registry.js';
export { resetDone, tileState, batchSize } from './state.js';
export { safeSqrt, smoothstep } from './math.js';
export { dejongEnv, ackleyEnv, DEJONG_BOUND, ACKLEY_BOUND, type FunctionEnvOptions, type FunctionName } from './envs/function-opt.js';
export { cartpoleSwingupEnv, CARTPOLE_SWINGUP, CARTPOLE_SWINGUP_FUSED, type CartpoleSwingupOptions } from './envs/cartpole-swingup.js';
export { cartpolePilcoEnv, CARTPOLE_PILCO, CARTPOLE_PILCO_NOISE, type CartpolePilcoOptions } from './envs/cartpole-pilco.js';
export { pendulumEnv, PENDULUM } from './envs/pendulum.js';
export { doublePendulumEnv, DOUBLE_PENDULUM } from './envs/double-pendulum.js';
export { trafficEnv, TRAFFIC, TRAFFIC_SCENARIOS, type TrafficScenario, type TrafficOptions } from './envs/traffic.js';
export { hopperEnv, antEnv, HOPPER, ANT } from './envs/hopper-ant.js';
export { locomotionEnv, type LocomotionSpec, type LocomotionOptions } from './envs/locomotion.js';
export { stepReport, parseActions, type StepReport, type StepReportOptions } from './step-report.js';
export { benchEnvs, mujocoReference, type BenchEnvsOptions, type EnvBenchResult, type MujocoReferenceRow } from './bench.js';
export {
  benchRollout,
  probeRollout,
  type RolloutProbe,
  ROLLOUT_BATCHES,
  ROLLOUT_ENV,
  ROLLOUT_HIDDEN,
  ROLLOUT_HORIZON,
  ROLLOUT_ITERATION_LIMIT_S,
  type RolloutBenchRow,
  type RolloutSkip,
} from './bench-rollout.js';
export { envBrowserSuite, compareBrowserSuites, type EnvBrowserSuiteOptions, type EnvBrowserSuiteResult } from './envs.browser-suite.js';
export { rolloutReturn } from './rollout.js';
export { FUSED_GPU_BACKENDS, type GpuFusedStep } from './fused-gpu.js';
export { checkFusedKernels, fusedCheckFailures, gpuFusedEnvNames, GPU_FUSED_TOLERANCE, type FusedCheckOptions, type FusedTolerance, type FusedEnvCheck } from './fused-check.js';
