import { main } from './main.js';

// Started with an IPC channel (a `pathwise worker` runs each run this way): when that worker dies the
// channel closes, and the run checkpoints and stops (SIGTERM) instead of writing on as an orphan.
if (process.send) process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));

main(process.argv).then(
  // A command may set process.exitCode (130 after an interrupt) and still return normally.
  (code) => process.exit(code || Number(process.exitCode ?? 0)),
  (error) => {
    process.stderr.write(`pathwise: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
