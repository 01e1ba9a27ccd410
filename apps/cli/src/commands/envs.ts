import type { Command } from 'commander';
import { getBackend, PathwiseError } from '@pathwise/core';
import { benchEnvs, listEnvs, mujocoReference, stepReport, type EnvBenchResult } from '@pathwise/envs';
import { globalOptions, printJson, Progress, setupBackend } from '../context.js';
import { machine } from '../bench/machine.js';
import { checkNumbers, countFlag, countListFlag, LIMITS, listOption, parseJsonFlag, parseKernelList, parseNameList, parseSeed } from '../flags.js';

/**
 * `pathwise envs [--json]`: the registered environments (docs/architecture.md §6 objects).
 * `pathwise envs step --env NAME --actions JSON [--steps K] [--seed N] [--backend B] [--json]`:
 * rewards, totals, analytic action gradients and done flags of a K-step rollout from a seeded reset.
 */
export function registerEnvsCommand(program: Command): void {
  const envs = program
    .command('envs')
    .description('List the registered environments; `envs step` runs a few steps and prints rewards and action gradients')
    .option('--json', 'print a JSON array of {name, obsDim, actDim, episodeLength, description}')
    .action((_options, command: Command) => {
      const { json } = globalOptions(command);
      const list = listEnvs();
      if (json) return printJson(list);
      const width = Math.max(...list.map((e) => e.name.length));
      process.stdout.write(`${'name'.padEnd(width)}  obs  act  steps  description\n`);
      for (const e of list) {
        process.stdout.write(`${e.name.padEnd(width)}  ${String(e.obsDim).padStart(3)}  ${String(e.actDim).padStart(3)}  ${String(e.episodeLength).padStart(5)}  ${e.description}\n`);
      }
    });

  envs
    .command('step')
    .description('Step an env K times from a seeded reset; print rewards, per-env totals, d total / d action and done flags')
    .requiredOption('--env <name>', 'env name (see `pathwise envs`)')
    .requiredOption('--actions <json>', 'env actions in [-1, 1]: [batch][actDim] (repeated each step) or [steps][batch][actDim]; @FILE reads them from a JSON file, - from stdin')
    .option('--steps <k>', `number of steps, 1 to ${LIMITS.envSteps.max} (default 1, or the number of per-step batches)`, countFlag('--steps', 'envSteps'))
    .option('--seed <n>', 'seed of the reset, an integer in [0, 2^32)', (text: string) => parseSeed('--seed', text))
    .option('--backend <name>', 'compute backend: cpu, wasm or auto')
    .option('--json', 'print {env, batch, steps, rewards, total, grad, done} as JSON')
    .action(async (options: { env: string; actions: string; steps?: number }, command: Command) => {
      const { json, backend, seed } = globalOptions(command);
      const actions = parseJsonFlag('--actions', options.actions, '[[0.5]] or [[[0.1, -0.2]], [[0.3, 0]]]');
      // [batch][actDim] or [steps][batch][actDim]: every leaf a finite number (the env checks the shape).
      const perStep = Array.isArray(actions) && Array.isArray(actions[0]) && Array.isArray(actions[0][0]);
      checkNumbers('--actions', actions, perStep ? 3 : 2);
      const { steps } = options;
      await setupBackend(backend);
      const report = await stepReport({ env: options.env, actions, seed, ...(steps !== undefined ? { steps } : {}) });
      if (json) return printJson(report);
      const fmt = (v: number) => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toFixed(4));
      process.stdout.write(`${report.env}: ${report.batch} env(s), ${report.steps} step(s), seed ${seed}\n`);
      report.rewards.forEach((row, k) => {
        const cells = row.map((r, b) => `${fmt(r)}${report.done[k]![b] ? '*' : ''} d/da=[${report.grad[k]![b]!.map(fmt).join(', ')}]`);
        process.stdout.write(`step ${String(k + 1).padStart(3)}: ${cells.join(' | ')}\n`);
      });
      process.stdout.write(`total:    ${report.total.map(fmt).join(' | ')}   (* = done; the env is then reset)\n`);
    });
}

