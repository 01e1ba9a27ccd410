import { ConfigError, ShapeError, resolveConfig, tf, type ConfigField, type ConfigSchema } from '@pathwise/core';
import type { Estimator, EstimatorDefinition, EstimatorOptions } from './types.js';

const REQUIREMENTS = new Set(['logProb', 'pathwise']);

/**
 * Makes a typed estimator plugin (docs/architecture.md §3). Give either `surrogate` (per-sample surrogate terms;
 * the gradient is taken for you, so higher derivatives work if the surrogate is built for them) or
 * `gradient` (per-sample contributions directly).
 */
export function defineEstimator<O extends EstimatorOptions = EstimatorOptions>(definition: EstimatorDefinition<O>): Estimator<O> {
  const { name, requires } = definition;
  if (typeof name !== 'string' || name.length === 0) throw new ConfigError('name', name, 'a non-empty string');
  if (!Array.isArray(requires) || requires.length === 0 || requires.some((r) => !REQUIREMENTS.has(r))) {
    throw new ConfigError(`${name}.requires`, requires, "['logProb'], ['pathwise'] or ['logProb', 'pathwise']");
  }
  if (typeof definition.unbiased !== 'boolean') throw new ConfigError(`${name}.unbiased`, definition.unbiased, 'true or false');
  const hasSurrogate = typeof definition.surrogate === 'function';
  const hasGradient = typeof definition.gradient === 'function';
  if (hasSurrogate === hasGradient) {
    throw new ConfigError(`${name}`, Object.keys(definition), 'exactly one of surrogate(inputs) or gradient(inputs)');
  }
  if (hasSurrogate && definition.initState) {
    throw new ConfigError(`${name}.initState`, 'a function', 'a stateless surrogate estimator, or gradient(inputs) for a stateful one');
  }
  if (definition.transform !== undefined) {
    if (typeof definition.transform !== 'function') throw new ConfigError(`${name}.transform`, typeof definition.transform, 'a function');
    if (requires.includes('logProb')) throw new ConfigError(`${name}.requires`, requires, "['pathwise'] for an estimator with a transform (transformed points have no score)");
  }
  if (!definition.unbiased && definition.biasBound !== undefined && !(definition.biasBound > 0)) {
    throw new ConfigError(`${name}.biasBound`, definition.biasBound, 'a positive number');
  }
  const defaults = (definition.options ?? {}) as O;
  const optionsSchema = definition.optionsSchema ?? inferSchema(defaults);
  const options = resolveConfig(optionsSchema, { ...defaults }) as O;
  return build(definition, options, optionsSchema);
}

function build<O extends EstimatorOptions>(definition: EstimatorDefinition<O>, options: O, optionsSchema: ConfigSchema): Estimator<O> {
  const kind = definition.surrogate ? 'surrogate' : 'gradient';
  const estimator: Estimator<O> = {
    name: definition.name,
    description: definition.description ?? '',
    requires: Object.freeze([...definition.requires]),
    unbiased: definition.unbiased,
    options: Object.freeze({ ...options }),
    optionsSchema,
    biasBound: definition.unbiased ? undefined : (definition.biasBound ?? 1),
    secondOrder: Boolean(definition.secondOrder),
    stateful: typeof definition.initState === 'function',
    kind,
    combination: definition.combination?.(options),
    designsNoise: typeof definition.noise === 'function',
    designNoise: (noise: tf.Tensor, sampleAxis: number) => (definition.noise ? checkedDesign(definition.name, noise, definition.noise(noise, sampleAxis)) : noise),
    definition,
    with(overrides: Partial<O>, name?: string): Estimator<O> {
      const merged = resolveConfig(optionsSchema, { ...options }, overrides as Record<string, unknown>) as O;
      return build({ ...definition, name: name ?? definition.name }, merged, optionsSchema);
    },
  };
  if (definition.transform) {
    const transform = definition.transform;
    estimator.transform = (draws, auxNoise) => transform(draws, auxNoise, estimator.options);
  }
  if (definition.initState) {
    const init = definition.initState;
    estimator.initState = () => init(estimator.options);
  }
  return Object.freeze(estimator);
}

function inferSchema(defaults: EstimatorOptions): ConfigSchema {
  const schema: Record<string, ConfigField> = {};
  for (const [key, value] of Object.entries(defaults)) {
    if (typeof value === 'number') schema[key] = { type: 'number' };
    else if (typeof value === 'boolean') schema[key] = { type: 'boolean' };
    else if (typeof value === 'string') schema[key] = { type: 'string' };
    else schema[key] = { type: 'number[]' };
  }
  return schema;
}

function checkedDesign(name: string, noise: tf.Tensor, designed: tf.Tensor): tf.Tensor {
  if (designed.shape.join() !== noise.shape.join()) throw new ShapeError(`Estimator '${name}': its noise design returned shape [${designed.shape}] for draws [${noise.shape}].`);
  return designed;
}
