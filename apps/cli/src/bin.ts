import { main } from './main.js';
import { installSignalHandlers } from './outcome.js';

installSignalHandlers();
// main reports every error itself; a command may set process.exitCode (130/143 after an interrupt) and still return normally.
main(process.argv).then((code) => process.exit(code || Number(process.exitCode ?? 0)));
