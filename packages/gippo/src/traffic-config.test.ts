// The traffic defaults against the paper-era configs of the GI-PPO traffic runs (SonSang/DiffRL
// neurips2023_outputs/traffic/{cfg,results/scenario_<x>/<algo>/<run>}/cfg.yaml; identical for scenarios A–E
// apart from the env name). docs/reproduction/gippo-traffic.md, "Env check", lists every key.
import { describe, expect, it } from 'vitest';
import { defaultConfig, gippoSchema, pgSchema, ppoSchema, referenceActorLr, REFERENCE_ALGORITHMS } from './config.js';

const SCENARIOS = ['traffic-a', 'traffic-b', 'traffic-c', 'traffic-d', 'traffic-e'];

describe('traffic defaults match the paper-era cfg.yaml', () => {
  it.each(SCENARIOS)('%s: rollout, networks, critic, normalisers, PPO and GI-PPO keys', (env) => {
    const g = defaultConfig(env, 'gippo', gippoSchema);
    // num_actors 64, gi num_step 32, max_epochs 500; actor [512, 64, 64] elu, critic [64, 64] elu.
    expect([g.numActors, g.horizon, g.maxEpochs, g.epochs]).toEqual([64, 32, 500, 500]);
    expect([g.actorHidden, g.criticHidden, g.activation]).toEqual([[512, 64, 64], [64, 64], 'elu']);
    // gamma 0.99, tau 0.95, grad_norm 1; critic 1e-3 (linear), 16 iterations, 4 batches, target α 0.2, betas [0.7, 0.95].
    expect([g.gamma, g.lambda, g.gradNorm, g.criticLr, g.lrSchedule, g.criticIterations, g.criticNumBatch, g.targetCriticAlpha]).toEqual([0.99, 0.95, 1, 1e-3, 'linear', 16, 4, 0.2]);
    expect(g.betas).toEqual([0.7, 0.95]);
    expect([g.normalizeInput, g.normalizeValue, g.normalizeAdvantage]).toEqual([true, false, true]);
    // learning_rate 3e-4 constant (stable_ppo), minibatch 2048, 5 mini-epochs, e_clip 0.2.
    expect([g.actorLr, g.minibatchSize, g.miniEpochs, g.eClip, g.ppoSchedule]).toEqual([3e-4, 2048, 5, 0.2, 'stable']);
    // desired_alpha 0.1, actor_learning_rate_alpha 1e-5 × 16, update_factor 1.1, update_interval 0.4, max_alpha 1, max_dist_rp_lr 0.5.
    expect([g.alpha, g.alphaLr, g.alphaIterations, g.alphaUpdateFactor, g.alphaInterval, g.maxAlpha, g.maxOorr]).toEqual([0.1, 1e-5, 16, 1.1, 0.4, 1, 0.5]);
    // The PPO baseline is `algorithm: ppo-only` of the same agent: the stable loop at 3e-4, not rl_games' adaptive KL.
    const p = defaultConfig(env, 'ppo', ppoSchema);
    expect([p.actorLr, p.ppoSchedule, p.minibatchSize, p.miniEpochs]).toEqual([3e-4, 'stable', 2048, 5]);
  });

  it.each(SCENARIOS)('%s: actor rates: LR and LR+RP 3e-4 (actor_learning_rate_basic), RP 1e-3 (actor_learning_rate_shac), PPO/GI-PPO 3e-4', (env) => {
    const rates = Object.fromEntries(REFERENCE_ALGORITHMS.map((a) => [a, referenceActorLr(env, a)]));
    expect(rates).toEqual({ lr: 3e-4, rp: 1e-3, lrp: 3e-4, ppo: 3e-4, gippo: 3e-4 });
    expect(defaultConfig(env, 'lr', pgSchema).actorLr).toBe(3e-4);
    expect(defaultConfig(env, 'lrp', pgSchema).actorLr).toBe(3e-4);
  });
});