/** `pathwise bench envs [--json]`: env-steps per second with and without backprop, on cpu and wasm. */
export function benchEnvsCommand(bench: Command): void {
  bench
    .command('envs')
    .description('Env steps per second, without and with a backward pass through the rollout, per env and batch (cpu and wasm)')
    .option('--envs <names>', 'comma-separated env names (default: all)', (text: string) => parseNameList('--envs', text))
    .addOption(listOption('--batches <list>', `comma-separated batch sizes, each 1 to ${LIMITS.batch.max}`, countListFlag('--batches', 'batch'), [64, 256, 1024]))
    .option('--steps <k>', `steps per timed rollout, 1 to ${LIMITS.envSteps.max}`, countFlag('--steps', 'envSteps'), 20)
    .option(
      '--kernels <list>',
      "comma-separated env step kernels, timed side by side in alternating rounds: auto (the env's default), fused, ops; one row per kernel that runs",
      (text: string) => parseKernelList('--kernels', text),
      ['auto'] as ('auto' | 'fused' | 'ops')[],
    )
    .option('--rounds <n>', 'timed rounds, alternating the kernels; each figure is the best of them', countFlag('--rounds', 'repeats'), 2)
    .option('--no-mujoco', 'skip the MuJoCo-wasm reference for hopper and ant')
    .option('--json', 'print {what, machine, results: [{backend, env, batch, kernel, steps_per_s, steps_per_s_backprop}], reference: [{impl, env, steps_per_s}], reference_error?}')
    .action(async (options: { envs?: string[]; batches: number[]; steps: number; kernels: ('auto' | 'fused' | 'ops')[]; rounds: number; mujoco: boolean }, command: Command) => {
      const { json, backend } = globalOptions(command);
      const { batches, steps } = options;
      const names = options.envs ?? listEnvs().map((e) => e.name);
      const backends = (backend === 'auto' ? ['cpu', 'wasm'] : [backend]).filter((name) => {
        try {
          return getBackend(name).availability().available;
        } catch {
          return backend !== 'auto' ? true : false; // a named backend that is not registered fails loudly in setupBackend
        }
      });
      if (backends.length === 0) throw new PathwiseError('No backend is available to benchmark.');
      const progress = new Progress(backends.length * names.length * batches.length * options.kernels.length, 'bench envs', json);
      const results: ({ backend: string } & Omit<EnvBenchResult, 'steps'>)[] = [];
      let done = 0;
      for (const name of backends) {
        const active = await setupBackend(name);
        const rows = await benchEnvs({
          envs: names,
          batches,
          steps,
          kernels: options.kernels,
          rounds: options.rounds,
          onResult: (r) => progress.tick(++done, `${active} ${r.env} ${r.batch} ${r.kernel}`),
        });
        for (const r of rows) results.push({ backend: active, env: r.env, batch: r.batch, kernel: r.kernel, steps_per_s: r.steps_per_s, steps_per_s_backprop: r.steps_per_s_backprop });
      }
      progress.done();
      // The CPU reference for the rigid-body envs: MuJoCo-wasm stepping the same robot, one env, forward only.
      const mujoco = options.mujoco ? await mujocoReference(names) : { reference: [], reference_error: 'skipped (--no-mujoco)' };
      const report = { what: 'envs', machine: machine(), results, ...mujoco };
      if (json) return printJson(report);
      process.stdout.write(`pathwise bench envs (${report.machine.cpus} cpus, node ${report.machine.node}; ${steps}-step rollouts; env steps per second)\n`);
      process.stdout.write(
        `${'backend'.padEnd(8)} ${'env'.padEnd(18)} ${'batch'.padStart(6)} ${'kernel'.padEnd(6)} ${'steps/s'.padStart(12)} ${'with backprop'.padStart(14)} ${'ratio'.padStart(6)} ${'fused/ops'.padStart(13)}\n`,
      );
      for (const r of results) {
        // Beside a fused row: its speed-up over the ops row of the same run, without / with backprop.
        const ops = r.kernel === 'fused' ? results.find((o) => o.backend === r.backend && o.env === r.env && o.batch === r.batch && o.kernel === 'ops') : undefined;
        const speedup = ops === undefined ? '' : `${(r.steps_per_s / ops.steps_per_s).toFixed(1)} / ${(r.steps_per_s_backprop / ops.steps_per_s_backprop).toFixed(1)}`;
        process.stdout.write(
          `${r.backend.padEnd(8)} ${r.env.padEnd(18)} ${String(r.batch).padStart(6)} ${r.kernel.padEnd(6)} ${String(r.steps_per_s).padStart(12)} ${String(r.steps_per_s_backprop).padStart(14)} ${(r.steps_per_s / r.steps_per_s_backprop).toFixed(2).padStart(6)} ${speedup.padStart(13)}\n`,
        );
      }
      for (const r of mujoco.reference)
        process.stdout.write(`${'mujoco'.padEnd(8)} ${r.env.padEnd(18)} ${'1'.padStart(6)} ${String(r.steps_per_s).padStart(12)} ${'-'.padStart(14)}   (MuJoCo-wasm mj_step, forward only, one env)\n`);
      if (mujoco.reference_error !== undefined && names.some((n) => n === 'hopper' || n === 'ant')) process.stdout.write(`reference: none (${mujoco.reference_error})\n`);
    });
}
