import '@pathwise/backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { CapabilityError, algorithms, tf, useBackend } from '@pathwise/core';
import { defineEstimator, getEstimator, registerEstimator } from '@pathwise/estimators';
import { createTrainer, resolveTrainerConfig } from './plugins.js';

const small = { actorHidden: [8], criticHidden: [8], numActors: 8, horizon: 4, criticIterations: 2, minibatchSize: 16 };
const keysOf = (algo: string, o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([k]) => k in algorithms.get(algo).configSchema));

async function run(algo: string, env: string, overrides: Record<string, unknown>, epochs = 2) {
  const trainer = createTrainer({ env, algo, overrides: { ...keysOf(algo, small), ...overrides }, seed: 3 });
  const rows = [];
  for (let e = 0; e < epochs; e++) rows.push(await trainer.epoch());
  trainer.dispose();
  return rows;
}

// Copies of the built-ins under other names: the trainer cannot recognise them, so they take the
// generic node path (a custom-gradient action node; the cost-only VJP) instead of any shortcut.
registerEstimator(defineEstimator({ ...getEstimator('rp').definition, name: 'rp-copy' }));
registerEstimator(defineEstimator({ ...getEstimator('lr').definition, name: 'lr-copy' }));

describe('pg: the policy gradient of any registered estimator', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('a pathwise plugin through the action node equals autodiff of the rollout, bit for bit (multi-step env)', async () => {
    const reference = await run('rp', 'cartpole-swingup', {});
    const plugin = await run('pg', 'cartpole-swingup', { estimator: 'rp-copy', actorLr: resolveTrainerConfig('cartpole-swingup', 'rp').actorLr });
    expect(plugin).toEqual(reference);
  });

  it('a cost-only plugin equals the lr variant, bit for bit', async () => {
    const reference = await run('lr', 'dejong', {});
    const plugin = await run('pg', 'dejong', { estimator: 'lr-copy', actorLr: resolveTrainerConfig('dejong', 'lr').actorLr });
    expect(plugin).toEqual(reference);
  });

  it('variants keep the reference per-problem rates; pg records the estimator', () => {
    expect(resolveTrainerConfig('dejong', 'lr')).toMatchObject({ estimator: 'lr', actorLr: 1e-3 });
    expect(resolveTrainerConfig('dejong', 'rp')).toMatchObject({ estimator: 'rp', actorLr: 1e-2 });
    expect(resolveTrainerConfig('dejong64', 'lrp')).toMatchObject({ estimator: 'lr+rp', estimatorOptions: { lrBaseline: 'none' }, actorLr: 1e-3 });
    expect(resolveTrainerConfig('dejong', 'pg', { estimator: 'tp' }).estimator).toBe('tp');
    expect(() => resolveTrainerConfig('dejong', 'pg', { estimator: 'nope' })).toThrow(/Unknown estimator 'nope'.*rp/);
    expect(() => resolveTrainerConfig('dejong', 'lr', { alpha: 1 })).toThrow(/Invalid config 'alpha'/);
  });

  it('total propagation as a pg estimator mixes whole gradients and reports k_lr in [0, 1]', async () => {
    const rows = await run('pg', 'cartpole-swingup', { estimator: 'tp', varEstNumSample: 4 });
    for (const row of rows) {
      expect(row.k_lr).toBeGreaterThanOrEqual(0);
      expect(row.k_lr).toBeLessThanOrEqual(1);
      expect(Number.isFinite(row.actor_loss)).toBe(true);
    }
    expect(algorithms.get('pg').columns(resolveTrainerConfig('dejong', 'pg', { estimator: 'tp' }))).toContain('k_lr');
    expect(algorithms.get('pg').columns(resolveTrainerConfig('dejong', 'lr'))).not.toContain('k_lr');
  });

  it('GI-PPO takes its analytic action gradients from any estimator; tp trains', async () => {
    const rows = await run('gippo', 'cartpole-swingup', { estimator: 'tp', alphaIterations: 2 });
    expect(rows.map((r) => Number.isFinite(r.alpha))).toEqual([true, true]);
    const rp = await run('gippo', 'cartpole-swingup', { alphaIterations: 2 });
    expect(rows[1]!.alpha_loss).not.toBe(rp[1]!.alpha_loss);
  });

  it('refuses estimators the consumer cannot serve, naming the capability', () => {
    expect(() => resolveTrainerConfig('dejong', 'pg', { estimator: 'dice' })).toThrow(CapabilityError);
    expect(() => resolveTrainerConfig('dejong', 'pg', { estimator: 'lr-moving-average' })).toThrow(/stateful/);
    expect(() => resolveTrainerConfig('dejong', 'gippo', { estimator: 'dice' })).toThrow(/surrogate/);
  });

  it('leaks no tensors with a plugin estimator on the node path', async () => {
    const trainer = createTrainer({ env: 'cartpole-swingup', algo: 'pg', overrides: { ...keysOf('pg', small), estimator: 'rp-copy' }, seed: 1 });
    await trainer.epoch();
    const before = tf.memory().numTensors;
    await trainer.epoch();
    await trainer.epoch();
    expect(tf.memory().numTensors).toBe(before);
    trainer.dispose();
  });
});
