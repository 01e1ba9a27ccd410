import { tf } from './tf.js';
import { BackendUnavailableError, PathwiseError, UnknownNameError } from './errors.js';
import { Registry } from './registry.js';

/** What a backend can do here and now. */
export interface BackendCapabilities {
  /** WebAssembly SIMD in use (wasm). */
  simd?: boolean;
  /** Multi-threaded kernels in use (wasm with a cross-origin-isolated page). */
  threads?: boolean;
  /** Precision of float tensors on this backend. */
  float: 'float32' | 'float16';
  /** The GPU adapter (webgpu), once `probe()` or `load()` has found it. */
  adapter?: AdapterInfo;
}

/** A GPU adapter as `pathwise backends --json` reports it. */
export interface AdapterInfo {
  vendor: string;
  architecture: string;
  /** A software rasteriser (llvmpipe, SwiftShader, …): `useBackend('auto')` does not pick it. */
  software: boolean;
}

/** Whether a backend can run in this process; `reason` says why not. */
export interface BackendAvailability {
  available: boolean;
  reason?: string;
}

export interface Backend {
  /** The tfjs backend name (`cpu`, `wasm`, `webgl`, `webgpu`). */
  readonly name: string;
  /** The npm package that provides it, for error messages. */
  readonly packageName: string;
  /** Cheap check that does not initialise the backend. */
  availability(): BackendAvailability;
  /** Registers the tfjs backend factory (idempotent) and configures it. */
  load(): Promise<void>;
  /** Capabilities; meaningful after `load()` or `probe()`, a best guess before. */
  capabilities(): BackendCapabilities;
  /** Finds what capabilities need asynchronous work for (a GPU adapter) without switching tfjs to the backend. */
  probe?(): Promise<void>;
  /**
   * A cheap check of whether `useBackend('auto')` should start and time it at all: a GPU backend that
   * could only find a software adapter here says no without starting anything. Default: yes.
   */
  autoCandidate?(): boolean;
}

export interface BackendDefinition {
  name: string;
  packageName?: string;
  availability?: () => BackendAvailability;
  load: () => Promise<void>;
  capabilities: () => BackendCapabilities;
  probe?: () => Promise<void>;
  autoCandidate?: () => boolean;
}

/** Makes a typed backend plugin. Pass it to `useBackend` directly or `registerBackend` it by name. */
export function defineBackend(definition: BackendDefinition): Backend {
  return {
    name: definition.name,
    packageName: definition.packageName ?? `@pathwise/backend-${definition.name}`,
    availability: definition.availability ?? (() => ({ available: true })),
    load: definition.load,
    capabilities: definition.capabilities,
    ...(definition.probe !== undefined ? { probe: definition.probe } : {}),
    ...(definition.autoCandidate !== undefined ? { autoCandidate: definition.autoCandidate } : {}),
  };
}

/** The backend packages pathwise ships; used to tell a user which one to install or import. */
const KNOWN_PACKAGES: Record<string, string> = {
  cpu: '@pathwise/backend-cpu',
  wasm: '@pathwise/backend-wasm',
  webgl: '@pathwise/backend-webgl',
  webgpu: '@pathwise/backend-webgpu',
};

const backends = new Registry<Backend>('backend', (name) => {
  const pkg = KNOWN_PACKAGES[name];
  return pkg ? `Install and import '${pkg}' (npm i ${pkg}; import '${pkg}') to register it.` : `Known backend packages: ${Object.values(KNOWN_PACKAGES).join(', ')}.`;
});

/** Registers a backend by name; backend packages call this when imported. */
export function registerBackend(backend: Backend): Backend {
  return backends.register(backend);
}

export interface BackendInfo {
  name: string;
  available: boolean;
  reason?: string;
  capabilities: BackendCapabilities;
}

/** Every registered backend with its availability and capabilities (docs/architecture.md §6 `backends --json`). */
export function listBackends(): BackendInfo[] {
  return backends.list().map((backend) => {
    const { available, reason } = backend.availability();
    return {
      name: backend.name,
      available,
      ...(reason !== undefined ? { reason } : {}),
      capabilities: backend.capabilities(),
    };
  });
}

/** The registered backend called `name`, or an error naming the package to install. */
export function getBackend(name: string): Backend {
  return backends.get(name);
}

