import { describe, expect, it } from 'vitest';
import '@pathwise/backend-cpu';
import { tf, useBackend } from '@pathwise/core';
import { getEnv } from '@pathwise/envs';
import { OnPolicyTrainer } from './trainer.js';
import { resolveTrainerConfig, ALGORITHM_NAMES } from './config.js';

tf.env().set('PROD', true);

describe('smoke', () => {
  it.each(ALGORITHM_NAMES)('%s runs a few epochs on dejong64', async (algo) => {
    await useBackend('cpu');
    const config = resolveTrainerConfig('dejong64', algo, {});
    const trainer = new OnPolicyTrainer({ env: getEnv('dejong64'), algo, config, seed: 1 });
    const t0 = performance.now();
    let m;
    for (let i = 0; i < 20; i++) m = await trainer.epoch();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) m = await trainer.epoch();
    console.log(algo, ((performance.now() - t0) / 25).toFixed(1), 'ms/epoch', JSON.stringify(m));
    expect(tf.memory().numTensors).toBe(before);
    trainer.dispose();
  });
});
