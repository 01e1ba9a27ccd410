// NaN/Inf in rewards is detected and reported with the epoch, not trained on.
import { describe, expect, it } from 'vitest';
import '@pathwise/backend-cpu';
import { NonFiniteError, tf, useBackend } from '@pathwise/core';
import { defineEnv } from '@pathwise/envs';
import { OnPolicyTrainer } from './trainer.js';
import { createTrainer, resolveTrainerConfig } from './plugins.js';

tf.env().set('PROD', true);

/** A one-step env whose reward is −a² while at most `badAfter` resets happened (one per step here), then NaN. */
function poisonedEnv(badAfter: number) {
  let resets = 0;
  return defineEnv({
    name: 'poisoned',
    description: 'test',
    obsDim: 1,
    actDim: 1,
    episodeLength: 1,
    action: { names: ['a'], units: ['1'], low: [-1], high: [1] },
    rewardDescription: '-a², then NaN',
    observationNames: ['zero'],
    init: (batch) => {
      resets++;
      return { zero: tf.zeros([batch, 1]) };
    },
    observe: (s) => s.zero!,
    transition: (s, a) => ({
      state: { zero: s.zero! },
      reward: resets > badAfter ? tf.fill([a.shape[0]!], Number.NaN) : tf.neg(tf.sum(tf.square(a), 1)),
    }),
  });
}

describe('non-finite rewards', () => {
  it.each(['lr', 'gippo'] as const)('%s stops with a NonFiniteError naming the epoch', async (algo) => {
    await useBackend('cpu');
    const config = resolveTrainerConfig('dejong', algo, { actorHidden: [4], criticHidden: [4] });
    const trainer = createTrainer({ env: poisonedEnv(2), algo, config, seed: 1 });
    await trainer.epoch();
    await trainer.epoch();
    const error = await trainer.epoch().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NonFiniteError);
    expect((error as Error).message).toMatch(/epoch 3: rewards has 64 non-finite value\(s\)/);
    trainer.dispose();
  });
});