export interface AutoOptions {
  /**
   * The work to time on each candidate; the fastest wins. Defaults to a small MLP forward+backward,
   * which is dispatch-bound, the common case for RL-sized networks.
   */
  workload?: () => tf.Tensor;
  /** Timed repetitions per candidate (after one warm-up). */
  repeats?: number;
  /** Candidates; defaults to every registered, available backend. */
  candidates?: string[];
}

export interface AutoChoice {
  name: string;
  /** Median milliseconds of the workload per candidate. */
  timings: Record<string, number>;
}

let lastAutoChoice: AutoChoice | undefined;

/**
 * Switches tfjs to a backend: a registered name, a `Backend` object, or `'auto'`, which times a
 * workload on every available backend and keeps the fastest. Resolves to the active backend name.
 */
export async function useBackend(nameOrBackend: string | Backend, options: AutoOptions = {}): Promise<string> {
  if (nameOrBackend === 'auto') return (await chooseFastestBackend(options)).name;
  const backend = typeof nameOrBackend === 'string' ? getBackend(nameOrBackend) : nameOrBackend;
  await activate(backend);
  return backend.name;
}

/** The result of the last `useBackend('auto')`, for reports. */
export function autoChoice(): AutoChoice | undefined {
  return lastAutoChoice;
}

async function activate(backend: Backend): Promise<void> {
  const { available, reason } = backend.availability();
  if (!available) throw new BackendUnavailableError(backend.name, reason ?? 'not supported here');
  await backend.load();
  let ok = false;
  try {
    ok = await tf.setBackend(backend.name);
  } catch (error) {
    throw new BackendUnavailableError(backend.name, `initialisation failed: ${String(error)}`);
  }
  if (!ok) throw new BackendUnavailableError(backend.name, 'tfjs could not initialise it');
  await tf.ready();
}

async function chooseFastestBackend(options: AutoOptions): Promise<AutoChoice> {
  const candidates = (options.candidates ?? backends.names()).filter((name) => {
    const backend = backends.has(name) ? backends.get(name) : undefined;
    return backend !== undefined && backend.availability().available && (options.candidates !== undefined || (backend.autoCandidate?.() ?? true));
  });
  if (candidates.length === 0) {
    throw new UnknownNameError('backend', 'auto', backends.names(), "No available backend is registered: import '@pathwise/backend-cpu' or '@pathwise/backend-wasm'.");
  }
  const workload = options.workload ?? defaultWorkload;
  const repeats = options.repeats ?? 7;
  const timings: Record<string, number> = {};
  for (const name of candidates) {
    try {
      const backend = backends.get(name);
      await backend.probe?.();
      // A software GPU adapter is correct but slower than the cpu backends, and timing it costs seconds.
      if (backend.capabilities().adapter?.software === true || !backend.availability().available) continue;
      await activate(backend);
      timings[name] = await medianMs(workload, repeats);
    } catch {
      // A backend that fails to start is simply not a candidate.
    }
  }
  const ranked = Object.entries(timings).sort((a, b) => a[1] - b[1]);
  const best = ranked[0];
  if (best === undefined) throw new PathwiseError(`No backend could run the workload (tried ${candidates.join(', ')}).`);
  await activate(backends.get(best[0]));
  lastAutoChoice = { name: best[0], timings };
  return lastAutoChoice;
}

async function medianMs(workload: () => tf.Tensor, repeats: number): Promise<number> {
  const run = async (): Promise<number> => {
    const start = performance.now();
    const out = tf.tidy(workload);
    // Reading the result waits for asynchronous (GPU) backends to finish the queued work.
    await out.data();
    out.dispose();
    return performance.now() - start;
  };
  await run();
  const samples: number[] = [];
  for (let i = 0; i < repeats; i++) samples.push(await run());
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

/** A 64x[64,32,32,1] tanh MLP, forward and backward: a typical RL policy step. */
function defaultWorkload(): tf.Tensor {
  const x = tf.ones([64, 64]);
  const weights = [tf.fill([64, 32], 0.01), tf.fill([32, 32], 0.01), tf.fill([32, 1], 0.01)];
  const loss = (...ws: tf.Tensor[]) => {
    let h: tf.Tensor = x;
    for (const [i, w] of ws.entries()) {
      h = tf.matMul(h as tf.Tensor2D, w as tf.Tensor2D);
      if (i < ws.length - 1) h = tf.tanh(h);
    }
    return tf.sum(h) as tf.Scalar;
  };
  const grads = tf.grads(loss)(weights);
  return tf.addN(grads.map((g) => tf.sum(g)));
}
