// The hopper and ant defaults against the paper-era physics configs (SonSang/DiffRL
// neurips2023_outputs/physics/cfg; docs/reproduction/gippo-physics.md lists every key).
import { describe, expect, it } from 'vitest';
import { defaultConfig, gippoSchema, ppoSchema, referenceActorLr, REFERENCE_ALGORITHMS } from './config.js';

describe('hopper and ant defaults match the paper-era physics configs', () => {
  it.each([
    // env, num_actors, critic lr, α₀, α-regression lr, δ_oorr, RP (actor_learning_rate_shac)
    ['hopper', 256, 2e-4, 5e-3, 5e-3, 0.75, 1e-2],
    ['ant', 64, 2e-3, 0.5, 5e-4, 0.5, 2e-3],
  ] as const)('%s', (env, actors, criticLr, alpha, alphaLr, maxOorr, rpLr) => {
    const g = defaultConfig(env, 'gippo', gippoSchema);
    expect([g.numActors, g.horizon, g.maxEpochs, g.epochs]).toEqual([actors, 32, 2000, 2000]);
    expect([g.actorHidden, g.criticHidden, g.activation]).toEqual([[128, 64, 32], [64, 64], 'elu']);
    expect([g.gamma, g.lambda, g.gradNorm, g.criticLr, g.criticIterations, g.criticNumBatch, g.targetCriticAlpha]).toEqual([0.99, 0.95, 1, criticLr, 16, 4, 0.2]);
    expect([g.normalizeInput, g.normalizeValue, g.normalizeAdvantage]).toEqual([true, false, true]);
    expect([g.actorLr, g.minibatchSize, g.miniEpochs, g.eClip]).toEqual([1e-4, 2048, 5, 0.2]);
    expect([g.alpha, g.alphaLr, g.alphaIterations, g.alphaUpdateFactor, g.alphaInterval, g.maxAlpha, g.maxOorr]).toEqual([alpha, alphaLr, 16, 1.02, 0.4, 1, maxOorr]);
    expect(defaultConfig(env, 'ppo', ppoSchema).actorLr).toBe(1e-4);
    const rates = Object.fromEntries(REFERENCE_ALGORITHMS.map((a) => [a, referenceActorLr(env, a)]));
    expect(rates).toEqual({ lr: 1e-4, rp: rpLr, lrp: 1e-4, ppo: 1e-4, gippo: 1e-4 });
  });
});
