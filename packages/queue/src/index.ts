// @pathwise/queue (Node): sweeps across machines on a BullMQ queue in Redis. A sweep's runs become
// jobs (one per run directory of a shared --out); workers on any machine run each in a child
// process with `pathwise train --resume`, so an interrupted run continues from its checkpoint
// wherever it is taken next.
export { SweepQueue, checkpointEpoch, type SweepStatus, type RunState, type EnqueueResult } from './sweep-queue.js';
export { startQueueWorker, childOutcome, type QueueWorker, type QueueWorkerOptions, type ChildOutcome, type RunChildMessage } from './worker.js';
export { QUEUE_NAME, JOB_OPTIONS, runJobId, type RunJobData, type RunJobResult, type RunJobProgress } from './jobs.js';
export { buildInfo, sameBuild, describeBuild, type BuildInfo } from './build.js';
export { connectRedis, displayUrl, CONNECT_TIMEOUT_MS } from './connection.js';
