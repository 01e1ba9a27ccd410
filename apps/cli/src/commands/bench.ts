import type { Command } from 'commander';
import { algorithms, listBackends, PathwiseError } from '@pathwise/core';
import { globalOptions, printJson, setupBackend } from '../context.js';
import { benchCore, round } from '../bench/core.js';
import { machine } from '../bench/machine.js';
import { benchEnvsCommand } from './envs.js';
import { benchTrain, type TrainBenchResult } from '../bench/train.js';
import { REFERENCE_ALGORITHMS } from '@pathwise/gippo';
import { countFlag, LIMITS, listOption, parseNameList } from '../flags.js';

/** Backends to benchmark: the one asked for, or every available one when `auto`. */
export function benchBackends(requested: string): string[] {
  if (requested !== 'auto') return [requested];
  return listBackends()
    .filter((b) => b.available)
    .map((b) => b.name);
}

export function registerBenchCommand(program: Command): void {
  const bench = program.command('bench').description('Benchmarks; they print ratios measured side by side in one run');
  benchEnvsCommand(bench);
  bench
    .command('core')
    .description('Per-op dispatch time and the forward+backward time of a 64x[64,32,32,1] ELU MLP, per backend')
    .option('--json', 'print {what, machine, results} JSON (docs/architecture.md §6)')
    .action(async (_options, command: Command) => {
      const { json, backend } = globalOptions(command);
      const results = [];
      for (const name of benchBackends(backend)) {
        await setupBackend(name);
        results.push(await benchCore(name));
      }
      if (results.length === 0) throw new PathwiseError('No backend is available to benchmark.');
      const report = { what: 'core', machine: machine(), results };
      if (json) return printJson(report);
      const base = results[0]!;
      process.stdout.write(`pathwise bench core (${report.machine.cpus} cpus, node ${report.machine.node})\n`);
      process.stdout.write(`${'backend'.padEnd(8)} ${'us/op'.padStart(8)} ${'ms/mlp fwd+bwd'.padStart(15)} ${`op ratio vs ${base.backend}`.padStart(18)} ${'mlp ratio'.padStart(10)}\n`);
      for (const r of results) {
        process.stdout.write(
          `${r.backend.padEnd(8)} ${r.us_per_op.toFixed(2).padStart(8)} ${r.ms_per_mlp_fwd_bwd.toFixed(3).padStart(15)} ${round(r.us_per_op / base.us_per_op, 2)
            .toFixed(2)
            .padStart(18)} ${round(r.ms_per_mlp_fwd_bwd / base.ms_per_mlp_fwd_bwd, 2)
            .toFixed(2)
            .padStart(10)}\n`,
        );
      }
    });
  bench
    .command('train')
    .description('Milliseconds per training epoch for every algorithm on cpu and wasm (ratios side by side)')
    .option('--env <name>', 'environment', 'dejong64')
    .option('--epochs <n>', `timed epochs per algorithm (after 3 warm-up epochs), 1 to ${LIMITS.epochs.max}`, countFlag('--epochs', 'epochs'), 50)
    .addOption(listOption('--algos <list>', 'comma-separated algorithms', (text) => parseNameList('--algos', text), REFERENCE_ALGORITHMS))
    .option('--json', 'print {env, epochs, results: [{algo, backend, ms_per_epoch}]}')
    .action(async (flags: { env: string; epochs: number; algos: string[] }, command: Command) => {
      const { json, backend } = globalOptions(command);
      const { epochs } = flags;
      const algos = flags.algos.map((a) => algorithms.lookup(a).name);
      const backends = benchBackends(backend).filter((b) => b === 'cpu' || b === 'wasm' || backend !== 'auto');
      const results: TrainBenchResult[] = [];
      for (const name of backends) {
        await setupBackend(name);
        for (const algo of algos) results.push(await benchTrain(algo, flags.env, epochs, name));
      }
      const report = { env: flags.env, epochs, machine: machine(), results };
      if (json) return printJson(report);
      process.stdout.write(`pathwise bench train --env ${flags.env} (${epochs} epochs each; ${report.machine.cpus} cpus, node ${report.machine.node})\n`);
      process.stdout.write(
        `${'algo'.padEnd(6)} ${backends.map((b) => `${b} ms/epoch`.padStart(16)).join('')}${backends.length > 1 ? `${`${backends[1]}/${backends[0]}`.padStart(12)}` : ''}   phases on ${backends[backends.length - 1]} (ms)\n`,
      );
      for (const algo of algos) {
        const row = backends.map((b) => results.find((r) => r.algo === algo && r.backend === b)!);
        const ratio = row.length > 1 ? (row[1]!.ms_per_epoch / row[0]!.ms_per_epoch).toFixed(2).padStart(12) : '';
        const phases = Object.entries(row[row.length - 1]!.phases)
          .filter(([, v]) => v >= 0.5)
          .map(([k, v]) => `${k} ${v.toFixed(1)}`)
          .join(', ');
        process.stdout.write(`${algo.padEnd(6)} ${row.map((r) => r.ms_per_epoch.toFixed(1).padStart(16)).join('')}${ratio}   ${phases}\n`);
      }
    });
}
