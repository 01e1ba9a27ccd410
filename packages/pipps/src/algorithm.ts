import { ConfigError, defineAlgorithm, type Algorithm, type ConfigField, type ConfigSchema, type EpochMetrics } from '@pathwise/core';
import type { Env } from '@pathwise/envs';
import { listModels } from './models/registry.js';
import { PippsRun, resolvePippsConfig, type PippsCheckpoint, type TrainPippsOptions } from './train.js';

/** The one problem PIPPS policy search runs on (docs/algorithms/pipps.md §4.1). */
export const PIPPS_PROBLEM = 'cartpole-pilco';

/**
 * The `pipps` algorithm's config: `resolvePippsConfig`'s options with `estimator` for `method`, and
 * each model's options flattened as `<model>.<key>` (`gp.inducingPoints`, `ensemble.members`, ...).
 * The seed is the run's.
 */
export interface PippsAlgorithmConfig {
  /** The estimator at every node: a PIPPS method (rp, lr, tp, gr) or any registered estimator. */
  estimator: string;
  /** A registered dynamics model. */
  model: string;
  /** Learned trials (one epoch each). */
  trials: number;
  particles: number;
  horizon: number;
  policySteps: number;
  evalEpisodes: number;
  centres: number;
  policyLr: number;
  policyEps: number;
  observationNoise: number;
  initStd: number;
  [modelOption: `${string}.${string}`]: number | string | boolean | number[];
}

/** PIPPS' own metrics.csv columns after the universal ones. */
export const PIPPS_ALGORITHM_COLUMNS = ['eval_cost_mean', 'eval_cost_std', 'model_nll', 'policy_steps', 'nonfinite_steps', 'model_cost_final', 'mean_k_lr', 'fit_loss', 'fit_s', 'policy_s'] as const;

const BASE_SCHEMA: ConfigSchema = {
  estimator: { type: 'string', description: 'estimator at every stochastic node: rp, lr (lr-loo), tp, gr or any registered estimator' },
  model: { type: 'string', description: 'registered dynamics model: gp, ensemble, true or a plugin' },
  trials: { type: 'integer', min: 1, max: 1_000, description: 'learned trials after the random one (one epoch each; at most 1000: every trial adds an episode the model refits on)' },
  particles: { type: 'integer', min: 2, max: 10_000, description: 'particles P per gradient (at most 10000: the tape holds P x T states)' },
  horizon: { type: 'integer', min: 1, max: 1_000, description: 'model rollout horizon T (at most 1000: the tape holds P x T states)' },
  policySteps: { type: 'integer', min: 0, max: 1_000_000, description: 'policy gradient steps per trial (at most 1e6, a bound on run time)' },
  evalEpisodes: { type: 'integer', min: 2, max: 100_000, description: 'real evaluation episodes per trial (at most 100000: run in one batch)' },
  centres: { type: 'integer', min: 1, max: 10_000, description: 'RBF centres of the policy (at most 10000)' },
  policyLr: { type: 'number', min: Number.MIN_VALUE, description: 'Adam learning rate of the policy' },
  policyEps: { type: 'number', min: Number.MIN_VALUE, description: 'Adam epsilon of the policy' },
  observationNoise: { type: 'number', min: 0, description: 'observation-noise scale k of the real system' },
  initStd: { type: 'number', min: 0, description: 'std of the initial state, real and simulated' },
};

/** The options of every registered model that declares them, as `<model>.<key>` fields and defaults. */
function modelFields(): { schema: ConfigSchema; defaults: Record<string, unknown> } {
  const schema: Record<string, ConfigField> = {};
  const defaults: Record<string, unknown> = {};
  for (const model of listModels()) {
    if (!model.optionsSchema || !model.options) continue;
    for (const [key, field] of Object.entries(model.optionsSchema)) {
      schema[`${model.name}.${key}`] = field;
      const value = (model.options as Record<string, unknown>)[key];
      defaults[`${model.name}.${key}`] = Array.isArray(value) ? [...value] : value;
    }
  }
  return { schema, defaults };
}

