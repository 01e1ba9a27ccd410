// rolloutGradients: GI-PPO's analytic action gradients of the next rollout, read without training.
import { describe, expect, it } from 'vitest';
import '@pathwise/backend-cpu';
import { tf, useBackend } from '@pathwise/core';
import { DEJONG_BOUND, getEnv } from '@pathwise/envs';
import { OnPolicyTrainer } from './trainer.js';
import { createTrainer, resolveTrainerConfig } from './plugins.js';
import { rolloutGradients } from './peek.js';

tf.env().set('PROD', true);

const small = { actorHidden: [16, 16], criticHidden: [16, 16], numActors: 16, criticIterations: 2 };
const make = (env: string, overrides: Record<string, unknown> = small, seed = 3) => createTrainer({ env: getEnv(env), algo: 'gippo', config: resolveTrainerConfig(env, 'gippo', overrides), seed });

describe('rolloutGradients (cpu)', () => {
  it('on De Jong 64-D the action gradients are −∂f/∂u, computed independently from the actions', async () => {
    await useBackend('cpu');
    const trainer = make('dejong64');
    const peek = await rolloutGradients(trainer);
    expect([peek.horizon, peek.numActors, peek.actDim]).toEqual([1, 16, 64]);
    expect(peek.rewards.length).toBe(16);
    expect(peek.actions.length).toBe(16 * 64);
    expect(peek.actionGradients.length).toBe(16 * 64);
    // One step, constant observation: ∂A/∂u = ∂r/∂u with r = −B² Σ tanh(u)², so −2B²·tanh(u)·(1 − tanh²(u)).
    const b2 = DEJONG_BOUND * DEJONG_BOUND;
    let maxErr = 0;
    let maxRef = 0;
    for (let i = 0; i < peek.actions.length; i++) {
      const a = Math.tanh(peek.actions[i]!);
      const expected = -2 * b2 * a * (1 - a * a);
      maxErr = Math.max(maxErr, Math.abs(peek.actionGradients[i]! - expected));
      maxRef = Math.max(maxRef, Math.abs(expected));
    }
    expect(maxRef).toBeGreaterThan(1);
    expect(maxErr).toBeLessThanOrEqual(1e-5 * maxRef);
    for (let j = 0; j < 16; j++) {
      let r = 0;
      for (let d = 0; d < 64; d++) r -= b2 * Math.tanh(peek.actions[j * 64 + d]!) ** 2;
      expect(peek.rewards[j]).toBeCloseTo(r, 2);
    }
    trainer.dispose();
  });

  it("with restore the trainer is unchanged: the next epoch equals a fresh trainer's, and peeking again gives the same rollout", async () => {
    await useBackend('cpu');
    const peeked = make('dejong64');
    const fresh = make('dejong64');
    const first = await rolloutGradients(peeked, { restore: true });
    const again = await rolloutGradients(peeked, { restore: true });
    expect(again.actions).toEqual(first.actions);
    expect(again.actionGradients).toEqual(first.actionGradients);
    expect(await peeked.epoch()).toEqual(await fresh.epoch());
    // Without restore the trainer moves on to the next rollout (new noise).
    const next = await rolloutGradients(peeked);
    expect(next.actions).not.toEqual(first.actions);
    peeked.dispose();
    fresh.dispose();
  });

  it('leaves no tensors behind, with and without restore, on a multi-step env', async () => {
    await useBackend('cpu');
    const trainer = make('cartpole-swingup', { ...small, horizon: 6, minibatchSize: 32, alphaIterations: 4 });
    await trainer.epoch();
    const before = tf.memory().numTensors;
    const peek = await rolloutGradients(trainer, { restore: true });
    expect(tf.memory().numTensors).toBe(before);
    expect(peek.actionGradients.length).toBe(6 * 16 * trainer.env.actDim);
    expect(peek.actionGradients.every(Number.isFinite)).toBe(true);
    expect(peek.actionGradients.some((g) => g !== 0)).toBe(true);
    await rolloutGradients(trainer);
    expect(tf.memory().numTensors).toBe(before);
    trainer.dispose();
  });
});
