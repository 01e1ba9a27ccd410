// The README's "Adding an algorithm", as a test: an on-policy algorithm defined outside the package's
// algorithm files trains through the registry with its own columns and state, and resumes exactly.
import '@pathwise/backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { algorithms, defineAlgorithm, parametersOf, registerAlgorithm, tf, useBackend } from '@pathwise/core';
import { getEnv } from '@pathwise/envs';
import { defaultConfig, ppoSchema, type TrainerConfig } from './config.js';
import { OnPolicyTrainer, type PolicyUpdateSpec } from './trainer.js';
import { lrLoss } from './algorithms/pg.js';

/** Plain REINFORCE on normalised advantages with a step counter as its own state and metric. */
const countingUpdate: PolicyUpdateSpec = {
  differentiableEnv: false,
  ppoActor: false,
  criticScheduled: true,
  create: (trainer) => {
    let updates = 0;
    return {
      failOnNonFiniteLoss: true,
      actorLr: () => trainer.config.actorLr,
      rollout: async (norm) => {
        const batch = await trainer.detachedRollout(norm);
        const loss = tf.tidy(() => {
          const params = parametersOf(trainer.actor);
          const { value, grads } = tf.variableGrads(() => lrLoss(trainer, batch.obs, batch.actions, batch.normalisedAdvantages), params);
          trainer.actorAdam.step(params.map((p) => grads[p.name]!));
          return value;
        });
        const actorLoss = (await loss.data())[0]!;
        loss.dispose();
        updates++;
        return { batch, actorLoss, metrics: { updates } };
      },
      state: async () => ({ updates }),
      load: (state) => {
        updates = (state as { updates: number }).updates;
      },
      dispose: () => {},
    };
  },
};

const mine = registerAlgorithm(
  defineAlgorithm<TrainerConfig>({
    name: 'counting-reinforce',
    description: 'REINFORCE that counts its updates (a test plugin)',
    configSchema: ppoSchema,
    defaults: (env) => ({ ...defaultConfig(env, 'lr', ppoSchema), actorHidden: [8], criticHidden: [8], numActors: 16, criticIterations: 2 }),
    epochs: (config) => config.epochs,
    columns: () => ['actor_loss', 'critic_loss', 'actor_lr', 'critic_lr', 'updates'],
    create: ({ config, problem, seed }) => new OnPolicyTrainer({ env: problem as ReturnType<typeof getEnv>, config, seed, update: countingUpdate }),
  }),
);

describe('an algorithm plugin over the on-policy trainer', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('is found by name, trains with its own column and resumes exactly from state()', async () => {
    expect(algorithms.get('counting-reinforce')).toBe(mine);
    const config = mine.resolve('dejong');
    const make = () => mine.create({ config, problem: getEnv('dejong'), seed: 4, rng: undefined as never, backend: 'cpu' }) as OnPolicyTrainer;
    const straight = make();
    const rows = [];
    for (let e = 0; e < 4; e++) rows.push(await straight.epoch());
    expect(rows.map((r) => r.updates)).toEqual([1, 2, 3, 4]);
    const first = make();
    await first.epoch();
    await first.epoch();
    const saved = JSON.parse(JSON.stringify(await first.state()));
    first.dispose();
    const resumed = make();
    resumed.load(saved);
    expect(await resumed.epoch()).toEqual(rows[2]);
    expect(await resumed.epoch()).toEqual(rows[3]);
    straight.dispose();
    resumed.dispose();
  });
});
