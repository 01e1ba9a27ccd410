import { tf } from '@pathwise/core';
import { groupedSupported, outputsPerDispatch, runGrouped, type TensorInfoLike } from './fused-webgpu.js';

// Fused env steps on the GPU backends (issue 14): the step as a few shader programs instead of the
// hundreds of op dispatches of the op-by-op definition. Each env writes its step once, in a small
// C-like subset that is both GLSL ES 3.0 and (after `toWgsl`) WGSL. On webgl this module runs it as one
// tfjs program per output (a fragment shader writes one texture) through the backend's `compileAndRun`,
// each recomputing the step from its inputs (arithmetic is free next to a dispatch). On webgpu one
// compute shader computes the step once per env and writes as many outputs as the device's
// storage-buffer bindings allow (fused-webgpu.ts): all of them in one dispatch with the 16 that
// @pathwise/backend-webgpu asks for; one tfjs program per output (`runWebGPUProgram`) where the
// backend lacks what that needs.
//
// The subset: `float|int|bool name = expr;`, `float name[N];`, assignments (`=`, `+=`, `-=`),
// `if (…) { } else { }`, `for (int k = a; k < b; k++) { }` (or `k >= 0; k--`), float literals with a
// point (GLSL does not convert ints), no ternaries, GLSL builtins common to both (sin, cos, exp,
// sqrt, abs, min, max, clamp, floor), `atan2(y, x)`, and the helpers below. A pass's body sees the
// row `row` (not the output column: on webgpu it runs once per row for several outputs; the output
// expressions see `col`), the state `S0…` of the row, the counter `T`, and calls
// `act(row, j)` (the action, clipped to [-1, 1]); a backward body also sees the cotangents `DS0…`, `DR`
// and calls `dobs(row, j)` (of the observation after the step). A state tensor of several values per
// env ([B, w], declared in `stateWidths`) is read into an array `S<k>[w]` (its cotangent `DS<k>[w]`),
// and its output expression is evaluated per column `col`.

/** The step in shader code (the subset above); each output is an expression over the body's variables. */
export interface GpuFusedStep {
  /**
   * Per state tensor (in `stateKeys` order): 0 (the default for every one) for a [B] tensor, read as the
   * scalar `S<k>`; w ≥ 1 for a [B, w] tensor, read as the array `S<k>[w]` (also for w = 1: webgl reads a
   * 2-D tensor through a getter with two indices).
   */
  stateWidths?: readonly number[];
  forward: {
    body: string;
    /** The next value of each state tensor, in `stateKeys` order. */
    state: readonly string[];
    reward: string;
    /** The observation of the next state, one expression per column. */
    obs: readonly string[];
    /** An early end (a bool expression); none when omitted. */
    terminated?: string;
  };
  backward: {
    body: string;
    /** ∂L/∂(state before the step), in `stateKeys` order. */
    state: readonly string[];
    /** ∂L/∂(clipped action) at column `col`. */
    action: string;
  };
}

/** The backends whose tensors live on a GPU, where a fused step is a set of shader programs. */
export const FUSED_GPU_BACKENDS = ['webgl', 'webgpu'] as const;

/** A float literal that reads the same in GLSL and WGSL: the float32 value, with a point or exponent. */
export function lit(value: number): string {
  const text = String(Math.fround(value));
  const literal = /[.e]/.test(text) ? text : `${text}.0`;
  return value < 0 ? `(${literal})` : literal;
}

const WGSL_TYPES: Record<string, string> = { float: 'f32', int: 'i32', bool: 'bool' };

