import { main } from './main.js';

// Started with an IPC channel (a `pathwise worker` runs each run this way): when that worker dies the
// channel closes, and the run checkpoints and stops (SIGTERM) instead of writing on as an orphan.
if (process.send) process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
// Its stdout and stderr were pipes to that worker: a write to them now fails with EPIPE, which must
// not end the process before its checkpoint (a reader that went away is not an error of the run).
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

// main reports every error itself; a command may set process.exitCode (130/143 after an interrupt)
// and still return normally. Exit once stdout has drained: a large --json output to a pipe is
// written asynchronously, and process.exit would cut it short.
main(process.argv).then((code) => process.stdout.write('', () => process.exit(code || Number(process.exitCode ?? 0))));
