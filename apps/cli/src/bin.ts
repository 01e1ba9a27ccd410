import { main } from './main.js';

// main reports every error itself; a command may set process.exitCode (130/143 after an interrupt)
// and still return normally. Exit once stdout has drained: a large --json output to a pipe is
// written asynchronously, and process.exit would cut it short.
main(process.argv).then((code) => process.stdout.write('', () => process.exit(code || Number(process.exitCode ?? 0))));
