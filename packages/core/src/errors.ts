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

function formatValue(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
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
