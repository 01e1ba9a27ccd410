// Every algorithm trains without leaking tensors, on a function problem and on multi-step envs
// (cart-pole swing-up and traffic: the rollout graph, resets and GAE over several steps).
import { describe, expect, it } from 'vitest';
import '@pathwise/backend-cpu';
import '@pathwise/backend-wasm';
import { tf, useBackend } from '@pathwise/core';
import { getEnv } from '@pathwise/envs';
import { OnPolicyTrainer } from './trainer.js';
import { REFERENCE_ALGORITHMS as ALGORITHM_NAMES } from './config.js';
import { algorithms } from '@pathwise/core';
import { createTrainer, resolveTrainerConfig } from './plugins.js';

tf.env().set('PROD', true);

const small = { actorHidden: [16, 16], criticHidden: [16, 16] };
/** The overrides an algorithm has keys for (each algorithm owns its schema; others' keys are errors). */
const keysOf = (algo: string, o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([k]) => k in algorithms.get(algo).configSchema));
const multiStep = { ...small, numActors: 16, horizon: 6, minibatchSize: 32, criticIterations: 2, alphaIterations: 4, varEstNumSample: 4 };

describe.each(['cpu', 'wasm'])('training on %s', (backend) => {
  it.each(ALGORITHM_NAMES)('%s: dejong64 epochs are leak-free and finite', async (algo) => {
    await useBackend(backend);
    const trainer = createTrainer({ env: getEnv('dejong64'), algo, config: resolveTrainerConfig('dejong64', algo, small), seed: 1 });
    await trainer.epoch();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const m = await trainer.epoch();
      expect(Number.isFinite(m.reward)).toBe(true);
      expect(Number.isFinite(m.critic_loss)).toBe(true);
    }
    expect(tf.memory().numTensors).toBe(before);
    trainer.dispose();
  });

  it.each(['cartpole-swingup', 'traffic-b'])('every algorithm runs multi-step epochs on %s', async (envName) => {
    await useBackend(backend);
    for (const algo of ALGORITHM_NAMES) {
      const trainer = createTrainer({ env: getEnv(envName), algo, config: resolveTrainerConfig(envName, algo, keysOf(algo, multiStep)), seed: 2 });
      await trainer.epoch();
      const before = tf.memory().numTensors;
      const m = await trainer.epoch();
      expect(m.steps).toBe(2 * 16 * 6);
      expect(Number.isFinite(m.actor_loss) || algo === 'gippo' || algo === 'ppo', `${algo} actor loss ${m.actor_loss}`).toBe(true);
      expect(tf.memory().numTensors, algo).toBe(before);
      trainer.dispose();
    }
  });
});
