// `pathwise worker --queue redis://…`: serves the sweep queue on this machine. Each run goes to a
// child process, `pathwise train --resume DIR` (the same code path as a user's resume), started with
// an IPC channel: it reports its epochs, and it checkpoints and stops when this worker dies.
import type { Command } from 'commander';
import { globalOptions } from '../context.js';
import { countFlag, LIMITS, parseCount, parseRedisUrl } from '../flags.js';
import { cliEntry, pathwiseBuild } from './sweep-queue.js';

interface WorkerFlags {
  queue: string;
  concurrency: number;
  stallTimeout: number;
}

/** Bound of --stall-timeout: an hour (a longer one leaves a dead worker's run idle that long). */
const STALL_TIMEOUT_MAX = 3600;

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('Take runs of sweeps enqueued with `pathwise sweep --queue` and train each in a child process; SIGTERM checkpoints them, puts them back and exits 0')
    .requiredOption('--queue <url>', 'the Redis of the queue, redis://HOST:PORT[/DB]', (text: string) => parseRedisUrl('--queue', text))
    .option('--concurrency <n>', `runs at a time, 1 to ${LIMITS.workers.max}`, countFlag('--concurrency', 'workers'), 1)
    .option(
      '--stall-timeout <s>',
      `seconds, 1 to ${STALL_TIMEOUT_MAX}, after which the run of a worker that stopped answering (killed, cut off) goes to another worker`,
      (text: string) => parseCount('--stall-timeout', text, STALL_TIMEOUT_MAX, { why: 'a dead worker would hold its run that long' }),
      30,
    )
    .action(async (flags: WorkerFlags, command: Command) => {
      const { backend } = globalOptions(command);
      const { startQueueWorker } = await import('@pathwise/queue');
      const bin = cliEntry();
      const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
      const worker = await startQueueWorker({
        url: flags.queue,
        concurrency: flags.concurrency,
        stallTimeoutS: flags.stallTimeout,
        build: await pathwiseBuild(),
        log,
        // The backend comes from the run record (the sweep's config); --backend only fills in for a job without one.
        runCommand: (dir, jobBackend) => ({ command: process.execPath, args: [bin, '--backend', jobBackend || backend, 'train', '--resume', dir, '--json'] }),
      });
      let signals = 0;
      const onSignal = (signal: NodeJS.Signals) => {
        if (++signals > 1) {
          log(`second ${signal}: exiting without waiting for the checkpoints (the last complete ones stay usable)`);
          process.exit(130);
        }
        log(`${signal}: finishing`);
        void worker.stop();
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
      await worker.closed;
      await worker.stop();
      // The loop ends only through stop(); anything else is a failure.
      if (signals === 0) process.exitCode = 1;
    });
}
