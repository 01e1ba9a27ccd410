import type { Command } from 'commander';
import { algorithms, ConfigError, listBackends, PathwiseError } from '@pathwise/core';
import { globalOptions, printJson, setupBackend } from '../context.js';
import { benchCore, round } from '../bench/core.js';
import { machine } from '../bench/machine.js';
import { benchEnvsCommand } from './envs.js';
import { benchTrain, bestOf, torchTrainRound, TRAIN_BENCH_VARIANTS, TRAIN_TORCH_ENV, type EnvKernel, type TrainBenchResult, type TrainBenchVariant, type TrainTorchReference } from '../bench/train.js';
import { REFERENCE_ALGORITHMS } from '@pathwise/gippo';
import { countFlag, countListFlag, LIMITS, listOption, parseKernelList, parseNameList } from '../flags.js';
import { benchRollout, ROLLOUT_BATCHES, ROLLOUT_ENV, ROLLOUT_HORIZON, torchReference, type RolloutBenchRow, type RolloutSkip } from '../bench/rollout.js';

/** `bench train --variants`: a list of auto, fused, ops. */
function parseVariants(text: string): TrainBenchVariant[] {
  const names = parseNameList('--variants', text);
  for (const name of names) {
    if (!(TRAIN_BENCH_VARIANTS as string[]).includes(name)) throw new ConfigError('--variants', text, `a comma-separated list of ${TRAIN_BENCH_VARIANTS.join(', ')}`);
  }
  return names as TrainBenchVariant[];
}

