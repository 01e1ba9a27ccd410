// Worker-thread entry of the pool: imports the preload modules (backends, built-in algorithm
// packages), then runs one run directory; its config.json names the plugins runInDir re-imports.
import { parentPort, workerData } from 'node:worker_threads';
import { runInDir } from './run.js';
import type { WorkerData, WorkerMessage } from './pool.js';

const port = parentPort!;
const data = workerData as WorkerData;
let stop = false;
port.on('message', (message) => {
  if (message === 'stop') stop = true;
});
const post = (message: WorkerMessage) => port.postMessage(message);

(async () => {
  for (const module of data.preload) await import(module);
  return runInDir(data.dir, {
    onEpoch: (report) => post({ type: 'epoch', report }),
    shouldStop: () => stop,
  });
})()
  .then(
    (result) => post({ type: 'done', result }),
    (error: unknown) => post({ type: 'error', message: error instanceof Error ? error.message : String(error) }),
  )
  // The 'message' listener would keep the worker alive forever: close the port once reported.
  .finally(() => port.close());