/** The `trainPipps` options of an algorithm config and seed (model options regrouped under their model). */
export function pippsTrainOptions(config: PippsAlgorithmConfig, seed: number): TrainPippsOptions {
  const grouped: Record<string, Record<string, unknown>> = {};
  for (const [key, value] of Object.entries(config)) {
    const dot = key.indexOf('.');
    if (dot > 0) (grouped[key.slice(0, dot)] ??= {})[key.slice(dot + 1)] = value;
  }
  return {
    method: config.estimator,
    model: config.model,
    trials: config.trials,
    particles: config.particles,
    horizon: config.horizon,
    policySteps: config.policySteps,
    evalEpisodes: config.evalEpisodes,
    centres: config.centres,
    policyLr: config.policyLr,
    policyEps: config.policyEps,
    observationNoise: config.observationNoise,
    initStd: config.initStd,
    seed,
    gp: grouped['gp'] ?? {},
    ensemble: grouped['ensemble'] ?? {},
  };
}

/**
 * PIPPS model-based policy search (docs/algorithms/pipps.md §4; Parmas et al., ICML 2018) as an
 * algorithm plugin: one epoch = one trial (collect, refit, policy steps on the model, evaluate).
 * `epochs` reads `trials`. The problem is the `cartpole-pilco` Env; the real system PIPPS acts on is
 * built from the config's `observationNoise` and `initStd` (as `pathwise pipps train` does), the Env
 * is checked by name. The run's streams fork from `new Rng(seed)`, so a run equals
 * `pathwise pipps train --seed <seed>` with the same settings. Model options are the registered
 * models' own, as `<model>.<key>` keys (read when this function is called). Not registered here:
 * import `@pathwise/pipps/register` (or call `registerAlgorithm(pippsAlgorithm())`).
 */
export function pippsAlgorithm(): Algorithm<PippsAlgorithmConfig, Env> {
  const models = modelFields();
  const configSchema: ConfigSchema = { ...BASE_SCHEMA, ...models.schema };
  return defineAlgorithm<PippsAlgorithmConfig, Env>({
    name: 'pipps',
    description: 'PIPPS: model-based policy search with particle gradients (rp, lr, tp, gr or any registered estimator) on a learned model',
    configSchema,
    keyAliases: { epochs: 'trials', method: 'estimator', inducingPoints: 'gp.inducingPoints', variancePoints: 'gp.variancePoints' },
    defaults: (problem) => {
      if (problem !== PIPPS_PROBLEM) throw new ConfigError('problem', problem, `'${PIPPS_PROBLEM}' (PIPPS policy search runs on the noisy cart-pole swing-up)`);
      const c = resolvePippsConfig({});
      const { method, seed: _seed, gp: _gp, ensemble: _ensemble, ...rest } = c;
      return { estimator: method, ...rest, ...models.defaults } as PippsAlgorithmConfig;
    },
    finalise: (config) => {
      resolvePippsConfig(pippsTrainOptions(config, 0)); // names, capabilities, the particle multiple
      return config;
    },
    epochs: (config) => config.trials,
    checkpointEvery: () => 1,
    columns: () => [...PIPPS_ALGORITHM_COLUMNS],
    create: ({ config, problem, seed }) => {
      if (problem && problem.name !== PIPPS_PROBLEM) throw new ConfigError('problem', problem.name, `'${PIPPS_PROBLEM}'`);
      const run = new PippsRun(pippsTrainOptions(config, seed));
      const best = () => run.metricsRows.reduce((b, r) => Math.max(b, -r.eval_cost_mean), -Infinity);
      return {
        async epoch(control): Promise<EpochMetrics | undefined> {
          const result = await run.trial(undefined, control ? () => control.shouldStop() : undefined);
          if (!result) return undefined; // stopped between policy steps; state() carries the partial trial
          const { row, details } = result;
          return {
            epoch: row.trial,
            steps: run.envSteps,
            reward: -row.eval_cost_mean,
            best_reward: best(),
            eval_cost_mean: row.eval_cost_mean,
            eval_cost_std: row.eval_cost_std,
            model_nll: row.model_nll,
            policy_steps: row.policy_steps,
            nonfinite_steps: details.nonfinite_steps,
            model_cost_final: details.model_cost_final,
            mean_k_lr: details.mean_k_lr ?? NaN,
            fit_loss: details.fit_loss,
            fit_s: details.fit_s,
            policy_s: details.policy_s,
          };
        },
        state: async () => run.checkpoint(),
        load: (state) => run.load(state as PippsCheckpoint),
        dispose: () => run.dispose(),
      };
    },
  });
}
