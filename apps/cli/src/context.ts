import type { Command } from 'commander';
import { tf, useBackend, autoChoice } from '@pathwise/core';
import '@pathwise/backend-cpu';
import '@pathwise/backend-wasm';
import '@pathwise/backend-webgl';
import '@pathwise/backend-webgpu';

/** Global flags (docs/architecture.md §5), read from the root program after parsing. */
export interface GlobalOptions {
  json: boolean;
  backend: string;
  seed: number;
  /** `--plugin <module>`, repeatable: modules imported before the command runs. */
  plugins: string[];
}

export function globalOptions(command: Command): GlobalOptions {
  const root = rootOf(command);
  const opts = { ...root.opts(), ...command.optsWithGlobals() } as { json?: boolean; backend?: string; seed?: number; plugin?: string[] };
  return { json: Boolean(opts.json), backend: opts.backend ?? 'auto', seed: opts.seed ?? 0, plugins: opts.plugin ?? [] };
}

function rootOf(command: Command): Command {
  let c = command;
  while (c.parent) c = c.parent;
  return c;
}

/**
 * The module worker threads import before a run: dist/builtins.js, beside the entry that bundles
 * this file (dist/bin.js).
 */
export function builtinsModule(): string {
  return new URL('./builtins.js', import.meta.url).href;
}

/** Activates the requested backend (`auto` measures) and returns its name. */
export async function setupBackend(name: string): Promise<string> {
  tf.env().set('PROD', true); // silences tfjs's "install tfjs-node" banner; the CLI reports backends itself
  const active = await useBackend(name);
  const choice = autoChoice();
  if (name === 'auto' && choice && process.env.PATHWISE_DEBUG) {
    process.stderr.write(`auto backend: ${JSON.stringify(choice.timings)} -> ${choice.name}\n`);
  }
  return active;
}

/** Prints machine-readable JSON on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
/** Progress bar on stderr; silent when stderr is not a TTY or --json is set (docs/architecture.md §5). */
export class Progress {
  private readonly enabled: boolean;
  /** Not a terminal (a log file, nohup): a plain line every 30 s instead of a redrawn bar. */
  private readonly plain: boolean;
  private readonly start = Date.now();
  private last = 0;
  private first?: { done: number; at: number };

  constructor(
    private total: number,
    private readonly label: string,
    json: boolean,
  ) {
    this.enabled = Boolean(process.stderr.isTTY) && !json;
    this.plain = !process.stderr.isTTY && !json;
    this.last = this.plain ? this.start : 0;
  }

  /** Updates the bar with a new total (multi-run progress grows as runs report). */
  update(done: number, total: number, note = ''): void {
    this.total = total;
    this.tick(done, note);
  }

  tick(done: number, note = ''): void {
    const now = Date.now();
    // A resumed run starts with work already done: the rate counts only what this process did.
    this.first ??= { done, at: now };
    const elapsed = (now - this.start) / 1000;
    const rate = (done - this.first.done) / Math.max(now - this.first.at, 1);
    const eta = done >= this.total ? '0s' : rate > 0 ? `${((this.total - done) / rate / 1000).toFixed(0)}s` : '?';
    if (this.plain && now - this.last >= 30_000) {
      this.last = now;
      process.stderr.write(`${this.label}: ${done}/${this.total} ${elapsed.toFixed(0)}s eta ${eta} ${note}\n`);
    }
    if (!this.enabled) return;
    if (done < this.total && now - this.last < 100) return;
    this.last = now;
    const width = 30;
    const fraction = this.total > 0 ? Math.min(done / this.total, 1) : 1;
    const filled = Math.round(fraction * width);
    process.stderr.write(`\r${this.label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${this.total} ${elapsed.toFixed(1)}s eta ${eta} ${note}`.padEnd(100));
  }

  done(): void {
    if (this.enabled) process.stderr.write('\n');
  }
}
