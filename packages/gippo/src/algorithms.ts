import { defineAlgorithm, registerAlgorithm, type Algorithm } from '@pathwise/core';
import type { Env } from '@pathwise/envs';
import { ALGORITHM_NAMES, defaultConfig, referenceAliases, trainerSchema, type AlgorithmName, type TrainerConfig } from './config.js';
import { OnPolicyTrainer } from './trainer.js';

const DESCRIPTIONS: Record<AlgorithmName, string> = {
  lr: 'Likelihood-ratio (REINFORCE) policy gradient with GAE advantages',
  rp: 'Reparameterised analytic policy gradient through the differentiable env (SHAC-style)',
  lrp: 'Inverse-variance combination of the LR and RP gradients',
  ppo: 'Proximal policy optimisation (stable-PPO retry loop of the reference)',
  gippo: 'Gradient Informed PPO: PPO towards an alpha-policy built from analytic action gradients',
};

/** Columns each algorithm adds after the docs/architecture.md §6 base columns. */
export function metricColumns(algo: AlgorithmName): string[] {
  if (algo === 'gippo') return ['alpha', 'lr_alpha', 'alpha_loss', 'oorr', 'bias', 'det_min', 'det_max'];
  if (algo === 'lrp') return ['k_lr'];
  return [];
}

/** The five algorithms as `defineAlgorithm` plugins (registered by name); the problem is an Env. */
export const gippoAlgorithms: Record<AlgorithmName, Algorithm<TrainerConfig, Env>> = Object.fromEntries(
  ALGORITHM_NAMES.map((name) => [
    name,
    registerAlgorithm(
      defineAlgorithm<TrainerConfig, Env>({
        name,
        description: DESCRIPTIONS[name],
        defaults: defaultConfig('dejong64', name),
        configSchema: trainerSchema,
        aliases: referenceAliases,
        create: ({ config, problem, rng }) => new OnPolicyTrainer({ env: problem, algo: name, config, seed: rng.nextUint32() }),
      }),
    ),
  ]),
) as Record<AlgorithmName, Algorithm<TrainerConfig, Env>>;
