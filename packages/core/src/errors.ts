/** Base class of every error pathwise throws on purpose: `instanceof PathwiseError` separates them from bugs. */
export class PathwiseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A configuration value is wrong: names the key, the value and what is allowed. */
export class ConfigError extends PathwiseError {
  constructor(
    readonly key: string,
    readonly value: unknown,
    readonly expected: string,
  ) {
    super(`Invalid config '${key}': got ${formatValue(value)}, expected ${expected}.`);
  }
}

/** A name was looked up in a registry that does not hold it. Lists what does exist. */
export class UnknownNameError extends PathwiseError {
  constructor(
    readonly kind: string,
    readonly requested: string,
    readonly known: readonly string[],
    hint?: string,
  ) {
    const list = known.length > 0 ? known.join(', ') : '(none registered)';
    super(`Unknown ${kind} '${requested}'. Registered: ${list}.${hint ? ` ${hint}` : ''}`);
  }
}

/** A backend was asked for that is not registered or cannot run here. */
export class BackendUnavailableError extends PathwiseError {
  constructor(
    readonly backend: string,
    readonly reason: string,
  ) {
    super(`Backend '${backend}' is unavailable: ${reason}`);
  }
}

/** A tensor has the wrong shape for the operation it was given to. */
export class ShapeError extends PathwiseError {}

/** A gradient, reward or statistic contains NaN or Inf. */
export class NonFiniteError extends PathwiseError {
  constructor(
    readonly what: string,
    readonly count: number,
    readonly total: number,
  ) {
    super(`${what} has ${count} non-finite value(s) (NaN or Inf) out of ${total}.`);
  }
}

/**
 * A value as the user wrote it: JSON, except that non-finite numbers (which JSON.stringify turns
 * into `null`) read `Infinity`, `-Infinity` or `NaN`, at any depth.
 */
function formatValue(value: unknown): string {
  try {
    return format(value, new Set());
  } catch {
    return String(value);
  }
}

function format(value: unknown, seen: Set<object>): string {
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : String(value);
  if (typeof value !== 'object' || value === null || typeof (value as { toJSON?: unknown }).toJSON === 'function') return JSON.stringify(value) ?? String(value);
  if (seen.has(value)) throw new TypeError('cyclic value');
  seen.add(value);
  const text = Array.isArray(value)
    ? `[${value.map((v) => (v === undefined || typeof v === 'function' ? 'null' : format(v, seen))).join(',')}]`
    : `{${Object.entries(value)
        .filter(([, v]) => v !== undefined && typeof v !== 'function' && typeof v !== 'symbol')
        .map(([k, v]) => `${JSON.stringify(k)}:${format(v, seen)}`)
        .join(',')}}`;
  seen.delete(value);
  return text;
}

/** A plugin lacks a capability its consumer needs (e.g. a stateful estimator inside the particle tape). */
export class CapabilityError extends PathwiseError {
  constructor(
    readonly plugin: string,
    readonly consumer: string,
    readonly missing: string,
  ) {
    super(`'${plugin}' cannot be used by ${consumer}: it needs ${missing}.`);
  }
}
