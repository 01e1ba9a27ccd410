// How a command ends: the exit code and the one line on stderr (docs/architecture.md §5).
// 0 success, 1 an error (one line naming what and where; --debug adds the stack), 2 a usage error,
// 75 a run directory locked by another live process (EX_TEMPFAIL: retry later), and 128 + the
// signal's number after SIGINT (130) or SIGTERM (143), once every run has checkpointed.
import { PathwiseError } from '@pathwise/core';
import { EXIT_LOCKED, RunLockedError, signalExitCode, StopSignal, trapStopSignals } from '@pathwise/runtime';

// Run commands trap SIGINT/SIGTERM (runtime's trapStopSignals): the first requests the stop (the
// runs checkpoint and stop, then the command exits with 128 + the signal's number), a second exits at
// once with that code. Other commands keep Node's default, which ends the process at once even inside
// a long synchronous computation; a shell reports it as 130 or 143 all the same, and they write their
// outputs atomically at the end, so nothing is half-written.

/** A stop for a run command, which SIGINT and SIGTERM request from now on (one run command per process). */
export function commandStop(): StopSignal {
  const stop = new StopSignal();
  trapStopSignals(stop);
  stop.subscribe(() => process.stderr.write(`\n${stop.signal ?? 'stop'}: checkpointing, then stopping (send it again to exit at once)\n`));
  return stop;
}

/** Ends an interrupted command: what to do next on stderr, and the signal's exit code. */
export function reportInterrupted(stop: StopSignal, next: string): void {
  process.stderr.write(`interrupted${stop.signal ? ` by ${stop.signal}` : ''}: ${next}\n`);
  process.exitCode = signalExitCode(stop.signal ?? 'SIGINT');
}

const CAUSES: Record<string, string> = {
  ENOENT: 'no such file or directory (or the file system does not allow creating it there)',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EISDIR: 'it is a directory, not a file',
  EEXIST: 'it already exists',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'the file system is read-only',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
  EMFILE: 'too many open files',
  EBUSY: 'the resource is busy',
  EIO: 'an input/output error',
};
const VERBS: Record<string, string> = {
  open: 'open',
  mkdir: 'create the directory',
  rename: 'rename',
  write: 'write',
  read: 'read',
  unlink: 'remove',
  rmdir: 'remove',
  scandir: 'list',
  stat: 'access',
  lstat: 'access',
  link: 'create',
  opendir: 'list',
};

/** A Node file-system error as one line: what could not be done, to which path, and why. */
export function describeFsError(error: NodeJS.ErrnoException): string | undefined {
  if (typeof error.code !== 'string' || !/^E[A-Z]+$/.test(error.code) || typeof error.syscall !== 'string') return undefined;
  const verb = VERBS[error.syscall] ?? error.syscall;
  const path = error.path ? ` ${error.path}` : '';
  const dest = (error as { dest?: string }).dest ? ` to ${(error as { dest?: string }).dest}` : '';
  return `cannot ${verb}${path}${dest}: ${CAUSES[error.code] ?? error.message} (${error.code})`;
}

/** Prints `error` as one line (plus the stack with --debug) and returns the exit code. */
export function reportError(error: unknown, debug: boolean): number {
  const stack = debug && error instanceof Error && error.stack ? `\n${error.stack}` : '';
  if (error instanceof PathwiseError) {
    process.stderr.write(`pathwise: ${error.message}${stack}\n`);
    return error instanceof RunLockedError ? EXIT_LOCKED : 1;
  }
  const fs = error instanceof Error ? describeFsError(error as NodeJS.ErrnoException) : undefined;
  if (fs) {
    process.stderr.write(`pathwise: ${fs}${stack}\n`);
    return 1;
  }
  if (error instanceof Error && error.name === 'CorruptCheckpointError') {
    process.stderr.write(`pathwise: ${error.message} Start the run again with --force, or restore its checkpoint/ directory.${stack}\n`);
    return 1;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`pathwise: unexpected error: ${message.split('\n')[0]}${stack || ' (run with --debug for the stack trace)'}\n`);
  return 1;
}
