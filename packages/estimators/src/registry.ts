import { Registry } from '@pathwise/core';
import type { Estimator, Requirement } from './types.js';
import { scoreFunction } from './builtins/score-function.js';
import { reparameterisation } from './builtins/reparam.js';
import { lrPlusRp, totalPropagation } from './builtins/combination.js';
import { dice } from './dice.js';
import { gaussianResampling } from './builtins/gaussian-resampling.js';

const registry = new Registry<Estimator<any>>('estimator', () => 'Register a plugin with registerEstimator(defineEstimator({...})) before looking it up.');

let builtinsRegistered = false;
let builtinInstances: Map<string, Estimator<any>> | undefined;

/** The built-in estimators, by name. Created on first use, so importing the package has no side effects. */
export function builtinEstimators(): Estimator<any>[] {
  return [
    scoreFunction('lr', 'none'),
    scoreFunction('lr-constant', 'constant'),
    scoreFunction('lr-moving-average', 'moving-average'),
    scoreFunction('lr-loo', 'leave-one-out'),
    scoreFunction('lr-optimal', 'optimal'),
    scoreFunction('lr-optimal-loo', 'optimal-loo'),
    reparameterisation('rp'),
    lrPlusRp('lr+rp'),
    totalPropagation('tp'),
    gaussianResampling('gr'),
    dice('dice'),
  ];
}

function ensureBuiltins(): void {
  if (builtinsRegistered) return;
  builtinsRegistered = true;
  builtinInstances = new Map(builtinEstimators().map((e) => [e.name, e]));
  for (const estimator of builtinInstances.values()) if (!registry.has(estimator.name)) registry.register(estimator);
}

/**
 * Whether `estimator` is the built-in called `name` (by its definition's code, whatever its registered
 * name): consumers may take a shortcut that gives the same numbers, e.g. plain autodiff for `rp`.
 */
export function isBuiltinEstimator(estimator: Estimator<any>, name: string): boolean {
  ensureBuiltins();
  const builtin = builtinInstances!.get(name);
  if (!builtin) return false;
  const a = estimator.definition;
  const b = builtin.definition;
  return a.gradient === b.gradient && a.surrogate === b.surrogate && JSON.stringify(estimator.options) === JSON.stringify(builtin.options);
}

/** Registers (or replaces) an estimator by name so the CLI and configs can find it. */
export function registerEstimator<E extends Estimator<any>>(estimator: E): E {
  ensureBuiltins();
  registry.register(estimator);
  return estimator;
}

/** The estimator called `name`; an `UnknownNameError` listing the registered names otherwise. */
export function getEstimator(name: string): Estimator<any> {
  ensureBuiltins();
  return registry.get(name);
}

/** One row of `pathwise estimators --json` (docs/architecture.md §6). */
export interface EstimatorInfo {
  name: string;
  requires: Requirement[];
  unbiased: boolean;
  options: Record<string, unknown>;
  description: string;
}

/** Every registered estimator as the §6 listing objects. */
export function listEstimators(): EstimatorInfo[] {
  ensureBuiltins();
  return registry.list().map((e) => ({
    name: e.name,
    requires: [...e.requires],
    unbiased: e.unbiased,
    options: { ...e.options },
    description: e.description,
  }));
}
