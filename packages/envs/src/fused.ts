import { HOST_BACKENDS, hostStorage, tapeIsOn, tf, type TensorInfoLike } from '@pathwise/core';
import { FUSED_GPU_BACKENDS, gpuKernelFor, type GpuFusedStep } from './fused-gpu.js';

// Fused env steps (issue 14): one tfjs kernel per env step forward and one backward, instead of the
// dozens of op dispatches of the op-by-op definition, each of which costs ~10–25 µs whatever the batch.
// On cpu and wasm the kernel is a plain loop over the batch on the tensors' typed arrays (the cpu
// backend's own arrays; views into the wasm heap). The op-by-op `transition` stays the reference:
// fused-kernels.test.ts checks every registered env's kernel against it, values and gradients.

/** A step's inputs, as flat row-major arrays: every state tensor (in `stateKeys` order), the counter and the clipped action. */
export interface FusedStepInputs {
  batch: number;
  state: readonly Float32Array[];
  /** The step counter before this step, [B]. */
  t: Float32Array;
  /** The action clipped to [-1, 1], [B, actDim]. */
  action: Float32Array;
}

/** What `forward` writes: the env-specific next state, reward, observation of the next state and early ends. */
export interface FusedStepOutputs {
  state: readonly Float32Array[];
  reward: Float32Array;
  /** [B, obsDim]. */
  obs: Float32Array;
  /** [B]; zero-filled before `forward`; set 1 for an early end. */
  terminated: Uint8Array;
}

/** The cotangents of `forward`'s differentiable outputs (zeros where nothing depends on an output). */
export interface FusedStepCotangents {
  state: readonly Float32Array[];
  reward: Float32Array;
  obs: Float32Array;
}

/** What `backward` writes (every element): ∂L/∂state and ∂L/∂(clipped action). */
export interface FusedStepGradients {
  state: readonly Float32Array[];
  action: Float32Array;
}

/**
 * An env's step as one kernel. `forward` must compute exactly what the env's op-by-op `transition` and
 * `observe` compute (float32 rounding aside); `backward` is its vector-Jacobian product, with the
 * semantics of tfjs's gradients where the ops are not differentiable (clip, atan2's wrap).
 */
export interface FusedStep {
  /** The state tensors the kernel reads and writes (each float32, first dimension the batch), in order. */
  stateKeys: readonly string[];
  obsDim: number;
  /** The backends where `forward` is bit-identical to the op path (fused-kernels.test.ts holds it to that). */
  exactOn: readonly string[];
  /**
   * The backends where the default `kernel: 'auto'` uses the kernel: a subset of `exactOn` where the
   * training goldens (tests/golden) come out unchanged too. The backward pass accumulates in float64,
   * not op by op in float32, and a chaotic training run (GI-PPO on cart-pole) amplifies that last-bit
   * difference past the golden tolerance within a few epochs. Elsewhere `kernel: 'fused'` asks for it.
   */
  defaultOn: readonly string[];
  /**
   * `false` where the kernel is the env's only implementation (the rigid-body envs: a simulator of
   * hundreds of scalar operations per substep has no op-by-op tfjs form worth running). Such an env
   * always steps with the kernel, only on the host backends; fused-kernels.test.ts leaves it out and its
   * own tests check it against MuJoCo and finite differences instead. Default `true`: `transition` is the reference.
   */
  opReference?: boolean;
  /**
   * Start states (every state tensor but the counter `t`; the caller owns them) from which
   * fused-check.ts and fused-kernels.test.ts also compare a rollout, where a reset does not reach the
   * kernel's branches (collisions, clips, early ends) within a check's few steps.
   */
  checkStart?: () => Record<string, tf.Tensor>;
  /**
   * Values per env that `forward` can keep for `backward` ([batch, keptWidth], row-major, float64), so
   * that the backward need not replay the step; absent or 0: nothing is kept.
   */
  keptWidth?: number;
  /** `kept`, when given (a gradient tape records), is to be filled for `backward`. */
  forward(inputs: FusedStepInputs, outputs: FusedStepOutputs, kept?: Float64Array): void;
  /** `kept` is what `forward` kept, when it kept anything. */
  backward(inputs: FusedStepInputs, cotangents: FusedStepCotangents, gradients: FusedStepGradients, kept?: Float64Array): void;
  /**
   * The same step as shader code for the GPU backends (fused-gpu.ts), or `false` where it has none.
   * On webgl and webgpu `kernel: 'auto'` uses it: no golden is recorded there, and neither path is
   * bit-reproducible across GPUs. fused-gpu-check.ts holds it to the op path, values and gradients.
   */
  gpu?: GpuFusedStep | false;
}

