import { main } from './main.js';

main(process.argv).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`pathwise: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
