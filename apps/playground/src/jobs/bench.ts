// Epochs per second of one algorithm on one backend, package defaults (what `pnpm --filter playground bench` prints).
import type { BenchResult, BenchSpec } from '../protocol.js';
import { activate } from './backends.js';
import { makeTrainer } from './trainers.js';

export async function runBench(spec: BenchSpec): Promise<BenchResult> {
  const { active } = await activate(spec.backend);
  const trainer = makeTrainer(spec.env, spec.algo, { seed: 1 });
  try {
    for (let i = 0; i < spec.warmup; i++) await trainer.epoch();
    const start = performance.now();
    for (let i = 0; i < spec.epochs; i++) await trainer.epoch();
    const seconds = (performance.now() - start) / 1000;
    return { backend: active, epochs: spec.epochs, seconds, epochsPerSecond: spec.epochs / seconds, msPerEpoch: (1000 * seconds) / spec.epochs };
  } finally {
    trainer.dispose();
  }
}
