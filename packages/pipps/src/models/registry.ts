import { ConfigError, Registry, resolveConfig, type ConfigSchema } from '@pathwise/core';
import { EnsembleModel, ENSEMBLE_DEFAULTS, ENSEMBLE_SCHEMA, type EnsembleOptions } from './ensemble.js';
import { GaussianProcessModel, GP_DEFAULTS, GP_SCHEMA, type GpOptions } from './gp.js';
import { TrueCartpoleModel } from './true-dynamics.js';
import type { DynamicsModel } from './types.js';

/** What a dynamics model is built from. */
export interface ModelContext<O extends object = Record<string, unknown>> {
  stateDim: number;
  actionDim: number;
  /** The model's own options (the PIPPS config holds them under the model's name, e.g. `gp`). */
  options: Partial<O>;
}

export interface ModelDefinition<O extends object = Record<string, unknown>> {
  name: string;
  description: string;
  /** Default options, listed for users and used as the algorithm config's `<name>.<key>` defaults. */
  options?: Required<O>;
  /** Types and ranges of the options (keys not listed are rejected). */
  optionsSchema?: ConfigSchema;
  /** The row count `predict` needs a multiple of, for these options (1 when omitted; the ensemble: its members). */
  rowMultiple?: (options: Partial<O>) => number;
  create(context: ModelContext<O>): DynamicsModel;
}

/** A registered dynamics model plugin. */
export interface ModelPlugin<O extends object = Record<string, unknown>> extends Readonly<ModelDefinition<O>> {
  rowMultiple: (options: Partial<O>) => number;
}

/** Makes a typed dynamics-model plugin (the pattern of `defineAlgorithm`/`defineEstimator`). */
export function defineModel<O extends object = Record<string, unknown>>(definition: ModelDefinition<O>): ModelPlugin<O> {
  if (typeof definition.name !== 'string' || !/^[a-z][a-z0-9+-]*$/.test(definition.name)) {
    throw new ConfigError('name', definition.name, 'a lower-case name of letters, digits, + and -');
  }
  if (typeof definition.create !== 'function') throw new ConfigError(`${definition.name}.create`, typeof definition.create, 'a function');
  if (definition.options && definition.optionsSchema) resolveConfig(definition.optionsSchema, definition.options as object, {}, {}, `${definition.name}.`);
  return Object.freeze({ ...definition, rowMultiple: definition.rowMultiple ?? (() => 1) });
}

const registry = new Registry<ModelPlugin<any>>('dynamics model', () => 'Register a plugin with registerModel(defineModel({...})) before looking it up.');
let builtinsRegistered = false;
/** Registration order (the built-ins first), for listings. */
const order: string[] = [];

/** The built-in models: the GP of §1.3, the probabilistic MLP ensemble and the true cart-pole dynamics. */
export function builtinModels(): ModelPlugin<any>[] {
  return [
    defineModel<GpOptions>({
      name: 'gp',
      description: 'independent GP per state dimension, SE-ARD kernel, DTC mean with farthest-point inducing points (docs/algorithms/pipps.md §1.3)',
      options: GP_DEFAULTS,
      optionsSchema: GP_SCHEMA,
      create: ({ stateDim, actionDim, options }) => new GaussianProcessModel(stateDim, actionDim, options),
    }),
    defineModel<EnsembleOptions>({
      name: 'ensemble',
      description: 'ensemble of probabilistic MLPs, each on its own bootstrap resample; particle i uses member i mod E',
      options: ENSEMBLE_DEFAULTS,
      optionsSchema: ENSEMBLE_SCHEMA,
      rowMultiple: (options) => options.members ?? ENSEMBLE_DEFAULTS.members,
      create: ({ stateDim, actionDim, options }) => new EnsembleModel(stateDim, actionDim, options),
    }),
    defineModel<Record<string, never>>({
      name: 'true',
      description: 'the true cart-pole dynamics with the real process-noise std (an oracle model; nothing is fitted)',
      create: () => new TrueCartpoleModel(),
    }),
  ];
}

function ensureBuiltins(): void {
  if (builtinsRegistered) return;
  builtinsRegistered = true;
  for (const model of builtinModels()) if (!registry.has(model.name)) add(model);
}

function add(model: ModelPlugin<any>): void {
  registry.register(model);
  if (!order.includes(model.name)) order.push(model.name);
}

/** Registers (or replaces) a dynamics model by name. */
export function registerModel<M extends ModelPlugin<any>>(model: M): M {
  ensureBuiltins();
  add(model);
  return model;
}

/** The model called `name`; an `UnknownNameError` listing the registered names otherwise. */
export function getModel(name: string): ModelPlugin<any> {
  ensureBuiltins();
  return registry.get(name);
}

/** Every registered model, in registration order (gp, ensemble, true, then plugins). */
export function listModels(): ModelPlugin<any>[] {
  ensureBuiltins();
  const names = registry.names();
  return [...order.filter((n) => names.includes(n)), ...names.filter((n) => !order.includes(n))].map((n) => registry.get(n));
}

/** Whether a model called `name` is registered. */
export function hasModel(name: string): boolean {
  ensureBuiltins();
  return registry.has(name);
}
