import { setHostKernels, tf } from '@pathwise/core';
import { createTrainer } from '@pathwise/gippo';
import { runTorchScript } from './python.js';

/**
 * What runs the networks and optimisers: `auto` and `fused` are the `mlpKernel` config values (the
 * host kernels where bit-identical to the op path, or also the MLP's on wasm); `ops` is every host
 * kernel switch off (the MLP's custom-gradient ops, Adam's op path, matMulT's plain transposes, copying clones: the
 * code before issue 14's kernels).
 */
export type TrainBenchVariant = 'ops' | 'auto' | 'fused';

/** The `envKernel` config value the benchmark trains with. */
export type EnvKernel = 'auto' | 'fused' | 'ops';
export const TRAIN_BENCH_VARIANTS: TrainBenchVariant[] = ['ops', 'auto', 'fused'];

export interface TrainBenchResult {
  algo: string;
  backend: string;
  variant: TrainBenchVariant;
  /** The envKernel config it trained with. */
  env_kernel: EnvKernel;
  ms_per_epoch: number;
  /** Mean milliseconds per phase (rollout+actor, alpha, critic, ppo): where the time goes. */
  phases: Record<string, number>;
  kernels_per_epoch: number;
  /** ms_per_epoch / the PyTorch reference's, both the best of the same interleaved rounds. */
  vs_torch?: number;
}

export interface TrainTorchReference {
  impl: 'torch';
  algo: string;
  threads: number;
  ms_per_epoch: number;
}

/** The env and algorithms scripts/bench/epoch_torch.py implements. */
export const TRAIN_TORCH_ENV = 'dejong64';
export const TRAIN_TORCH_ALGOS = ['gippo', 'ppo'];

const round2 = (x: number) => Math.round(x * 100) / 100;

/** Times `epochs` training epochs (after 3 warm-up epochs) of one algorithm on the active backend. */
export async function benchTrain(algo: string, envName: string, epochs: number, backend: string, variant: TrainBenchVariant = 'auto', envKernel: EnvKernel = 'auto'): Promise<TrainBenchResult> {
  const previous = setHostKernels(variant === 'ops' ? { mlp: false, adam: false, wasmForms: false } : { mlp: true, adam: true, wasmForms: true });
  try {
    return await timeEpochs(algo, envName, epochs, backend, variant, envKernel);
  } finally {
    setHostKernels(previous);
  }
}

async function timeEpochs(algo: string, envName: string, epochs: number, backend: string, variant: TrainBenchVariant, envKernel: EnvKernel): Promise<TrainBenchResult> {
  const mlpKernel = variant === 'fused' ? 'fused' : variant === 'ops' ? 'ops' : 'auto';
  const trainer = createTrainer({ env: envName, algo, seed: 1, overrides: { mlpKernel, envKernel } });
  for (let i = 0; i < 3; i++) await trainer.epoch();
  const profile = await tf.profile(async () => {
    await trainer.epoch();
  });
  const phases: Record<string, number> = {};
  const start = performance.now();
  for (let i = 0; i < epochs; i++) {
    await trainer.epoch();
    for (const [phase, ms] of Object.entries(trainer.lastTimings)) phases[phase] = (phases[phase] ?? 0) + ms / epochs;
  }
  const msPerEpoch = (performance.now() - start) / epochs;
  trainer.dispose();
  return {
    algo,
    backend,
    variant,
    env_kernel: envKernel,
    ms_per_epoch: round2(msPerEpoch),
    phases: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, round2(v)])),
    kernels_per_epoch: profile.kernels.length,
  };
}

/** One round of scripts/bench/epoch_torch.py (1 thread) for the algorithms it implements among `algos`. */
export function torchTrainRound(envName: string, algos: string[], epochs: number): { reference: TrainTorchReference[] } | { error: string } {
  if (envName !== TRAIN_TORCH_ENV) return { error: `scripts/bench/epoch_torch.py implements ${TRAIN_TORCH_ENV} only` };
  const covered = algos.filter((a) => TRAIN_TORCH_ALGOS.includes(a));
  if (covered.length === 0) return { error: `scripts/bench/epoch_torch.py implements ${TRAIN_TORCH_ALGOS.join(' and ')} only` };
  const run = runTorchScript<{ reference: TrainTorchReference[] }>('epoch_torch.py', ['--algos', covered.join(','), '--epochs', String(epochs), '--threads', '1']);
  return 'error' in run ? run : { reference: run.value.reference };
}

/** The best (lowest ms_per_epoch) row per key, in first-seen order. */
export function bestOf<T extends { ms_per_epoch: number }>(rows: T[], key: (row: T) => string): T[] {
  const best = new Map<string, T>();
  for (const row of rows) {
    const seen = best.get(key(row));
    if (seen === undefined || row.ms_per_epoch < seen.ms_per_epoch) best.set(key(row), row);
  }
  return [...best.values()];
}
