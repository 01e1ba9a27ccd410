import { Command, Option } from 'commander';
import { getBackend } from '@pathwise/core';
import { loadPlugins } from '@pathwise/runtime';
import { registerBackendsCommand } from './commands/backends.js';
import { registerBenchCommand } from './commands/bench.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerTrainCommand } from './commands/train.js';
import { registerAlgosCommand } from './commands/algos.js';
import { registerSweepCommand } from './commands/sweep.js';
import { registerWorkerCommand } from './commands/worker.js';
import { registerEnvsCommand } from './commands/envs.js';
import { registerEstimatorsCommand } from './commands/estimators.js';
import { registerViCommand } from './commands/vi.js';
import { registerPippsCommand } from './commands/pipps.js';
import { registerPlotCommand } from './commands/plot.js';
import { builtinsModule, globalOptions } from './context.js';
import { parseSeed } from './flags.js';
import { reportError } from './outcome.js';

const collect = (value: string, previous: string[]) => [...previous, value];

/** Builds the `pathwise` program; each command lives in its own file under commands/. */
export function buildProgram(): Command {
  const program = new Command('pathwise')
    .description('pathwise: gradient estimation for stochastic optimisation and policy learning')
    .version('0.1.0')
    .option('--json', 'machine-readable JSON on stdout', false)
    .addOption(new Option('--backend <name>', 'compute backend: cpu, wasm, webgl, webgpu or auto (measured)').default('auto'))
    .option('--seed <n>', 'random seed, an integer in [0, 2^32)', (text: string) => parseSeed('--seed', text), 0)
    .option('--debug', 'print the stack trace of an error', false)
    .option('--plugin <module>', 'import an ES module that registers algorithms, envs, estimators or models (a path or a package name; repeatable)', collect, [])
    .showHelpAfterError()
    // Built-in algorithm packages, then the user's plugins, are registered before any command runs.
    .hook('preAction', async (_program, command) => {
      await import(builtinsModule());
      const { plugins, backend } = globalOptions(command);
      await loadPlugins(plugins);
      // Every command checks the name, used or not: a typo is an error, never silently ignored.
      if (backend !== 'auto') getBackend(backend);
    });
  registerBackendsCommand(program);
  registerBenchCommand(program);
  registerDemoCommand(program);
  registerTrainCommand(program);
  registerAlgosCommand(program);
  registerSweepCommand(program);
  registerWorkerCommand(program);
  registerEnvsCommand(program);
  registerEstimatorsCommand(program);
  registerViCommand(program);
  registerPippsCommand(program);
  registerPlotCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  // Every command, subcommands included, throws its usage errors here (exit 2) instead of exiting 1 itself.
  const override = (command: Command): void => {
    command.exitOverride();
    command.commands.forEach(override);
  };
  override(program);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') return 0;
    if (code?.startsWith('commander.')) return 2;
    return reportError(error, Boolean(program.opts().debug) || argv.includes('--debug') || Boolean(process.env.PATHWISE_DEBUG));
  }
}
