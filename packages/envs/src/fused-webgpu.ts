import { tf } from '@pathwise/core';

// WebGPU: several outputs of a fused env step from one dispatch. tfjs's `runWebGPUProgram` binds one
// output buffer, so one program per output would recompute the step for each; here one compute shader
// computes the step once per env (row) and writes as many outputs as the device's storage-buffer
// binding limit leaves after the inputs (tfjs asks for the default, 8: a cart-pole step's 6 inputs
// leave 2 outputs a dispatch, 5 dispatches forward instead of 10). It records into the backend's own
// command encoder and buffers, through the methods its `recordAndSubmit` uses (tfjs-backend-webgpu
// 4.22): where one is missing, `groupedSupported` says no and the caller runs one program per output.

export interface TensorInfoLike {
  dataId: object;
  shape: number[];
  dtype: tf.DataType;
}

interface GpuDeviceLike {
  limits: { maxStorageBuffersPerShaderStage: number; maxComputeWorkgroupsPerDimension: number };
  createShaderModule(descriptor: { code: string }): unknown;
  createComputePipeline(descriptor: { layout: 'auto'; compute: { module: unknown; entryPoint: string } }): { getBindGroupLayout(index: number): unknown };
  createBindGroup(descriptor: { layout: unknown; entries: Array<{ binding: number; resource: unknown }> }): unknown;
}

interface PassEncoderLike {
  setPipeline(pipeline: unknown): void;
  setBindGroup(index: number, group: unknown): void;
  dispatchWorkgroups(x: number, y: number, z: number): void;
}

interface WebGpuBackendInternals {
  device: GpuDeviceLike;
  makeTensorInfo(shape: number[], dtype: tf.DataType): TensorInfoLike;
  uploadToGPU(dataId: object): void;
  tensorToBinding(tensor: TensorInfoLike): unknown;
  makeUniforms(uniforms: Array<{ type: string; data: number[] }>): unknown;
  commandQueueOwnedIds: { add(dataId: object): unknown };
  ensureCommandEncoderReady(): void;
  commandEncoder: { beginComputePass(descriptor: object): PassEncoderLike };
  computePassEncoder: PassEncoderLike | null;
  endComputePassEncoder(): void;
  submitQueue(): void;
  dispatchCountInPass: number;
}

/** One output of a grouped dispatch: its buffer name, shape, dtype and the code that writes `value` at (row, col). */
export interface GroupedOutput {
  shape: number[];
  dtype: 'float32' | 'bool';
  /** WGSL that sets `value` (an f32) from the step's variables, `row` and `col`. */
  select: string;
}

const WORKGROUP = 64;

/** Whether `backend` exposes what a grouped dispatch needs. */
export function groupedSupported(backend: unknown): backend is WebGpuBackendInternals {
  const b = backend as Partial<WebGpuBackendInternals>;
  return (
    b.device !== undefined &&
    typeof b.makeTensorInfo === 'function' &&
    typeof b.uploadToGPU === 'function' &&
    typeof b.tensorToBinding === 'function' &&
    typeof b.makeUniforms === 'function' &&
    typeof b.commandQueueOwnedIds?.add === 'function' &&
    typeof b.ensureCommandEncoderReady === 'function' &&
    typeof b.endComputePassEncoder === 'function' &&
    typeof b.submitQueue === 'function'
  );
}

/** How many outputs one dispatch can write next to `inputCount` input buffers (0: none). */
export function outputsPerDispatch(backend: WebGpuBackendInternals, inputCount: number): number {
  return Math.max(0, backend.device.limits.maxStorageBuffersPerShaderStage - inputCount);
}

const pipelines = new WeakMap<object, Map<string, { getBindGroupLayout(index: number): unknown }>>();

/**
 * Runs one compute shader that writes `outputs` (at most `outputsPerDispatch`): `helpers` and `rowCode`
 * (WGSL, the per-row locals and the step's body) once per env, then each output's `select` per column.
 */
export function runGrouped(backend: WebGpuBackendInternals, key: string, inputNames: string[], inputs: TensorInfoLike[], helpers: string, rowCode: string, outputs: GroupedOutput[]): TensorInfoLike[] {
  const batch = inputs[inputNames.indexOf('action')]!.shape[0]!;
  const results = outputs.map((o) => backend.makeTensorInfo(o.shape, o.dtype));
  for (const t of [...inputs, ...results]) backend.uploadToGPU(t.dataId);
  const device = backend.device;
  const cache = pipelines.get(device) ?? new Map();
  pipelines.set(device, cache);
  let pipeline = cache.get(key);
  if (pipeline === undefined) {
    const code = shader(inputNames, helpers, rowCode, outputs);
    pipeline = device.createComputePipeline({ layout: 'auto', compute: { module: device.createShaderModule({ code }), entryPoint: 'main' } });
    cache.set(key, pipeline);
  }
  const uniforms = backend.makeUniforms([0, 1, 2, 3].map((i) => ({ type: 'int32', data: [i === 0 ? batch : 0] })));
  const bound = [...results, ...inputs];
  const bindGroup = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [...bound.map((t, i) => ({ binding: i, resource: backend.tensorToBinding(t) })), { binding: bound.length, resource: uniforms }],
  });
  for (const t of bound) backend.commandQueueOwnedIds.add(t.dataId);
  const groups = Math.ceil(batch / WORKGROUP);
  if (groups > device.limits.maxComputeWorkgroupsPerDimension)
    throw new Error(`A fused env step dispatch needs ${groups} workgroups; the device allows ${device.limits.maxComputeWorkgroupsPerDimension}.`);
  backend.ensureCommandEncoderReady();
  if (!backend.computePassEncoder) backend.computePassEncoder = backend.commandEncoder.beginComputePass({});
  backend.computePassEncoder.setPipeline(pipeline);
  backend.computePassEncoder.setBindGroup(0, bindGroup);
  backend.computePassEncoder.dispatchWorkgroups(groups, 1, 1);
  backend.dispatchCountInPass++;
  if (backend.dispatchCountInPass >= (tf.env().get('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE') as number)) {
    backend.endComputePassEncoder();
    backend.submitQueue();
  }
  return results;
}

function shader(inputNames: string[], helpers: string, rowCode: string, outputs: GroupedOutput[]): string {
  const declarations = [
    ...outputs.map((o, k) => `@group(0) @binding(${k}) var<storage, read_write> out${k}: array<${o.dtype === 'bool' ? 'i32' : 'f32'}>;`),
    ...inputNames.map((name, i) => `@group(0) @binding(${outputs.length + i}) var<storage, read> ${name}: array<f32>;`),
    'struct Uniforms { size: i32, pad0: i32, pad1: i32, pad2: i32 };',
    `@group(0) @binding(${outputs.length + inputNames.length}) var<uniform> uniforms: Uniforms;`,
  ].join('\n');
  const writes = outputs
    .map((o, k) => {
      const cols = o.shape.length > 1 ? o.shape[1]! : 1;
      const store = `out${k}[row * ${cols} + col] = ${o.dtype === 'bool' ? 'i32' : 'f32'}(value);`;
      return `for (var col: i32 = 0; col < ${cols}; col++) { ${o.select} ${store} }`;
    })
    .join('\n');
  // Every input is bound, so every input must be used: the pipeline's layout omits unused bindings.
  const touch = inputNames.map((name) => `_ = arrayLength(&${name});`).join(' ');
  return `${declarations}
${helpers}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  ${touch}
  let row = i32(gid.x);
  if (row >= uniforms.size) { return; }
  ${rowCode}
  ${writes}
}`;
}
