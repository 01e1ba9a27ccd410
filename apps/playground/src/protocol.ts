// Messages between the page and the compute worker. Everything here is structured-clone safe.
import type { BackendCapabilities } from '@pathwise/core';

export const BACKEND_NAMES = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
export type BackendChoice = BackendName | 'auto';

/** What the picker shows for one backend. */
export interface BackendReport {
  name: BackendName;
  available: boolean;
  reason?: string;
  capabilities?: BackendCapabilities;
  /** Human-readable facts: adapter, WebGL version, SIMD/threads, isolation. */
  details: Record<string, string | number | boolean>;
  active: boolean;
}

export type FunctionEnvName = 'dejong' | 'ackley' | 'dejong64' | 'ackley64';
/** A registered on-policy algorithm or variant (the worker's registry decides; see Catalogue.algorithms). */
export type FunctionAlgo = string;

/** Trainer knobs the UI exposes; everything else is the package default for the env × algorithm. */
export interface TrainSettings {
  seed: number;
  epochs: number;
  actors: number;
  hidden: number;
  criticIterations: number;
}

export interface FunctionJob extends TrainSettings {
  kind: 'function';
  env: FunctionEnvName;
  algos: FunctionAlgo[];
}

export interface CartpoleJob extends TrainSettings {
  kind: 'cartpole';
  algo: 'gippo' | 'ppo';
  /** Re-record the animation every this many epochs. */
  animateEvery: number;
}

export interface EstimatorJob {
  kind: 'estimators';
  objective: 'square' | 'exp' | 'quadratic';
  mu: number;
  sigma: number;
  dim: number;
  estimators: string[];
  samples: number;
  repeats: number;
  seed: number;
}

export interface ViQuadraticJob {
  kind: 'vi-quadratic';
  mu: number[];
  sigma: number[];
  grad: number[];
  hessian: number[][];
  c0: number;
  baseline: 'none' | 'optimal';
  draws: number;
  seed: number;
}

export interface ViLogregJob {
  kind: 'vi-logreg';
  data: string;
  samples: number;
  fitSteps: number;
  seed: number;
}

export type Job = FunctionJob | CartpoleJob | EstimatorJob | ViQuadraticJob | ViLogregJob;

export interface ProbeSpec {
  backend: BackendName;
  env: string;
  seed: number;
  actors: number;
  hidden: number;
}

/** The first GI-PPO rollout: rewards [T·B] and ∂(Σ_starts A)/∂u [T·B, actDim], row-major. */
export interface ProbeResult {
  backend: string;
  /** How the env's step ran ('auto': the fused kernel on webgl and webgpu). */
  kernel: 'fused' | 'ops';
  rewards: number[];
  actions: number[];
  actionGradients: number[];
  /** Milliseconds of the rollout and its gradients. */
  ms: number;
  /** Tensors left after the probe made and disposed its trainer (0: nothing leaks). */
  leakedTensors: number;
}

export interface BenchSpec {
  backend: BackendName;
  env: string;
  algo: FunctionAlgo;
  warmup: number;
  epochs: number;
}

export interface BenchResult {
  backend: string;
  epochs: number;
  seconds: number;
  epochsPerSecond: number;
  msPerEpoch: number;
}

export type Request =
  | { type: 'catalogue' }
  | { type: 'report'; name: BackendName }
  | { type: 'use-backend'; name: BackendChoice }
  | { type: 'start'; job: Job }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' }
  | { type: 'probe'; spec: ProbeSpec }
  | { type: 'bench'; spec: BenchSpec }
  | { type: 'rollout'; spec: RolloutSpec };

export type { RolloutProbe } from '@pathwise/envs';

/** A cart-pole rollout of the training workload (policy MLP, forward and backward), `steps` long, at `envs` envs. */
export interface RolloutSpec {
  backend: BackendName;
  envs: number;
  steps: number;
}

/** What the packages register, fetched from the worker so the page never loads tfjs itself. */
export interface Catalogue {
  /** The algorithms the worker's registry holds (variants included), for the function panel. */
  algorithms: string[];
  estimators: Array<{ name: string; unbiased: boolean; description: string }>;
  datasets: string[];
}

export interface UseBackendResult {
  active: string;
  /** With 'auto': median ms of the timing workload per candidate. */
  timings?: Record<string, number>;
  /** Set when a paused run was moved to the new backend through a checkpoint. */
  migrated?: boolean;
}

export type Row = Record<string, number>;

export type JobEvent =
  | { kind: 'status'; state: 'running' | 'paused' | 'stopped' | 'done' | 'error'; message: string }
  | { kind: 'metrics'; run: string; row: Row }
  | { kind: 'landscape'; xs: number[]; values: number[]; bound: number }
  | { kind: 'samples'; epoch: number; alpha: number; actions: number[]; targets: number[]; rewards: number[] }
  | { kind: 'cartpole'; epoch: number; episodeReturn: number; frames: Array<[number, number, number]>; backend: string; kernel: 'fused' | 'ops' }
  | { kind: 'estimators'; result: EstimatorResult }
  | { kind: 'vi-quadratic'; result: ViQuadraticResult }
  | { kind: 'vi-logreg'; result: ViLogregResult }
  | { kind: 'progress'; message: string };

export interface EstimatorRow {
  name: string;
  unbiased: boolean;
  trace: number;
  meanSnr: number;
  biasNorm: number;
  relativeBias: number;
  variance: number[];
  snr: number[];
  bias: number[];
  /** Standard error of each coordinate's mean over the R repeats: the Monte Carlo noise in `bias`. */
  biasSe: number[];
  /** R estimates of each coordinate (for the histograms), coordinate-major. */
  estimates: number[][];
  ms: number;
}

export interface EstimatorResult {
  coordinates: string[];
  exact: number[];
  samples: number;
  repeats: number;
  rows: EstimatorRow[];
}

export interface ViComponentRow {
  estimator: 'rp' | 'sf_joint' | 'sf_elbo';
  param: 'mu' | 'logsigma';
  index: number;
  closedForm: number;
  monteCarlo: number;
  se: number;
}

export interface ViQuadraticResult {
  draws: number;
  rows: ViComponentRow[];
}

export interface ViLogregResult {
  data: string;
  dim: number;
  samples: number;
  points: Array<{
    point: string;
    elbo: number;
    /** SF/RP variance ratios over a coordinate group: empirical ± its delta-method SE, and predicted. */
    summary: Array<{ param: string; group: string; estimator: string; empirical: number; empiricalSe: number; predicted: number }>;
    /** Per coordinate: empirical and predicted single-draw variances of RP and SF-elbo. */
    coordinates: Array<{ param: string; name: string; rp: [number, number]; sfElbo: [number, number] }>;
  }>;
}

export type WorkerMessage = { type: 'reply'; id: number; ok: true; value: unknown } | { type: 'reply'; id: number; ok: false; error: string } | { type: 'event'; event: JobEvent };
