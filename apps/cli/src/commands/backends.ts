import type { Command } from 'commander';
import { getBackend, listBackends } from '@pathwise/core';
import { globalOptions, printJson } from '../context.js';

export function registerBackendsCommand(program: Command): void {
  program
    .command('backends')
    .description('List compute backends with availability and capabilities (SIMD, threads, float precision)')
    .option('--json', 'print JSON (docs/architecture.md §6)')
    .action(async (_options, command: Command) => {
      const { json } = globalOptions(command);
      // Capabilities that need asynchronous work (webgpu's adapter) are found before listing.
      for (const { name, available } of listBackends()) if (available) await getBackend(name).probe?.();
      const backends = listBackends();
      if (json) return printJson(backends);
      for (const b of backends) {
        const caps = [
          b.capabilities.simd !== undefined ? `simd=${b.capabilities.simd}` : '',
          b.capabilities.threads !== undefined ? `threads=${b.capabilities.threads}` : '',
          `float=${b.capabilities.float}`,
          b.capabilities.adapter !== undefined ? `adapter=${b.capabilities.adapter.vendor}/${b.capabilities.adapter.architecture}${b.capabilities.adapter.software ? ' (software)' : ''}` : '',
        ].filter(Boolean);
        const status = b.available ? 'available' : `unavailable: ${b.reason}`;
        process.stdout.write(`${b.name.padEnd(8)} ${status}  (${caps.join(', ')})\n`);
      }
    });
}
