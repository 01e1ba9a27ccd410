// The on-policy algorithms as `defineAlgorithm` plugins: `pg` (any estimator; `lr`, `rp`, `lrp` are its
// variants with the reference's per-problem defaults), `ppo` and `gippo`. Each owns its config
// schema, defaults, checkpoint state (through its PolicyUpdate) and metric columns.
import { algorithms, defineAlgorithm, registerAlgorithm, type Algorithm, type AlgorithmVariant } from '@pathwise/core';
import { getEnv, type Env } from '@pathwise/envs';
import { aliasesFor, checkOnPolicyConfig, defaultConfig, flattenReferenceBlocks, gippoSchema, pgSchema, ppoSchema, referenceActorLr, type TrainerConfig } from './config.js';
import { configuredEstimator } from './estimator-config.js';
import { OnPolicyTrainer, type PolicyUpdateSpec } from './trainer.js';
import { pgUpdate } from './algorithms/pg.js';
import { ppoUpdate } from './algorithms/ppo.js';
import { gippoUpdate } from './algorithms/gippo.js';

/** The columns every on-policy algorithm reports after the universal ones (docs/architecture.md §6). */
export const ON_POLICY_COLUMNS = ['actor_loss', 'critic_loss', 'actor_lr', 'critic_lr'] as const;

/** GI-PPO's diagnostics, in the reference's order. */
export const GIPPO_COLUMNS = ['alpha', 'lr_alpha', 'alpha_loss', 'oorr', 'bias', 'det_min', 'det_max'] as const;

function onPolicy(
  name: string,
  description: string,
  schema: typeof pgSchema,
  defaults: (env: string) => TrainerConfig,
  columns: (config: TrainerConfig) => string[],
  update: (config: TrainerConfig) => PolicyUpdateSpec,
  variants?: Record<string, AlgorithmVariant<TrainerConfig>>,
): Algorithm<TrainerConfig, Env> {
  return defineAlgorithm<TrainerConfig, Env>({
    name,
    description,
    configSchema: schema,
    defaults,
    epochs: (config) => config.epochs,
    checkpointEvery: (config) => config.checkpointEvery,
    keyAliases: aliasesFor(schema),
    prepareOverrides: flattenReferenceBlocks,
    ...(variants ? { variants } : {}),
    columns: (config) => [...ON_POLICY_COLUMNS, ...columns(config)],
    finalise: (config) => {
      checkOnPolicyConfig(config);
      update(config); // an unknown estimator, bad estimator options or a refused capability fail here, before any run starts
      return config;
    },
    create: ({ config, problem, seed }) => new OnPolicyTrainer({ env: problem, config, seed, update: update(config) }),
  });
}

const pgVariant = (description: string, estimator: string, reference: 'lr' | 'rp' | 'lrp', estimatorOptions: Record<string, unknown> = {}): AlgorithmVariant<TrainerConfig> => ({
  description,
  preset: (env) => ({ estimator, estimatorOptions, actorLr: referenceActorLr(env, reference) }),
});

/** `pg`: the policy gradient of any registered estimator. */
export const pg = onPolicy(
  'pg',
  'Policy gradient with any registered estimator (--estimator): cost-only estimators learn from GAE advantages, pathwise ones through the differentiable env, combinators mix their parts by variance',
  pgSchema,
  (env) => defaultConfig(env, 'rp', pgSchema),
  (config) => (configuredEstimator(config).combination ? ['k_lr'] : []),
  (config) => pgUpdate(configuredEstimator(config)),
  {
    lr: pgVariant('pg with the likelihood-ratio (REINFORCE) estimator and GAE advantages', 'lr', 'lr'),
    rp: pgVariant('pg with the reparameterised analytic gradient through the differentiable env (SHAC-style)', 'rp', 'rp'),
    lrp: pgVariant("pg with GI-PPO's LR+RP: the inverse-variance combination of the LR and RP gradients", 'lr+rp', 'lrp', { lrBaseline: 'none' }),
  },
);

/** `ppo`: proximal policy optimisation (the reference's stable-PPO loop, or rl_games' adaptive-KL PPO). */
export const ppo = onPolicy(
  'ppo',
  'Proximal policy optimisation (stable-PPO retry loop of the reference; adaptive-KL on physics envs)',
  ppoSchema,
  (env) => defaultConfig(env, 'ppo', ppoSchema),
  () => [],
  () => ppoUpdate,
);

/** `gippo`: Gradient Informed PPO. */
export const gippo = onPolicy(
  'gippo',
  'Gradient Informed PPO: PPO towards an alpha-policy built from analytic action gradients (--estimator, default rp)',
  gippoSchema,
  (env) => defaultConfig(env, 'gippo', gippoSchema),
  () => [...GIPPO_COLUMNS],
  (config) => gippoUpdate(configuredEstimator(config)),
);

for (const algorithm of [pg, ppo, gippo]) registerAlgorithm(algorithm);

/** The on-policy algorithms and their variants, by the names `pathwise train --algo` accepts. */
export const ON_POLICY_ALGORITHMS = ['pg', 'lr', 'rp', 'lrp', 'ppo', 'gippo'] as const;

export interface CreateTrainerOptions {
  /** An env name (its registered env is used) or an env. */
  env: string | Env;
  /** A registered on-policy algorithm or variant: `pg`, `lr`, `rp`, `lrp`, `ppo`, `gippo`. */
  algo: string;
  /** Config overrides (reference key names accepted), or a config resolved already. */
  overrides?: Record<string, unknown>;
  config?: TrainerConfig;
  seed: number;
}

/** The resolved config of an on-policy algorithm (or variant) on an env. */
export function resolveTrainerConfig(envName: string, algo: string, overrides: Record<string, unknown> = {}): TrainerConfig {
  const { algorithm, variant } = algorithms.lookup(algo);
  return algorithm.resolve(envName, overrides, variant) as TrainerConfig;
}

/** A trainer for scripts, tests and the playground (the runtime uses the registry the same way). */
export function createTrainer(options: CreateTrainerOptions): OnPolicyTrainer {
  const envName = typeof options.env === 'string' ? options.env : options.env.name;
  const env = typeof options.env === 'string' ? getEnv(options.env) : options.env;
  const { algorithm } = algorithms.lookup(options.algo);
  const config = options.config ?? resolveTrainerConfig(envName, options.algo, options.overrides);
  const run = algorithm.create({ config, problem: env, seed: options.seed, rng: undefined as never, backend: '' });
  if (!(run instanceof OnPolicyTrainer)) throw new TypeError(`'${options.algo}' is not an on-policy algorithm of @pathwise/gippo.`);
  return run;
}
