// Importing this module registers the tfjs WebGPU backend. In a browser it runs where `navigator.gpu`
// exists (Chromium: enabled by default on supported GPUs, `--enable-unsafe-webgpu` for SwiftShader).
// In Node it runs on Dawn through the optional npm package `webgpu` (dawn.node): `load()` creates
// `navigator.gpu` from it before tfjs-backend-webgpu is imported, which is when tfjs looks for it.
import { BackendUnavailableError, defineBackend, registerBackend, tf, type AdapterInfo } from '@pathwise/core';

const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean };
}
interface GpuLike {
  requestAdapter(options?: Record<string, unknown>): Promise<GpuAdapterLike | null>;
  wgslLanguageFeatures?: unknown;
}
interface DawnModule {
  create(flags: string[]): GpuLike;
  globals: Record<string, unknown>;
}

/** Node built-ins without a static import, so that the browser build has none (Node ≥ 20.16). */
function builtin<T>(name: string): T | undefined {
  return (globalThis as { process?: { getBuiltinModule?: (name: string) => unknown } }).process?.getBuiltinModule?.(name) as T | undefined;
}

let adapter: AdapterInfo | undefined;
let failure: string | undefined;
let tfjsImported = false;
/** The Dawn instance; dropped at exit so that its threads do not hold the process open. */
let dawnGpu: GpuLike | undefined;

function navigatorGpu(): unknown {
  return (globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu;
}

/** Whether the optional `webgpu` package is installed (a cheap check: nothing is loaded). */
function dawnInstalled(): boolean {
  try {
    const require = builtin<{ createRequire(from: string): { resolve(id: string): string } }>('module')?.createRequire(import.meta.url);
    return require === undefined || require.resolve('webgpu').length > 0;
  } catch {
    return false;
  }
}

/** A software rasteriser (Mesa llvmpipe / lavapipe, SwiftShader, WARP): correct, but slower than the cpu backends. */
function isSoftware(info: NonNullable<GpuAdapterLike['info']>): boolean {
  return info.isFallbackAdapter === true || /llvmpipe|lavapipe|softpipe|swiftshader|microsoft basic render/i.test(`${info.device ?? ''} ${info.description ?? ''} ${info.architecture ?? ''}`);
}

function describe(found: GpuAdapterLike): AdapterInfo {
  const info = found.info ?? {};
  return { vendor: info.vendor || 'unknown', architecture: info.architecture || info.device || 'unknown', software: isSoftware(info) };
}

/**
 * A Vulkan driver other than Mesa's lavapipe (which Dawn rejects): the NVIDIA, AMD or Intel ICD of a
 * real GPU. Without one, Dawn's Vulkan attempt only prints an error, so it is not made.
 */
function hardwareVulkanDriver(): boolean {
  const fs = builtin<{ existsSync(path: string): boolean; readdirSync(path: string): string[] }>('fs');
  const dirs = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];
  return fs !== undefined && dirs.some((dir) => fs.existsSync(dir) && fs.readdirSync(dir).some((file) => file.endsWith('.json') && !/lvp/.test(file)));
}

/**
 * Node: makes `navigator.gpu` from Dawn. A GPU's Vulkan driver first; then Dawn's OpenGL ES backend at
 * the WebGPU `compatibility` feature level, which runs headless on Mesa (llvmpipe or a GPU's GL
 * driver) through EGL's surfaceless platform, set here so that the user sets nothing.
 */
async function installDawn(): Promise<void> {
  if (!process.env['EGL_PLATFORM']) process.env['EGL_PLATFORM'] = 'surfaceless';
  const specifier = 'webgpu'; // a variable, so that browser bundlers do not try to bundle dawn.node
  const dawn = (await import(/* @vite-ignore */ specifier)) as DawnModule;
  Object.assign(globalThis, dawn.globals); // GPUBufferUsage, GPUMapMode, …, which tfjs reads as globals
  const attempts: { flags: string[]; options: Record<string, unknown> }[] = [
    ...(hardwareVulkanDriver() ? [{ flags: [], options: {} }] : []),
    { flags: ['backend=opengl'], options: { featureLevel: 'compatibility' } },
  ];
  for (const { flags, options } of attempts) {
    const gpu = dawn.create(flags);
    const found = await gpu.requestAdapter(options);
    if (found === null) continue;
    adapter = describe(found);
    dawnGpu = gpu;
    // tfjs asks for {powerPreference}; the options that found this adapter are added to every request.
    const wrapped = {
      requestAdapter: async (more?: Record<string, unknown>) => withStorageBufferLimit(await gpu.requestAdapter({ ...more, ...options })),
      wgslLanguageFeatures: gpu.wgslLanguageFeatures,
      getPreferredCanvasFormat: () => 'rgba8unorm',
    };
    const nav = (globalThis as { navigator?: object }).navigator;
    if (nav === undefined) (globalThis as { navigator?: object }).navigator = { gpu: wrapped };
    else Object.defineProperty(nav, 'gpu', { value: wrapped, configurable: true });
    process.once('exit', releaseGpu);
    return;
  }
  throw new Error('Dawn found no GPU adapter (no Vulkan driver of a GPU, and no OpenGL ES through EGL: install Mesa, e.g. Debian libegl1 libegl-mesa0 libgl1-mesa-dri).');
}

interface AdapterWithDevice {
  limits?: { maxStorageBuffersPerShaderStage?: number };
  requestDevice?: (descriptor?: { requiredLimits?: Record<string, number> }) => Promise<unknown>;
}

