import { tf } from '@pathwise/core';
import { createTrainer } from '@pathwise/gippo';

export interface TrainBenchResult {
  algo: string;
  backend: string;
  ms_per_epoch: number;
  /** Mean milliseconds per phase (rollout+actor, alpha, critic, ppo): where the time goes. */
  phases: Record<string, number>;
  kernels_per_epoch: number;
}

/** Times `epochs` training epochs (after 3 warm-up epochs) of one algorithm on the active backend. */
export async function benchTrain(algo: string, envName: string, epochs: number, backend: string): Promise<TrainBenchResult> {
  const trainer = createTrainer({ env: envName, algo, seed: 1 });
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
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    algo,
    backend,
    ms_per_epoch: round(msPerEpoch),
    phases: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, round(v)])),
    kernels_per_epoch: profile.kernels.length,
  };
}
