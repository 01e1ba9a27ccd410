import { describe, expect, it } from 'vitest';
import { METRICS_BASE_COLUMNS, metricsColumns } from './columns.js';

describe('metrics columns', () => {
  it('are the docs/architecture.md §6 columns in order, then the algorithm ones', () => {
    expect([...METRICS_BASE_COLUMNS]).toEqual(['epoch', 'steps', 'reward', 'best_reward', 'wall_s', 'actor_loss', 'critic_loss', 'actor_lr', 'critic_lr']);
    expect(metricsColumns(['alpha', 'oorr']).slice(-3)).toEqual(['critic_lr', 'alpha', 'oorr']);
    expect(metricsColumns()).toHaveLength(9);
  });

  it('reject duplicate and empty names', () => {
    expect(() => metricsColumns(['reward'])).toThrow(/'reward' appears twice/);
    expect(() => metricsColumns(['alpha', 'alpha'])).toThrow(/appears twice/);
    expect(() => metricsColumns([''])).toThrow(/non-empty/);
  });
});
