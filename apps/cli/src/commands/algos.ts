import type { Command } from 'commander';
import { algorithms } from '@pathwise/core';
import { defaultProblemOf } from '@pathwise/runtime';
import { globalOptions, printJson } from '../context.js';
import { FALLBACK_ENV } from './train.js';

/** One `pathwise algos --json` row (docs/architecture.md §6). */
export interface AlgoRow {
  name: string;
  description: string;
  /** The defaults for the algorithm's own problem (its `defaultProblem`, else the fallback env or the first env it accepts). */
  defaults: Record<string, unknown>;
  /** The algorithm's variants: names `--algo` also accepts (e.g. `lr`, `rp`, `lrp` of `pg`). */
  aliases?: string[];
}

export function algoRows(): AlgoRow[] {
  return algorithms.list().map((a) => {
    const aliases = Object.keys(a.variants ?? {});
    return {
      name: a.name,
      description: a.description,
      defaults: a.defaults(defaultProblemOf(a, [FALLBACK_ENV]) ?? FALLBACK_ENV) as Record<string, unknown>,
      ...(aliases.length > 0 ? { aliases } : {}),
    };
  });
}

export function registerAlgosCommand(program: Command): void {
  program
    .command('algos')
    .description('List the registered algorithms (built-in and from --plugin) with their variants and defaults')
    .option('--json', 'print [{name, description, defaults, aliases?}] (docs/architecture.md §6)')
    .action((_flags, command: Command) => {
      const { json } = globalOptions(command);
      const rows = algoRows();
      if (json) return printJson(rows);
      const width = Math.max(7, ...rows.map((r) => r.name.length + 1));
      for (const r of rows) process.stdout.write(`${r.name.padEnd(width)} ${r.description}${r.aliases ? ` (variants: ${r.aliases.join(', ')})` : ''}\n`);
      process.stdout.write(`\nDefaults can differ per env; \`pathwise algos --json\` shows each algorithm's for its own problem (else ${FALLBACK_ENV}).\n`);
    });
}
