import '@pathwise/backend-cpu';
import { algorithms, Rng, tf, useBackend, type AlgorithmRun, type EpochMetrics } from '@pathwise/core';
import { cartpolePilcoEnv, type Env } from '@pathwise/envs';
import { beforeAll, describe, expect, it } from 'vitest';
import { pippsAlgorithm, PIPPS_ALGORITHM_COLUMNS, type PippsAlgorithmConfig } from './algorithm.js';
import { trainPipps } from './train.js';

tf.env().set('PROD', true);

const algorithm = pippsAlgorithm();
const overrides = { epochs: 3, particles: 10, horizon: 5, policySteps: 2, evalEpisodes: 3, 'gp.steps': 10 };
const TIMING = new Set(['fit_s', 'policy_s']);
const deterministic = (m: EpochMetrics) => Object.fromEntries(Object.entries(m).filter(([k]) => !TIMING.has(k)));

async function start(config: PippsAlgorithmConfig, seed: number): Promise<AlgorithmRun> {
  const problem = cartpolePilcoEnv() as unknown as Env;
  return algorithm.create({ config, problem, rng: new Rng(seed), seed, backend: 'cpu' });
}

describe('the pipps algorithm (defineAlgorithm plugin; one epoch = one trial)', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('resolves its config: defaults for cartpole-pilco, epochs = trials, estimator/model by name, model options as <model>.<key>', () => {
    const config = algorithm.resolve('cartpole-pilco', overrides);
    expect(algorithm.epochs(config)).toBe(3);
    expect(config).toMatchObject({ estimator: 'tp', model: 'gp', trials: 3, particles: 10, 'gp.steps': 10, 'gp.inducingPoints': 100, 'ensemble.members': 5 });
    expect(algorithm.resolve('cartpole-pilco', { method: 'rp' }).estimator).toBe('rp');
    expect(algorithm.columns(config)).toEqual([...PIPPS_ALGORITHM_COLUMNS]);
    expect(() => algorithm.resolve('dejong')).toThrow(/cartpole-pilco/);
    expect(() => algorithm.resolve('cartpole-pilco', { estimator: 'dice' })).toThrow(/PIPPS particle tape/);
    expect(() => algorithm.resolve('cartpole-pilco', { model: 'ensemble', particles: 12 })).toThrow(/multiple/);
    expect(() => algorithm.resolve('cartpole-pilco', { nonsense: 1 })).toThrow(/nonsense/);
    // Not registered by the main entry (the register entry does that).
    expect(algorithms.has('pipps')).toBe(false);
  });

  it('two epochs, state() into a fresh run, one more epoch: equals the uninterrupted run exactly; no tensor leaks', async () => {
    const config = algorithm.resolve('cartpole-pilco', overrides);
    const before = tf.memory().numTensors;
    const full = await start(config, 5);
    const uninterrupted: EpochMetrics[] = [];
    for (let i = 0; i < 3; i++) uninterrupted.push((await full.epoch())!);
    full.dispose();
    expect(tf.memory().numTensors).toBe(before);

    const first = await start(config, 5);
    const resumed: EpochMetrics[] = [(await first.epoch())!, (await first.epoch())!];
    const state = JSON.parse(JSON.stringify(await first.state()));
    first.dispose();
    const second = await start(config, 5);
    second.load(state);
    resumed.push((await second.epoch())!);
    second.dispose();
    expect(tf.memory().numTensors).toBe(before);

    expect(resumed.map(deterministic)).toEqual(uninterrupted.map(deterministic));
    expect(uninterrupted.map((m) => m.epoch)).toEqual([1, 2, 3]);
    expect(uninterrupted.map((m) => m.steps)).toEqual([30, 60, 90]);
    for (const m of uninterrupted) {
      expect(m.reward).toBe(-m.eval_cost_mean!);
      for (const column of PIPPS_ALGORITHM_COLUMNS) expect(m).toHaveProperty(column);
    }
    expect(uninterrupted[2]!.best_reward).toBe(Math.max(...uninterrupted.map((m) => m.reward)));
  });

  it('stopped between policy steps (SIGINT mid-trial), checkpointed and resumed in a fresh run: the trial ends exactly as the uninterrupted one', async () => {
    const config = algorithm.resolve('cartpole-pilco', { ...overrides, policySteps: 4 });
    const full = await start(config, 3);
    const uninterrupted = [(await full.epoch())!, (await full.epoch())!];
    full.dispose();

    const before = tf.memory().numTensors;
    const first = await start(config, 3);
    const one = (await first.epoch())!;
    let polls = 0;
    // Stop after the second policy step of trial 2.
    expect(await first.epoch({ shouldStop: () => ++polls >= 2 })).toBeUndefined();
    const state = JSON.parse(JSON.stringify(await first.state()));
    expect(state.partial).toMatchObject({ trial: 2, stepsDone: 2 });
    first.dispose();
    const second = await start(config, 3);
    second.load(state);
    const two = (await second.epoch({ shouldStop: () => false }))!;
    second.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect([one, two].map(deterministic)).toEqual(uninterrupted.map(deterministic));
  });

  it('equals trainPipps with the same settings and seed (the `pathwise pipps train` path)', async () => {
    const config = algorithm.resolve('cartpole-pilco', { ...overrides, epochs: 1 });
    const run = await start(config, 2);
    const m = (await run.epoch())!;
    run.dispose();
    const result = await trainPipps({ method: 'tp', model: 'gp', trials: 1, particles: 10, horizon: 5, policySteps: 2, evalEpisodes: 3, seed: 2, gp: { steps: 10 } });
    const row = result.rows[0]!;
    expect([m.eval_cost_mean, m.eval_cost_std, m.model_nll, m.policy_steps]).toEqual([row.eval_cost_mean, row.eval_cost_std, row.model_nll, row.policy_steps]);
  });
});