/** The shared subset as WGSL. */
export function toWgsl(source: string): string {
  return source
    .replace(/\bfor \(int (\w+) = /g, 'for (var $1: i32 = ')
    .replace(/\bfloat (\w+)\[(\d+)\];/g, 'var $1: array<f32, $2>;')
    .replace(/\b(float|int|bool) (\w+) = /g, (_, type: string, name: string) => `var ${name}: ${WGSL_TYPES[type]} = `)
    .replace(/\bfloat\(/g, 'f32(')
    .replace(/\bint\(/g, 'i32(');
}

/** The shared subset as GLSL ES 3.0. */
export function toGlsl(source: string): string {
  return source.replace(/\batan2\(/g, 'atan(');
}

/** What a program needs to know beyond the env's code. */
interface Layout {
  envName: string;
  stateCount: number;
  /** GpuFusedStep.stateWidths, one entry per state tensor. */
  stateWidths: readonly number[];
  actDim: number;
  obsDim: number;
}

/** Values per env of each state tensor (and columns of its cotangent): its width, or 1 for a scalar. */
function stateColumns(layout: Layout): number[] {
  return layout.stateWidths.map((w) => Math.max(w, 1));
}

type Language = 'wgsl' | 'glsl';

/** The per-row preamble of a pass: the state, the counter, the cotangents, in the target language. */
function preamble(language: Language, layout: Layout, pass: 'forward' | 'backward'): { helpers: string; locals: string } {
  const { stateCount, actDim, obsDim } = layout;
  const columns = stateColumns(layout);
  // Cotangent columns: each state tensor's, the reward, the observation.
  const offsets = columns.map((_, k) => columns.slice(0, k).reduce((a, c) => a + c, 0));
  const stateTotal = columns.reduce((a, c) => a + c, 0);
  const cotWidth = stateTotal + 1 + obsDim;
  const read = (name: string, index: string) => (language === 'wgsl' ? `${name}[${index}]` : `get${name[0]!.toUpperCase()}${name.slice(1)}(${index})`);
  const read2 = (name: string, r: string, c: string, width: number) => (language === 'wgsl' ? `${name}[(${r}) * ${width} + (${c})]` : `get${name[0]!.toUpperCase()}${name.slice(1)}(${r}, ${c})`);
  const fn = (ret: string, name: string, args: string, body: string) =>
    language === 'wgsl'
      ? `fn ${name}(${args.replace(/\b(float|int) (\w+)/g, (_, t: string, n: string) => `${n}: ${WGSL_TYPES[t]}`)}) -> ${WGSL_TYPES[ret]} { ${body} }`
      : `${ret} ${name}(${args}) { ${body} }`;
  const nonFinite =
    language === 'wgsl'
      ? 'fn isNonFinite(v: f32) -> bool { return (bitcast<u32>(v) & 0x7f800000u) == 0x7f800000u; }'
      : 'bool isNonFinite(float v) { return (floatBitsToUint(v) & 0x7f800000u) == 0x7f800000u; }';
  const helpers = [
    nonFinite,
    fn('float', 'floorMod', 'float a, float b', 'return a - b * floor(a / b);'),
    fn('float', 'act', 'int r, int j', `return clamp(${read2('action', 'r', 'j', actDim)}, -1.0, 1.0);`),
    fn('float', 'rawAction', 'int r, int j', `return ${read2('action', 'r', 'j', actDim)};`),
    ...(pass === 'backward' ? [fn('float', 'dobs', 'int r, int j', `return ${read2('cotangent', 'r', `${stateTotal + 1} + j`, cotWidth)};`)] : []),
  ].join('\n');
  const locals = [
    `int ACT_DIM = ${actDim};`,
    `float ACT_DIMF = ${lit(actDim)};`,
    ...Array.from({ length: stateCount }, (_, k) => {
      const w = layout.stateWidths[k]!;
      return w > 0 ? `float S${k}[${w}]; for (int iPre = 0; iPre < ${w}; iPre++) { S${k}[iPre] = ${read2(`state${k}`, 'row', 'iPre', w)}; }` : `float S${k} = ${read(`state${k}`, 'row')};`;
    }),
    ...(pass === 'forward' ? [`float T = ${read('counter', 'row')};`] : []),
    ...(pass === 'backward'
      ? [
          ...Array.from({ length: stateCount }, (_, k) => {
            const w = layout.stateWidths[k]!;
            return w > 0
              ? `float DS${k}[${w}]; for (int iPre = 0; iPre < ${w}; iPre++) { DS${k}[iPre] = ${read2('cotangent', 'row', `${offsets[k]} + iPre`, cotWidth)}; }`
              : `float DS${k} = ${read2('cotangent', 'row', String(offsets[k]), cotWidth)};`;
          }),
          `float DR = ${read2('cotangent', 'row', String(stateTotal), cotWidth)};`,
        ]
      : []),
  ].join('\n');
  return { helpers, locals: language === 'wgsl' ? toWgsl(locals) : locals };
}

/** `if (col == 0) { v = a; } else if …`, selecting one expression per output column. */
function selectColumn(expressions: readonly string[]): string {
  if (expressions.length === 1) return `value = float(${expressions[0]});`;
  return expressions.map((e, j) => `${j > 0 ? 'else ' : ''}if (col == ${j}) { value = float(${e}); }`).join(' ');
}

interface ProgramSpec {
  key: string;
  pass: 'forward' | 'backward';
  /** Input tensor names, bound in this order. */
  inputs: string[];
  outputShape: number[];
  dtype: 'float32' | 'bool';
  /** Whether the pass's body is needed (not for the counter and the time limit). */
  body: boolean;
  /** Code after the body that sets `value` (a float). */
  select: string;
}

function programSource(language: Language, layout: Layout, code: string, spec: ProgramSpec): string {
  const { helpers, locals } = preamble(language, layout, spec.pass);
  const cols = spec.outputShape.length > 1 ? spec.outputShape[1]! : 1;
  const shared = `${spec.body ? code : ''}\nfloat value = 0.0;\n${spec.select}`;
  if (language === 'wgsl') {
    // Every input is bound, so every input must be used: the pipeline's layout omits unused bindings.
    const touch = spec.inputs.map((name) => `_ = arrayLength(&${name});`).join(' ');
    return `${helpers}
fn main(index: i32) {
  ${touch}
  if (index < uniforms.size) {
    let row = index / ${cols};
    let col = index % ${cols};
    ${locals}
    ${toWgsl(shared)}
    setOutputAtIndex(index, value);
  }
}`;
  }
  const coords = spec.outputShape.length > 1 ? 'ivec2 coords = getOutputCoords(); int row = coords.x; int col = coords.y;' : 'int row = getOutputCoords(); int col = 0;';
  return `${helpers}
void main() {
  ${coords}
  ${locals}
  ${toGlsl(shared)}
  setOutput(value);
}`;
}

interface GpuBackendLike {
  runWebGPUProgram?: (program: object, inputs: TensorInfoLike[], dtype: string) => TensorInfoLike;
  compileAndRun?: (program: object, inputs: TensorInfoLike[], dtype?: string) => TensorInfoLike;
}

function runProgram(backend: unknown, layout: Layout, code: string, spec: ProgramSpec, inputs: TensorInfoLike[]): TensorInfoLike {
  const b = backend as GpuBackendLike;
  if (b.runWebGPUProgram !== undefined) {
    const size = spec.outputShape.reduce((a, c) => a * c, 1);
    const workgroupSize: [number, number, number] = [64, 1, 1];
    const program = {
      variableNames: spec.inputs,
      outputShape: spec.outputShape,
      shaderKey: spec.key,
      dispatchLayout: { x: spec.outputShape.map((_, i) => i) },
      dispatch: [Math.ceil(size / workgroupSize[0]), 1, 1],
      workgroupSize,
      size: true,
      getUserCode: () => programSource('wgsl', layout, code, spec),
    };
    return b.runWebGPUProgram(program, inputs, spec.dtype);
  }
  if (b.compileAndRun !== undefined) {
    const program = { variableNames: spec.inputs, outputShape: spec.outputShape, packedInputs: false, packedOutput: false, userCode: programSource('glsl', layout, code, spec) };
    return b.compileAndRun(program, inputs, spec.dtype);
  }
  throw new Error(`${layout.envName}: a GPU fused step needs the webgl or webgpu backend.`);
}

/**
 * Runs a pass's programs: on webgpu, as few dispatches as the storage-buffer limit allows, each
 * computing the step once and writing several outputs (fused-webgpu.ts); else one program per output.
 */
function runPass(backend: unknown, layout: Layout, code: string, specs: ProgramSpec[], bound: TensorInfoLike[]): TensorInfoLike[] {
  // Every program binds all inputs and at least one output (traffic: 8 + 1; tfjs's default limit is 8).
  const limit = (backend as { device?: { limits?: { maxStorageBuffersPerShaderStage?: number } } }).device?.limits?.maxStorageBuffersPerShaderStage;
  if (limit !== undefined && bound.length + 1 > limit)
    throw new Error(`${layout.envName}: its GPU fused step binds ${bound.length} input buffers and an output; this webgpu device allows ${limit} storage buffers per shader stage. Use kernel: 'ops'.`);
  const perDispatch = groupedSupported(backend) ? outputsPerDispatch(backend, bound.length) : 0;
  if (!groupedSupported(backend) || perDispatch < 1) return specs.map((spec) => runProgram(backend, layout, code, spec, bound));
  const { helpers, locals } = preamble('wgsl', layout, specs[0]!.pass);
  const rowCode = `${locals}\n${toWgsl(code)}`;
  const outputs: TensorInfoLike[] = [];
  for (let i = 0; i < specs.length; i += perDispatch) {
    const group = specs.slice(i, i + perDispatch);
    const key = group.map((spec) => spec.key).join('+');
    outputs.push(
      ...runGrouped(
        backend,
        key,
        specs[0]!.inputs,
        bound,
        helpers,
        rowCode,
        group.map((spec) => ({ shape: spec.outputShape, dtype: spec.dtype, select: toWgsl(`float value = 0.0; ${spec.select}`) })),
      ),
    );
  }
  return outputs;
}

/** The forward programs, in the kernel's output order: state…, t, reward, nextObs, terminated, truncated, nonFinite. */
function forwardSpecs(gpu: GpuFusedStep, layout: Layout, batch: number, stateShapes: number[][], attrs: { episodeLength: number; flagNonFinite: boolean }): ProgramSpec[] {
  const f = gpu.forward;
  const inputs = [...Array.from({ length: layout.stateCount }, (_, k) => `state${k}`), 'counter', 'action'];
  const base = `${layout.envName}_fwd`;
  const nonFinite = `isNonFinite(${[...f.obs, f.reward].map((e) => `(${e})`).join(' + ')})`;
  const terminated = [f.terminated ?? 'false', ...(attrs.flagNonFinite ? [nonFinite] : [])].map((e) => `(${e})`).join(' || ');
  const spec = (name: string, outputShape: number[], dtype: 'float32' | 'bool', select: string, body = true): ProgramSpec => ({
    key: `pathwise_env_${base}_${name}_${attrs.episodeLength}_${attrs.flagNonFinite}`,
    pass: 'forward',
    inputs,
    outputShape,
    dtype,
    body,
    select,
  });
  return [
    ...f.state.map((e, k) => spec(`s${k}`, stateShapes[k]!, 'float32', selectColumn([e]))),
    spec('t', [batch], 'float32', 'value = T + 1.0;', false),
    spec('reward', [batch], 'float32', selectColumn([f.reward])),
    spec('obs', [batch, layout.obsDim], 'float32', selectColumn(f.obs)),
    spec('terminated', [batch], 'bool', selectColumn([terminated])),
    spec('truncated', [batch], 'bool', selectColumn([`T + 1.0 >= ${lit(attrs.episodeLength)}`]), false),
    spec('nonfinite', [batch], 'bool', selectColumn([nonFinite])),
  ];
}

function backwardSpecs(gpu: GpuFusedStep, layout: Layout, batch: number, stateShapes: number[][]): ProgramSpec[] {
  const g = gpu.backward;
  const inputs = [...Array.from({ length: layout.stateCount }, (_, k) => `state${k}`), 'action', 'cotangent'];
  const spec = (name: string, outputShape: number[], select: string): ProgramSpec => ({
    key: `pathwise_env_${layout.envName}_bwd_${name}`,
    pass: 'backward',
    inputs,
    outputShape,
    dtype: 'float32',
    body: true,
    select,
  });
  // tfjs's clipByValue gradient: the cotangent passes where -1 <= a <= 1.
  const clipMask = 'float raw = rawAction(row, col); if (!(raw >= -1.0 && raw <= 1.0)) { value = 0.0; }';
  return [...g.state.map((e, k) => spec(`s${k}`, stateShapes[k]!, selectColumn([e]))), spec('action', [batch, layout.actDim], `${selectColumn([g.action])} ${clipMask}`)];
}

/** The state tensors a GPU kernel reads hold one value per env ([B] or [B, 1]), or `stateWidths[k]` ([B, w]). */
function checkStateShapes(envName: string, layout: Layout, states: TensorInfoLike[], batch: number): void {
  const columns = stateColumns(layout);
  states.forEach((s, k) => {
    const w = layout.stateWidths[k]!;
    const fits = s.shape.reduce((a, c) => a * c, 1) === batch * columns[k]! && (w === 0 || (s.shape.length === 2 && s.shape[1] === w));
    if (!fits) throw new Error(`${envName}: a GPU fused step needs ${w === 0 ? 'one value per env' : `[batch, ${w}]`} in state tensor ${k}; got shape [${s.shape.join(', ')}].`);
  });
}

/** Kernel names by step code, env name and action width (one code serves dejong and dejong64). */
const kernelNames = new Map<GpuFusedStep, Map<string, string>>();
let kernelCount = 0;

/**
 * The tfjs kernel name of an env's GPU step, registering its forward and backward kernels for webgl
 * and webgpu (and the gradient) on first use. Outputs: state…, t, reward, nextObs, terminated,
 * truncated, nonFinite; the caller clones nextObs into obs (the clone shares the GPU buffer).
 */
export function gpuKernelFor(gpu: GpuFusedStep, envName: string, stateCount: number, actDim: number): string {
  const byEnv = kernelNames.get(gpu) ?? new Map<string, string>();
  kernelNames.set(gpu, byEnv);
  let name = byEnv.get(`${envName}/${actDim}`);
  if (name !== undefined) return name;
  const index = kernelCount++;
  name = `PathwiseEnvStepGpu_${envName}_${index}`;
  const gradName = `${name}_Grad`;
  const stateInputs = Array.from({ length: stateCount }, (_, k) => `state${k}`);
  const stateWidths = gpu.stateWidths ?? Array.from({ length: stateCount }, () => 0);
  if (stateWidths.length !== stateCount) throw new Error(`${envName}: GpuFusedStep.stateWidths has ${stateWidths.length} entries for ${stateCount} state tensors.`);
  const layout: Layout = { envName: `${envName.replace(/\W/g, '_')}_${index}`, stateCount, stateWidths, actDim, obsDim: gpu.forward.obs.length };
  const forwardCode = gpu.forward.body;
  const backwardCode = gpu.backward.body;
  for (const backendName of FUSED_GPU_BACKENDS) {
    tf.registerKernel({
      kernelName: name,
      backendName,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const named = inputs as unknown as Record<string, TensorInfoLike>;
        const states = stateInputs.map((k) => named[k]!);
        const batch = named['counter']!.shape[0]!;
        checkStateShapes(envName, layout, states, batch);
        const specs = forwardSpecs(
          gpu,
          layout,
          batch,
          states.map((s) => s.shape),
          attrs as unknown as { episodeLength: number; flagNonFinite: boolean },
        );
        const bound = [...states, named['counter']!, named['action']!];
        return runPass(backend, layout, forwardCode, specs, bound);
      },
    });
    tf.registerKernel({
      kernelName: gradName,
      backendName,
      kernelFunc: ({ inputs, backend }) => {
        const named = inputs as unknown as Record<string, TensorInfoLike>;
        const states = stateInputs.map((k) => named[k]!);
        const batch = named['action']!.shape[0]!;
        const specs = backwardSpecs(
          gpu,
          layout,
          batch,
          states.map((s) => s.shape),
        );
        const bound = [...states, named['action']!, named['cotangent']!];
        return runPass(backend, layout, backwardCode, specs, bound);
      },
    });
  }
  const inputNames = [...stateInputs, 'counter', 'action'];
  tf.registerGradient({
    kernelName: name,
    inputsToSave: inputNames,
    gradFunc: (dy, saved) => {
      const dys = dy as tf.Tensor[];
      const batch = saved[stateCount]!.shape[0]!;
      // One [B, state columns + 1 + obsDim] tensor of cotangents: a shader stage binds at most 8 buffers.
      const cotangent = tf.tidy(() =>
        tf.concat(
          [
            ...dys
              .slice(0, stateCount + 2)
              .filter((_, i) => i !== stateCount)
              .map((d) => tf.reshape(d, [batch, -1])),
            dys[stateCount + 2]!,
          ],
          1,
        ),
      );
      const inputs: Record<string, tf.Tensor> = { action: saved[stateCount + 1]!, cotangent };
      stateInputs.forEach((input, k) => (inputs[input] = saved[k]!));
      const grads = tf.engine().runKernel(gradName, inputs as tf.NamedTensorMap) as tf.Tensor[];
      cotangent.dispose();
      const map: Record<string, () => tf.Tensor> = { counter: () => tf.zerosLike(saved[stateCount]!), action: () => grads[stateCount]! };
      stateInputs.forEach((input, k) => (map[input] = () => grads[k]!));
      return map;
    },
  });
  byEnv.set(`${envName}/${actDim}`, name);
  return name;
}
