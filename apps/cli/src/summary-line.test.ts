import { describe, expect, it } from 'vitest';
import { seedStats } from '@pathwise/report';
import { summaryLine } from './commands/train.js';

// The reward of a run is NaN until its first episode ends: the line says so instead of printing NaN.
const multi = (best: number[], final: number[]) => ({
  algo: 'ppo',
  env: 'cartpole-swingup',
  backend: 'wasm',
  epochs: 1,
  seeds: [1, 2, 3].slice(0, best.length),
  best_reward: seedStats(best),
  final_reward: seedStats(final),
  wall_s: 2.5,
});

describe('train summary line', () => {
  it('one seed: the reward, or that no episode finished yet', () => {
    const run = { algo: 'gippo', env: 'dejong', seed: 1, backend: 'cpu', epochs: 3, best_reward: -1.5, final_reward: -2, wall_s: 1.25 };
    expect(summaryLine(run)).toBe('gippo on dejong (seed 1, cpu): best reward -1.5000, final -2.0000, 3 epochs in 1.3 s');
    expect(summaryLine({ ...run, best_reward: Number.NaN, final_reward: Number.NaN, epochs: 1 })).toBe('gippo on dejong (seed 1, cpu): no episode finished in its 1 epoch, so no reward yet (1.3 s)');
  });

  it('several seeds: mean ± std, over the seeds with a finished episode, naming the others', () => {
    expect(summaryLine(multi([1, 3], [0, 2]))).toBe('ppo on cartpole-swingup, seeds 1,2: best reward 2.0000 ± 1.41, final 1.0000 ± 1.41');
    const partial = summaryLine(multi([1, Number.NaN, 3], [0, Number.NaN, 2]));
    expect(partial).toBe('ppo on cartpole-swingup, seeds 1,2,3: best reward 2.0000 ± 1.41, final 1.0000 ± 1.41 over the 2 seeds with a finished episode (none yet in seed 2)');
    expect(summaryLine(multi([Number.NaN, Number.NaN], [Number.NaN, Number.NaN]))).toBe('ppo on cartpole-swingup, seeds 1,2: no episode finished in 1 epoch of any seed, so no reward yet (2.5 s)');
  });
});
