// The adaptive-KL PPO of the physics/traffic baselines (rl_games' scheduler, docs/algorithms/gippo.md §3.3).
import { describe, expect, it } from 'vitest';
import '@pathwise/backend-cpu';
import { tf, useBackend } from '@pathwise/core';
import { getEnv } from '@pathwise/envs';
import { OnPolicyTrainer } from './trainer.js';
import { createTrainer, resolveTrainerConfig } from './plugins.js';
import { adaptiveKlRate, gaussianKl } from './algorithms/ppo.js';

tf.env().set('PROD', true);

describe('adaptive-KL PPO', () => {
  it('the rate rule: ÷1.5 above 2·threshold, ×1.5 below threshold/2, unchanged between, clamped to [1e-6, 1e-2]', () => {
    expect(adaptiveKlRate(3e-4, 0.031, 0.015)).toBeCloseTo(2e-4, 12);
    expect(adaptiveKlRate(3e-4, 0.007, 0.015)).toBeCloseTo(4.5e-4, 12);
    expect(adaptiveKlRate(3e-4, 0.015, 0.015)).toBe(3e-4);
    expect(adaptiveKlRate(9e-3, 0, 0.015)).toBe(1e-2);
    expect(adaptiveKlRate(1.2e-6, 1, 0.015)).toBe(1e-6);
  });

  it('gaussianKl is the diagonal-Gaussian KL(current ‖ old) (up to the 1e-5 guards)', async () => {
    await useBackend('cpu');
    const mean = tf.tensor2d([
      [0.3, -1],
      [2, 0.5],
    ]);
    const logStd = tf.tensor2d([
      [0.1, -0.4],
      [0.2, 0],
    ]);
    const meanOld = tf.tensor2d([
      [0, -0.5],
      [1.5, 0.5],
    ]);
    const logStdOld = tf.tensor2d([
      [0, -0.2],
      [0.3, 0.1],
    ]);
    const got = gaussianKl(mean, logStd, meanOld, logStdOld).dataSync()[0]!;
    const [m, s, mo, so] = [mean, logStd, meanOld, logStdOld].map((t) => t.arraySync() as number[][]);
    let expected = 0;
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 2; j++) {
        const [sd, sdOld] = [Math.exp(s![i]![j]!), Math.exp(so![i]![j]!)];
        expected += Math.log(sdOld / sd) + (sd * sd + (m![i]![j]! - mo![i]![j]!) ** 2) / (2 * sdOld * sdOld) - 0.5;
      }
    }
    expect(got).toBeCloseTo(expected / 2, 4);
    expect(gaussianKl(mean, logStd, mean, logStd).dataSync()[0]!).toBeCloseTo(0, 4);
    tf.dispose([mean, logStd, meanOld, logStdOld]);
  });

  it('cart-pole PPO defaults to it (threshold 0.015); the rate moves, training stays finite and leak-free', async () => {
    await useBackend('cpu');
    const config = resolveTrainerConfig('cartpole-swingup', 'ppo', { actorHidden: [16, 16], criticHidden: [16, 16], numActors: 16, horizon: 8, minibatchSize: 32, criticIterations: 2 });
    expect(config.ppoSchedule).toBe('adaptive-kl');
    expect(config.klThreshold).toBe(0.015);
    expect(resolveTrainerConfig('cartpole-swingup', 'gippo').ppoSchedule).toBe('stable');
    expect(resolveTrainerConfig('dejong64', 'ppo').ppoSchedule).toBe('stable');
    expect(resolveTrainerConfig('cartpole-swingup', 'ppo', { kl_threshold: 0.008 }).klThreshold).toBe(0.008);
    const trainer = createTrainer({ env: getEnv('cartpole-swingup'), algo: 'ppo', config, seed: 3 });
    await trainer.epoch();
    const before = tf.memory().numTensors;
    const rates = new Set<number>();
    for (let i = 0; i < 3; i++) {
      const m = await trainer.epoch();
      expect(Number.isFinite(m.actor_loss)).toBe(true);
      rates.add(m.actor_lr!);
    }
    expect(tf.memory().numTensors).toBe(before);
    // 4 minibatches × 5 mini-epochs per epoch: the KL rule moves the rate off 3e-4.
    expect([...rates].some((r) => Math.abs(r - 3e-4) > 1e-9)).toBe(true);
    trainer.dispose();
  });
});