/** Values per substep that `traceSubstep` writes. */
export const TRACE_WIDTH = 10;

/**
 * Stores one substep's values in a backward pass's trace (row `substep`, `TRACE_WIDTH` wide). Fixed
 * arity, so that the hot loop allocates nothing per call.
 */
export function traceSubstep(trace: Float64Array, substep: number, v0: number, v1: number, v2: number, v3: number, v4: number, v5: number, v6: number, v7 = 0, v8 = 0, v9 = 0): void {
  const at = substep * TRACE_WIDTH;
  trace[at] = v0;
  trace[at + 1] = v1;
  trace[at + 2] = v2;
  trace[at + 3] = v3;
  trace[at + 4] = v4;
  trace[at + 5] = v5;
  trace[at + 6] = v6;
  trace[at + 7] = v7;
  trace[at + 8] = v8;
  trace[at + 9] = v9;
}

/** The backends whose tensors live in host memory, where a fused step is a loop over typed arrays (core's host-kernel backends). */
export const FUSED_HOST_BACKENDS = HOST_BACKENDS;

/** What a fused step kernel returns: the next state in `stateKeys` order, then these. */
export interface FusedStepResult {
  state: tf.Tensor[];
  t: tf.Tensor;
  reward: tf.Tensor;
  nextObs: tf.Tensor;
  obs: tf.Tensor;
  terminated: tf.Tensor;
  truncated: tf.Tensor;
  nonFinite: tf.Tensor;
}

const kernelNames = new WeakMap<FusedStep, string>();
let kernelCount = 0;

/** The tfjs kernel name of a fused step, registering its forward and backward kernels (and the gradient) on first use. */
function kernelFor(fused: FusedStep, envName: string): string {
  let name = kernelNames.get(fused);
  if (name !== undefined) return name;
  name = `PathwiseEnvStep_${envName}_${kernelCount++}`;
  const gradName = `${name}_Grad`;
  const stateInputs = fused.stateKeys.map((k) => `state:${k}`);
  for (const backendName of FUSED_HOST_BACKENDS) {
    tf.registerKernel({
      kernelName: name,
      backendName,
      kernelFunc: ({ inputs, backend, attrs }) => forwardKernel(fused, stateInputs, inputs as unknown as Record<string, TensorInfoLike>, backend, attrs ?? {}),
    });
    tf.registerKernel({
      kernelName: gradName,
      backendName,
      kernelFunc: ({ inputs, backend, attrs }) => backwardKernel(fused, stateInputs, inputs as unknown as Record<string, TensorInfoLike>, backend, (attrs as { kept?: KeptValues }).kept),
    });
  }
  const inputNames = [...stateInputs, 't', 'action'];
  const n = fused.stateKeys.length;
  tf.registerGradient({
    kernelName: name,
    inputsToSave: inputNames,
    gradFunc: (dy, saved, attrs) => {
      const dys = dy as tf.Tensor[];
      const inputs: Record<string, tf.Tensor> = {};
      inputNames.forEach((input, i) => (inputs[input] = saved[i]!));
      // Outputs: state…, t, reward, nextObs, obs, then the bool flags (no cotangent).
      fused.stateKeys.forEach((_, i) => (inputs[`d${stateInputs[i]}`] = dys[i]!));
      inputs['dreward'] = dys[n + 1]!;
      inputs['dnextObs'] = dys[n + 2]!;
      inputs['dobs'] = dys[n + 3]!;
      // One backward dispatch for all inputs, run now (not in the per-input thunks, whose tidy would dispose the rest).
      const grads = tf.engine().runKernel(gradName, inputs as tf.NamedTensorMap, { kept: (attrs as { kept?: KeptValues }).kept } as unknown as tf.NamedAttrMap) as tf.Tensor[];
      const map: Record<string, () => tf.Tensor> = { t: () => tf.zerosLike(saved[n]!), action: () => grads[n]! };
      stateInputs.forEach((input, i) => (map[input] = () => grads[i]!));
      return map;
    },
  });
  kernelNames.set(fused, name);
  return name;
}

/**
 * What a step's forward keeps for its backward (`FusedStep.keptWidth`), handed over in the kernel's
 * attributes, which the tape keeps with the node and passes to the gradient: a tensor output would be
 * copied by the tape (tfjs clones every saved tensor) and get a zero cotangent of its size on the way
 * back, for values no other op reads. `values` is filled by the forward only while a tape records.
 */
interface KeptValues {
  values?: Float64Array;
}

/**
 * Arrays of kept values the backward is done with, for the next forwards to fill (a rollout keeps one
 * per step until its backward; allocating each anew cost ~3 % of a cart-pole rollout's time in garbage
 * collection). At most KEPT_POOL_BYTES are held.
 */
