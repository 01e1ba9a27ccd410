import type { Command } from 'commander';
import { algorithms } from '@pathwise/core';
import '@pathwise/gippo'; // registers lr, rp, lrp, ppo, gippo
import { globalOptions, printJson } from '../context.js';

export function registerAlgosCommand(program: Command): void {
  program
    .command('algos')
    .description('List the registered algorithms with their defaults')
    .option('--json', 'print [{name, description, defaults}] (docs/architecture.md §6)')
    .action((_flags, command: Command) => {
      const { json } = globalOptions(command);
      const list = algorithms.list().map((a) => ({ name: a.name, description: a.description, defaults: a.defaults }));
      if (json) return printJson(list);
      for (const a of list) process.stdout.write(`${a.name.padEnd(7)} ${a.description}\n`);
      process.stdout.write('\nDefaults differ per env (docs/algorithms/gippo.md §3); `pathwise algos --json` shows the De Jong 64-D ones.\n');
    });
}
