// Trainer construction and the first GI-PPO rollout the e2e check compares across backends.
// Browser-safe and DOM-free: the e2e test imports this module in Node to compute the cpu reference.
// The rollout and its analytic action gradients come from @pathwise/gippo's `rolloutGradients`.
import { createTrainer, rolloutGradients, type OnPolicyTrainer, type RolloutGradients } from '@pathwise/gippo';
import type { TrainSettings } from '../protocol.js';

/** A trainer with the package defaults for env × algo, overridden by the few knobs the UI shows. */
export function makeTrainer(envName: string, algo: string, settings: Partial<TrainSettings> & { seed: number }): OnPolicyTrainer {
  const overrides: Record<string, unknown> = {};
  if (settings.actors !== undefined) overrides.numActors = settings.actors;
  if (settings.hidden !== undefined) {
    overrides.actorHidden = [settings.hidden, settings.hidden];
    overrides.criticHidden = [settings.hidden, settings.hidden];
  }
  if (settings.criticIterations !== undefined) overrides.criticIterations = settings.criticIterations;
  if (settings.epochs !== undefined) overrides.epochs = settings.epochs;
  return createTrainer({ env: envName, algo, overrides, seed: settings.seed });
}

/** The first GI-PPO rollout of a fresh, seeded trainer (the e2e agreement check uses this on every backend). */
export async function firstRollout(envName: string, settings: { seed: number; actors: number; hidden: number }): Promise<RolloutGradients> {
  const trainer = makeTrainer(envName, 'gippo', settings);
  try {
    return await rolloutGradients(trainer);
  } finally {
    trainer.dispose();
  }
}
