import { main } from './main.js';

main(process.argv).then(
  // A command may set process.exitCode (130 after an interrupt) and still return normally.
  (code) => process.exit(code || Number(process.exitCode ?? 0)),
  (error) => {
    process.stderr.write(`pathwise: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
