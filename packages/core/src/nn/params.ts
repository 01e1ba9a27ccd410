import { tf } from '../tf.js';
import { ConfigError, ShapeError } from '../errors.js';
import type { Module } from './module.js';

/** Parameters as plain JSON: `{ "<module>.<param>": { shape, values } }`. */
export type ParameterJSON = Record<string, { shape: number[]; values: number[] }>;

/** Reads every parameter of `module` into plain JSON (float32 values as JS numbers). */
export async function saveParameters(module: Module): Promise<ParameterJSON> {
  const out: ParameterJSON = {};
  for (const [name, variable] of module.namedParameters()) {
    out[name] = { shape: [...variable.shape], values: Array.from(await variable.data()) };
  }
  return out;
}

/** Assigns saved values to `module`'s parameters; names and shapes must match exactly. */
export function loadParameters(module: Module, json: ParameterJSON): void {
  const named = module.namedParameters();
  const expected = new Set(named.map(([name]) => name));
  const extra = Object.keys(json).filter((name) => !expected.has(name));
  if (extra.length > 0) throw new ConfigError('parameters', extra, `only the module's parameters: ${[...expected].join(', ')}`);
  for (const [name, variable] of named) {
    const saved = json[name];
    if (saved === undefined) throw new ConfigError(`parameters.${name}`, undefined, 'a saved {shape, values} entry');
    const size = variable.shape.reduce((a, b) => a * b, 1);
    if (saved.shape.length !== variable.shape.length || saved.shape.some((d, i) => d !== variable.shape[i]) || saved.values.length !== size) {
      throw new ShapeError(`parameters.${name}: saved shape [${saved.shape}] (${saved.values.length} values) does not match [${variable.shape}].`);
    }
    tf.tidy(() => variable.assign(tf.tensor(saved.values, variable.shape, 'float32')));
  }
}