/**
 * tfjs asks for a device with the default 8 storage buffers per shader stage; the adapter usually
 * offers more (16 on llvmpipe and SwiftShader, more on GPUs). Asking for all of them lets a fused env
 * step (@pathwise/envs fused-webgpu.ts) write every output in one dispatch, and tfjs's own Concat and
 * AddN take more inputs a pass.
 */
function withStorageBufferLimit<T>(found: T): T {
  const target = found as AdapterWithDevice | null;
  const limit = target?.limits?.maxStorageBuffersPerShaderStage;
  if (target === null || target.requestDevice === undefined || limit === undefined) return found;
  const request = target.requestDevice.bind(target);
  target.requestDevice = (descriptor = {}) => request({ ...descriptor, requiredLimits: { ...descriptor.requiredLimits, maxStorageBuffersPerShaderStage: limit } });
  return found;
}

/** Drops the Dawn instance and `navigator.gpu` (the tfjs backend keeps its device until it is removed). */
export function releaseGpu(): void {
  if (dawnGpu === undefined) return;
  dawnGpu = undefined;
  const nav = (globalThis as { navigator?: { gpu?: unknown } }).navigator;
  if (nav !== undefined) Object.defineProperty(nav, 'gpu', { value: undefined, configurable: true });
}

/** Finds the adapter (in Node, through Dawn) and imports tfjs-backend-webgpu, once; records a failure instead of throwing. */
async function prepare(): Promise<void> {
  if (tfjsImported || failure !== undefined) return;
  try {
    if (navigatorGpu() === undefined && isNode) await installDawn();
    else if (adapter === undefined) {
      const gpu = navigatorGpu() as GpuLike | undefined;
      const found = await gpu?.requestAdapter();
      if (found) adapter = describe(found);
      if (gpu !== undefined) {
        const request = gpu.requestAdapter.bind(gpu);
        gpu.requestAdapter = async (options) => withStorageBufferLimit(await request(options));
      }
    }
    await import('@tensorflow/tfjs-backend-webgpu');
    boundAddNInputs();
    tfjsImported = true;
  } catch (error) {
    failure = String((error as Error).message ?? error);
  }
}

type KernelArgs = Parameters<tf.KernelFunc>[0];
type TensorInfo = { dataId: object; shape: number[]; dtype: string };

/**
 * tfjs-webgpu's AddN binds every input as a storage buffer; at the `compatibility` feature level a
 * shader stage may have only 8 (so a gradient summed over a 32-step rollout failed validation and came
 * out NaN). Above the device's limit, the inputs are summed in chunks that fit, as its Concat does.
 */
function boundAddNInputs(): void {
  const original = tf.getKernel('AddN', 'webgpu');
  if (original === undefined || (original as { pathwiseBounded?: boolean }).pathwiseBounded) return;
  const sum = (args: KernelArgs, inputs: TensorInfo[]) => original.kernelFunc({ ...args, inputs: inputs as unknown as KernelArgs['inputs'] }) as TensorInfo;
  const kernelFunc = (args: KernelArgs) => {
    const backend = args.backend as unknown as { device: { limits: { maxStorageBuffersPerShaderStage: number } }; disposeData(dataId: object): void };
    const max = Math.max(2, backend.device.limits.maxStorageBuffersPerShaderStage - 1);
    let inputs = args.inputs as unknown as TensorInfo[];
    const partials: TensorInfo[] = [];
    while (inputs.length > max) {
      const next: TensorInfo[] = [];
      for (let i = 0; i < inputs.length; i += max) {
        const chunk = inputs.slice(i, i + max);
        if (chunk.length === 1) next.push(chunk[0]!);
        else (partials.push(sum(args, chunk)), next.push(partials[partials.length - 1]!));
      }
      inputs = next;
    }
    const result = sum(args, inputs);
    // The backend defers releasing a buffer that queued work still reads.
    for (const partial of partials) backend.disposeData(partial.dataId);
    return result as unknown as ReturnType<tf.KernelFunc>;
  };
  tf.unregisterKernel('AddN', 'webgpu');
  tf.registerKernel(Object.assign({ kernelName: 'AddN', backendName: 'webgpu', kernelFunc }, { pathwiseBounded: true }));
}

function availability(): { available: boolean; reason?: string } {
  if (failure !== undefined) return { available: false, reason: `WebGPU could not start: ${failure}` };
  if (navigatorGpu() !== undefined) return { available: true };
  if (!isNode) return { available: false, reason: 'WebGPU needs a browser with navigator.gpu.' };
  if (!dawnInstalled()) return { available: false, reason: "WebGPU in Node needs the optional package 'webgpu' (Dawn): npm i webgpu." };
  return { available: true };
}

export const webgpuBackend = registerBackend(
  defineBackend({
    name: 'webgpu',
    packageName: '@pathwise/backend-webgpu',
    availability,
    probe: prepare,
    // In Node without a GPU's Vulkan driver Dawn can only offer OpenGL ES, in practice Mesa's software
    // llvmpipe: 'auto' would start it (Dawn prints warnings on stderr) only to skip it.
    autoCandidate: () => !isNode || navigatorGpu() !== undefined || hardwareVulkanDriver(),
    load: async () => {
      await prepare();
      if (failure !== undefined) throw new BackendUnavailableError('webgpu', failure);
    },
    capabilities: () => ({ float: 'float32', ...(adapter !== undefined ? { adapter } : {}) }),
  }),
);
export default webgpuBackend;
