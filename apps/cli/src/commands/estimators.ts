import type { Command } from 'commander';
import { listEstimators } from '@pathwise/estimators';
import { globalOptions, printJson } from '../context.js';

/** `pathwise estimators [--json]`: the registered gradient estimators (docs/architecture.md §6). */
export function registerEstimatorsCommand(program: Command): void {
  program
    .command('estimators')
    .description('List the registered gradient estimators')
    .option('--json', 'print [{name, requires, unbiased, options}] (docs/architecture.md §6)')
    .action((_flags, command: Command) => {
      const { json } = globalOptions(command);
      const list = listEstimators();
      if (json) return printJson(list.map(({ name, requires, unbiased, options }) => ({ name, requires, unbiased, options })));
      const width = Math.max(...list.map((e) => e.name.length));
      for (const e of list) {
        const flags = `${e.requires.join('+').padEnd(16)} ${e.unbiased ? 'unbiased' : 'biased  '}`;
        process.stdout.write(`${e.name.padEnd(width)}  ${flags}  ${e.description}\n`);
      }
    });
}