const keptPool = new Map<number, Float64Array[]>();
const KEPT_POOL_BYTES = 32 * 2 ** 20;
let keptPoolBytes = 0;

function takeKept(length: number): Float64Array {
  const free = keptPool.get(length)?.pop();
  if (free === undefined) return new Float64Array(length);
  keptPoolBytes -= free.byteLength;
  return free;
}

/** Returns `kept.values` to the pool; a second backward of the same step (none in tfjs) would replay the step instead. */
function releaseKept(kept: KeptValues | undefined): void {
  const values = kept?.values;
  if (values === undefined) return;
  kept!.values = undefined;
  if (keptPoolBytes + values.byteLength > KEPT_POOL_BYTES) return;
  keptPoolBytes += values.byteLength;
  const free = keptPool.get(values.length);
  if (free === undefined) keptPool.set(values.length, [values]);
  else free.push(values);
}

function forwardKernel(fused: FusedStep, stateInputs: string[], inputs: Record<string, TensorInfoLike>, backend: unknown, attrs: Record<string, unknown>): TensorInfoLike[] {
  const storage = hostStorage(backend);
  const states = stateInputs.map((k) => inputs[k]!);
  const t = inputs['t']!;
  const action = inputs['action']!;
  const batch = t.shape[0]!;
  const episodeLength = attrs['episodeLength'] as number;
  const flagNonFinite = attrs['flagNonFinite'] as boolean;
  const out = {
    state: states.map((s) => storage.allocate(s.shape, 'float32')),
    t: storage.allocate([batch], 'float32'),
    reward: storage.allocate([batch], 'float32'),
    nextObs: storage.allocate([batch, fused.obsDim], 'float32'),
    obs: storage.allocate([batch, fused.obsDim], 'float32'),
    terminated: storage.allocate([batch], 'bool'),
    truncated: storage.allocate([batch], 'bool'),
    nonFinite: storage.allocate([batch], 'bool'),
  };
  const tIn = storage.view(t);
  const clipped = clip(storage.view(action));
  const outputs: FusedStepOutputs = {
    state: out.state.map((s) => storage.view(s)),
    reward: storage.view(out.reward),
    obs: storage.view(out.nextObs),
    terminated: storage.boolView(out.terminated).fill(0),
  };
  const holder = attrs['kept'] as KeptValues | undefined;
  const kept = holder !== undefined && (fused.keptWidth ?? 0) > 0 ? (holder.values = takeKept(batch * fused.keptWidth!)) : undefined;
  fused.forward({ batch, state: states.map((s) => storage.view(s)), t: tIn, action: clipped }, outputs, kept);
  const tOut = storage.view(out.t);
  const truncated = storage.boolView(out.truncated);
  const nonFinite = storage.boolView(out.nonFinite);
  const obsDim = fused.obsDim;
  storage.view(out.obs).set(outputs.obs);
  for (let i = 0; i < batch; i++) {
    tOut[i] = tIn[i]! + 1;
    truncated[i] = tOut[i]! >= episodeLength ? 1 : 0;
    // As the op path: the row sum of the observation plus the reward, in float32, is not finite.
    let sum = 0;
    for (let j = 0; j < obsDim; j++) sum = Math.fround(sum + outputs.obs[i * obsDim + j]!);
    nonFinite[i] = Number.isFinite(Math.fround(sum + outputs.reward[i]!)) ? 0 : 1;
    if (flagNonFinite && nonFinite[i] === 1) outputs.terminated[i] = 1;
  }
  return [...out.state, out.t, out.reward, out.nextObs, out.obs, out.terminated, out.truncated, out.nonFinite];
}

function backwardKernel(fused: FusedStep, stateInputs: string[], inputs: Record<string, TensorInfoLike>, backend: unknown, kept: KeptValues | undefined): TensorInfoLike[] {
  const storage = hostStorage(backend);
  const states = stateInputs.map((k) => inputs[k]!);
  const action = inputs['action']!;
  const batch = inputs['t']!.shape[0]!;
  const outState = states.map((s) => storage.allocate(s.shape, 'float32'));
  const outAction = storage.allocate(action.shape, 'float32');
  const raw = storage.view(action);
  const f32 = (name: string) => storage.view(inputs[name]!);
  const dObs = Float32Array.from(f32('dobs'));
  const dNextObs = f32('dnextObs');
  for (let j = 0; j < dObs.length; j++) dObs[j] = dObs[j]! + dNextObs[j]!;
  const gradients: FusedStepGradients = { state: outState.map((s) => storage.view(s)), action: storage.view(outAction) };
  fused.backward(
    { batch, state: states.map((s) => storage.view(s)), t: f32('t'), action: clip(raw) },
    { state: stateInputs.map((k) => f32(`d${k}`)), reward: f32('dreward'), obs: dObs },
    gradients,
    kept?.values?.length === batch * (fused.keptWidth ?? 0) ? kept.values : undefined,
  );
  releaseKept(kept);
  // tfjs's clipByValue gradient: the cotangent passes where min <= a <= max.
  for (let j = 0; j < raw.length; j++) if (!(raw[j]! >= -1 && raw[j]! <= 1)) gradients.action[j] = 0;
  return [...outState, outAction];
}

