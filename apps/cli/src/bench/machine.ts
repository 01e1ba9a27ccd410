import os from 'node:os';

/** The machine a benchmark ran on, as every `pathwise bench` report prints it. */
export function machine(): { cpus: number; node: string } {
  return { cpus: os.cpus().length, node: process.version };
}
