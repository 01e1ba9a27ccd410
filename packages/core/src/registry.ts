import { UnknownNameError } from './errors.js';

/**
 * A named registry of plugins. Stored on `globalThis` under a `Symbol.for` key, so the ESM and CJS
 * builds of a package (or two copies of it) share one registry per process.
 */
export class Registry<T extends { name: string }> {
  private readonly items: Map<string, T>;

  constructor(
    readonly kind: string,
    private readonly hint?: (name: string) => string | undefined,
  ) {
    const key = Symbol.for(`@pathwise/registry/${kind}`);
    const store = globalThis as unknown as Record<symbol, Map<string, T> | undefined>;
    this.items = store[key] ??= new Map<string, T>();
  }

  /** Adds or replaces an item; returns it so `export default register(define...(...))` reads well. */
  register(item: T): T {
    this.items.set(item.name, item);
    return item;
  }

  has(name: string): boolean {
    return this.items.has(name);
  }

  /** The item called `name`, or an `UnknownNameError` that lists every registered name. */
  get(name: string): T {
    const item = this.items.get(name);
    if (item === undefined) throw new UnknownNameError(this.kind, name, this.names(), this.hint?.(name));
    return item;
  }

  names(): string[] {
    return [...this.items.keys()].sort();
  }

  list(): T[] {
    return this.names().map((name) => this.items.get(name)!);
  }
}