function clip(action: Float32Array): Float32Array {
  const out = new Float32Array(action.length);
  for (let j = 0; j < action.length; j++) {
    const a = action[j]!;
    out[j] = a > 1 ? 1 : a < -1 ? -1 : a;
  }
  return out;
}

/** Whether a fused step (of `fused`, where given: its GPU kernel on a GPU backend) can run on a backend (default: the active one). */
export function fusedStepSupported(backendName: string = tf.getBackend(), fused?: FusedStep): boolean {
  if ((FUSED_GPU_BACKENDS as readonly string[]).includes(backendName)) return fused !== undefined && fused.gpu !== undefined && fused.gpu !== false;
  return (FUSED_HOST_BACKENDS as readonly string[]).includes(backendName);
}

/** Whether a backend runs fused steps as GPU programs (where `kernel: 'auto'` picks them). */
export function isGpuFusedBackend(backendName: string): boolean {
  return (FUSED_GPU_BACKENDS as readonly string[]).includes(backendName);
}

/** One env step as one kernel dispatch (and one backward), recorded on the gradient tape like any op. */
export function runFusedStep(fused: FusedStep, envName: string, state: Record<string, tf.Tensor>, action: tf.Tensor, attrs: { episodeLength: number; flagNonFinite: boolean }): FusedStepResult {
  if (isGpuFusedBackend(tf.getBackend()) && fused.gpu) return runGpuFusedStep(fused, fused.gpu, envName, state, action, attrs);
  const name = kernelFor(fused, envName);
  const inputs: Record<string, tf.Tensor> = { t: state['t']!, action };
  for (const key of fused.stateKeys) {
    const tensor = state[key];
    if (tensor === undefined || tensor.dtype !== 'float32') throw new Error(`${envName}: the fused step needs a float32 state tensor '${key}'.`);
    inputs[`state:${key}`] = tensor;
  }
  // While a tape records, the backward will want what the forward can keep.
  const kept: KeptValues | undefined = tapeIsOn() && (fused.keptWidth ?? 0) > 0 ? {} : undefined;
  const outputs = tf.engine().runKernel(name, inputs as tf.NamedTensorMap, { ...attrs, ...(kept ? { kept } : {}) } as unknown as tf.NamedAttrMap) as tf.Tensor[];
  const n = fused.stateKeys.length;
  return {
    state: outputs.slice(0, n),
    t: outputs[n]!,
    reward: outputs[n + 1]!,
    nextObs: outputs[n + 2]!,
    obs: outputs[n + 3]!,
    terminated: outputs[n + 4]!,
    truncated: outputs[n + 5]!,
    nonFinite: outputs[n + 6]!,
  };
}

function runGpuFusedStep(
  fused: FusedStep,
  gpu: GpuFusedStep,
  envName: string,
  state: Record<string, tf.Tensor>,
  action: tf.Tensor,
  attrs: { episodeLength: number; flagNonFinite: boolean },
): FusedStepResult {
  const name = gpuKernelFor(gpu, envName, fused.stateKeys.length, action.shape[1]!);
  const inputs: Record<string, tf.Tensor> = { counter: state['t']!, action };
  fused.stateKeys.forEach((key, k) => {
    const tensor = state[key];
    if (tensor === undefined || tensor.dtype !== 'float32') throw new Error(`${envName}: the fused step needs a float32 state tensor '${key}'.`);
    inputs[`state${k}`] = tensor;
  });
  const outputs = tf.engine().runKernel(name, inputs as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
  const n = fused.stateKeys.length;
  const nextObs = outputs[n + 2]!;
  return {
    state: outputs.slice(0, n),
    t: outputs[n]!,
    reward: outputs[n + 1]!,
    nextObs,
    // An Identity kernel: shares nextObs's GPU buffer, and its gradient flows into nextObs's.
    obs: tf.clone(nextObs),
    terminated: outputs[n + 3]!,
    truncated: outputs[n + 4]!,
    nonFinite: outputs[n + 5]!,
  };
}
