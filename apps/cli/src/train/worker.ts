// Worker-thread entry: one training run per worker (multi-seed runs and sweeps).
import { parentPort, workerData } from 'node:worker_threads';
import { runTraining, type RunOptions } from './run.js';

let stop = false;
parentPort!.on('message', (message) => {
  if (message === 'stop') stop = true;
});

const options = workerData as Omit<RunOptions, 'onEpoch' | 'shouldStop'>;
runTraining({
  ...options,
  onEpoch: (epoch, total, reward) => parentPort!.postMessage({ type: 'epoch', epoch, total, reward }),
  shouldStop: () => stop,
})
  .then(
    (result) => parentPort!.postMessage({ type: 'done', result }),
    (error: unknown) => parentPort!.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) }),
  )
  // The 'message' listener would keep the worker alive forever: close the port once reported.
  .finally(() => parentPort!.close());