/** The variants that differ on a backend: on cpu `fused` is `auto`. */
function variantsOn(backend: string, variants: TrainBenchVariant[]): TrainBenchVariant[] {
  return backend === 'wasm' ? variants : variants.filter((v) => v !== 'fused' || !variants.includes('auto'));
}

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
    .command('rollout')
    .description(`One epoch's differentiable rollout (${ROLLOUT_ENV}, MLP [64, 64] ELU policy, T = ${ROLLOUT_HORIZON}, forward + backward) per backend, fused and op-by-op env steps, beside PyTorch`)
    .addOption(listOption('--batches <list>', `comma-separated numbers of envs, each 1 to ${LIMITS.batch.max}`, countListFlag('--batches', 'batch'), ROLLOUT_BATCHES))
    .option('--env <name>', `the env (default ${ROLLOUT_ENV}; the PyTorch reference exists for it only)`, ROLLOUT_ENV)
    .option('--no-torch', 'skip the PyTorch reference (scripts/bench/rollout_torch.py)')
    .option('--json', 'print {what, machine, results: [{backend, env, envs, kernel, steps_per_s, ms_per_iter}], skipped, reference, reference_error?}')
    .action(async (flags: { batches: number[]; torch: boolean; env: string }, command: Command) => {
      const { json, backend } = globalOptions(command);
      const results: RolloutBenchRow[] = [];
      const skipped: RolloutSkip[] = [];
      const log = (row: RolloutBenchRow | RolloutSkip) => {
        if (!json) process.stderr.write(`  ${row.backend} ${row.kernel} ${row.envs} envs: ${'reason' in row ? `skipped (${row.reason})` : `${row.ms_per_iter} ms`}\n`);
      };
      for (const name of benchBackends(backend)) {
        const active = await setupBackend(name);
        const run = await benchRollout(active, flags.batches, log, flags.env);
        results.push(...run.results);
        skipped.push(...run.skipped);
      }
      if (results.length === 0 && skipped.length === 0) throw new PathwiseError('No backend is available to benchmark.');
      const torch =
        flags.env !== ROLLOUT_ENV
          ? { reference: [], reference_error: `no PyTorch reference for ${flags.env} (scripts/bench/rollout_torch.py is ${ROLLOUT_ENV})` }
          : flags.torch
            ? torchReference(flags.batches)
            : { reference: [], reference_error: 'skipped (--no-torch)' };
      const report = { what: 'rollout', machine: machine(), results, skipped, ...torch };
      if (json) return printJson(report);
      const torchAt = (threads: number, envs: number) => torch.reference.find((r) => r.threads === threads && r.envs === envs);
      const allThreads = report.machine.cpus;
      process.stdout.write(`pathwise bench rollout: ${flags.env}, MLP [64, 64] ELU, T = ${ROLLOUT_HORIZON}, forward + backward (${report.machine.cpus} cpus, node ${report.machine.node})\n`);
      process.stdout.write(
        `${'backend'.padEnd(8)} ${'kernel'.padEnd(6)} ${'envs'.padStart(6)} ${'ms/iter'.padStart(10)} ${'steps/s'.padStart(10)} ${'fused/ops'.padStart(10)} ${'vs torch 1t'.padStart(12)} ${`vs torch ${allThreads}t`.padStart(12)}\n`,
      );
      const ratio = (a: number, b: number | undefined) => (b === undefined ? '-' : (a / b).toFixed(2));
      for (const r of results) {
        const ops = results.find((o) => o.backend === r.backend && o.envs === r.envs && o.kernel === 'ops');
        process.stdout.write(
          `${r.backend.padEnd(8)} ${r.kernel.padEnd(6)} ${String(r.envs).padStart(6)} ${r.ms_per_iter.toFixed(1).padStart(10)} ${String(r.steps_per_s).padStart(10)} ${(r.kernel === 'fused' ? ratio(r.steps_per_s, ops?.steps_per_s) : '').padStart(10)} ${ratio(r.steps_per_s, torchAt(1, r.envs)?.steps_per_s).padStart(12)} ${ratio(r.steps_per_s, torchAt(allThreads, r.envs)?.steps_per_s).padStart(12)}\n`,
        );
      }
      for (const r of torch.reference)
        process.stdout.write(`${'torch'.padEnd(8)} ${`${r.threads}t`.padEnd(6)} ${String(r.envs).padStart(6)} ${r.ms_per_iter.toFixed(1).padStart(10)} ${String(r.steps_per_s).padStart(10)}\n`);
      for (const s of skipped) process.stdout.write(`skipped: ${s.backend} ${s.kernel} ${s.envs} envs: ${s.reason}\n`);
      if (torch.reference_error !== undefined) process.stdout.write(`reference: none (${torch.reference_error})\n`);
    });
  bench
    .command('train')
    .description(
      `Milliseconds per training epoch per algorithm on cpu and wasm, in alternating rounds with the PyTorch reference (scripts/bench/epoch_torch.py, ${TRAIN_TORCH_ENV}); best of the rounds`,
    )
    .option('--env <name>', 'environment', 'dejong64')
    .option('--epochs <n>', `timed epochs per algorithm and round (after 3 warm-up epochs), 1 to ${LIMITS.epochs.max}`, countFlag('--epochs', 'epochs'), 50)
    .option('--rounds <n>', 'alternating rounds (ours, then PyTorch); each figure is the best of them', countFlag('--rounds', 'repeats'), 3)
    .addOption(listOption('--algos <list>', 'comma-separated algorithms', (text) => parseNameList('--algos', text), REFERENCE_ALGORITHMS))
    .addOption(
      listOption(
        '--variants <list>',
        "comma-separated: auto (the default config: host kernels where bit-identical), fused (mlpKernel 'fused': the MLP kernel on wasm too), ops (every host-kernel switch off: the op paths); on cpu auto and fused are the same, so fused runs on wasm only",
        (text) => parseVariants(text),
        ['auto', 'fused'],
      ),
    )
    .addOption(
      listOption(
        '--env-kernel <list>',
        "the envKernel config, or a comma-separated list timed side by side in each round: auto (the env's default), fused (its one-kernel step, e.g. cart-pole swing-up or traffic on cpu and wasm), ops",
        (text) => parseKernelList('--env-kernel', text),
        ['auto'],
      ),
    )
    .option('--no-torch', 'skip the PyTorch reference (scripts/bench/epoch_torch.py)')
    .option(
      '--json',
      'print {what, env, epochs, rounds, env_kernel (the list, comma-separated), machine, results: [{algo, backend, variant, env_kernel, ms_per_epoch, phases, kernels_per_epoch, vs_torch?}], reference, reference_error?}',
    )
    .action(async (flags: { env: string; epochs: number; rounds: number; algos: string[]; variants: TrainBenchVariant[]; envKernel: EnvKernel[]; torch: boolean }, command: Command) => {
      const { json, backend } = globalOptions(command);
      const { epochs, rounds } = flags;
      const algos = flags.algos.map((a) => algorithms.lookup(a).name);
      const backends = benchBackends(backend).filter((b) => b === 'cpu' || b === 'wasm' || backend !== 'auto');
      const measured: TrainBenchResult[] = [];
      const torchRows: TrainTorchReference[] = [];
      let torchError: string | undefined = flags.torch ? undefined : 'skipped (--no-torch)';
      for (let r = 0; r < rounds; r++) {
        for (const name of backends) {
          await setupBackend(name);
          for (const algo of algos) {
            for (const variant of variantsOn(name, flags.variants)) {
              for (const envKernel of flags.envKernel) {
                const row = await benchTrain(algo, flags.env, epochs, name, variant, envKernel);
                measured.push(row);
                if (!json) process.stderr.write(`  round ${r + 1}/${rounds}: ${algo} ${name} ${variant} env ${envKernel} ${row.ms_per_epoch} ms/epoch\n`);
              }
            }
          }
        }
        if (torchError !== undefined) continue;
        const torch = torchTrainRound(flags.env, algos, epochs);
        if ('error' in torch) torchError = torch.error;
        else {
          torchRows.push(...torch.reference);
          if (!json) for (const t of torch.reference) process.stderr.write(`  round ${r + 1}/${rounds}: ${t.algo} torch ${t.ms_per_epoch} ms/epoch\n`);
        }
      }
      const reference = torchError === undefined ? bestOf(torchRows, (t) => t.algo) : [];
      const results = bestOf(measured, (m) => `${m.algo} ${m.backend} ${m.variant} ${m.env_kernel}`).map((m) => {
        const torch = reference.find((t) => t.algo === m.algo);
        return torch === undefined ? m : { ...m, vs_torch: round(m.ms_per_epoch / torch.ms_per_epoch, 2) };
      });
      const report = {
        what: 'train',
        env: flags.env,
        epochs,
        rounds,
        env_kernel: flags.envKernel.join(','),
        machine: machine(),
        results,
        reference,
        ...(torchError !== undefined ? { reference_error: torchError } : {}),
      };
      if (json) return printJson(report);
      process.stdout.write(
        `pathwise bench train --env ${flags.env} --env-kernel ${report.env_kernel} (${epochs} epochs each, best of ${rounds} alternating rounds; ${report.machine.cpus} cpus, node ${report.machine.node}; vs ops: the same env kernel with variant ops, or with one variant the same variant with env kernel ops)\n`,
      );
      process.stdout.write(
        `${'algo'.padEnd(6)} ${'backend'.padEnd(8)} ${'variant'.padEnd(8)} ${'env'.padEnd(6)} ${'ms/epoch'.padStart(10)} ${'vs torch'.padStart(9)} ${'vs ops'.padStart(7)} ${'kernels'.padStart(8)}   phases (ms)\n`,
      );
      for (const r of results) {
        const sameAlgo = (o: TrainBenchResult) => o.algo === r.algo && o.backend === r.backend;
        const ops = results.find((o) => sameAlgo(o) && o.variant === 'ops' && o.env_kernel === r.env_kernel) ?? results.find((o) => sameAlgo(o) && o.variant === r.variant && o.env_kernel === 'ops');
        const phases = Object.entries(r.phases)
          .filter(([, v]) => v >= 0.5)
          .map(([k, v]) => `${k} ${v.toFixed(1)}`)
          .join(', ');
        process.stdout.write(
          `${r.algo.padEnd(6)} ${r.backend.padEnd(8)} ${r.variant.padEnd(8)} ${r.env_kernel.padEnd(6)} ${r.ms_per_epoch.toFixed(1).padStart(10)} ${(r.vs_torch === undefined ? '-' : r.vs_torch.toFixed(2)).padStart(9)} ${(ops && r !== ops ? (r.ms_per_epoch / ops.ms_per_epoch).toFixed(2) : '-').padStart(7)} ${String(r.kernels_per_epoch).padStart(8)}   ${phases}\n`,
        );
      }
      for (const t of reference) process.stdout.write(`${t.algo.padEnd(6)} ${'torch'.padEnd(8)} ${`${t.threads}t`.padEnd(8)} ${t.ms_per_epoch.toFixed(1).padStart(10)}\n`);
      if (torchError !== undefined) process.stdout.write(`reference: none (${torchError})\n`);
    });
}
