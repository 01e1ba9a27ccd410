import { ConfigError } from './errors.js';

/** One config key: its type and allowed values. Enough to validate JSON/YAML configs with clear errors. */
export type ConfigField =
  | { type: 'number'; min?: number; max?: number; description?: string }
  | { type: 'integer'; min?: number; max?: number; description?: string }
  | { type: 'boolean'; description?: string }
  | { type: 'string'; enum?: readonly string[]; description?: string }
  | { type: 'number[]'; description?: string }
  /** A plain mapping whose own keys a plugin validates (e.g. an estimator's options). */
  | { type: 'object'; description?: string };

export type ConfigSchema = Record<string, ConfigField>;

/**
 * Merges `overrides` over `defaults` and checks every key against `schema`. Keys in `aliases`
 * (for example the reference implementation's names) are renamed first. Unknown keys, wrong types
 * and out-of-range values throw a `ConfigError` naming the key, the value and what is allowed.
 * Overrides that are `undefined` count as unset. `prefix` (for example `'gp.'`) qualifies the key names in those errors.
 */
export function resolveConfig<C extends object>(schema: ConfigSchema, defaults: C, overrides: Record<string, unknown> = {}, aliases: Record<string, string> = {}, prefix = ''): C {
  const merged: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  for (const [rawKey, value] of Object.entries(overrides)) {
    if (value === undefined) continue; // an optional field left unset keeps its default
    const key = aliases[rawKey] ?? rawKey;
    const field = schema[key];
    if (field === undefined) {
      throw new ConfigError(
        prefix + rawKey,
        value,
        `one of the known keys: ${Object.keys(schema)
          .sort()
          .map((k) => prefix + k)
          .join(', ')}`,
      );
    }
    merged[key] = value;
  }
  for (const [key, field] of Object.entries(schema)) checkField(prefix + key, merged[key], field);
  return merged as C;
}

function checkField(key: string, value: unknown, field: ConfigField): void {
  switch (field.type) {
    case 'number':
    case 'integer': {
      const ok = typeof value === 'number' && Number.isFinite(value) && (field.type === 'number' || Number.isInteger(value));
      const range = `${field.min !== undefined ? ` >= ${field.min}` : ''}${field.max !== undefined ? ` <= ${field.max}` : ''}`;
      if (!ok || (field.min !== undefined && value < field.min) || (field.max !== undefined && value > field.max)) {
        throw new ConfigError(key, value, `${field.type === 'integer' ? 'an integer' : 'a finite number'}${range}`);
      }
      return;
    }
    case 'boolean':
      if (typeof value !== 'boolean') throw new ConfigError(key, value, 'true or false');
      return;
    case 'string':
      if (typeof value !== 'string' || (field.enum && !field.enum.includes(value))) {
        throw new ConfigError(key, value, field.enum ? `one of ${field.enum.join(', ')}` : 'a string');
      }
      return;
    case 'number[]':
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
        throw new ConfigError(key, value, 'an array of finite numbers');
      }
      return;
    case 'object':
      if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(key, value, 'a mapping of option names to values');
      return;
  }
}
