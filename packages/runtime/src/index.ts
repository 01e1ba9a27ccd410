// @pathwise/runtime (Node): the one run orchestrator. It owns run directories (config.json,
// metrics.csv/.jsonl, checkpoint/, summary.json, reward.svg), resume, seeds in worker threads,
// sweeps, signals and progress for any registered algorithm, and loads third-party plugins.
export { PluginError, resolvePlugin, importPlugin, loadPlugins, type ResolvedPlugin } from './plugins.js';
export { readConfigFile, type ConfigFile } from './config-file.js';
export { resolveRun, defaultProblemOf, activateBackend, writeRunRecord, readRunRecord, hasRunRecord, clearRunDirectory, foreignEntries, type RunRecord, type RunRequest } from './run-record.js';
export { codeVersion, type CodeVersion } from './code-version.js';
export { runInDir, runColumns, STATE_FILE, PROGRESS_FILE, type EpochReport, type RunHooks, type RunResult } from './run.js';
export { runPool, StopSignal, defaultConcurrency, type PoolOptions, type WorkerData, type WorkerMessage } from './pool.js';
export { train, resume, trapStopSignals, signalExitCode, runDirsIn, checkSeeds, plannedEpochs, type TrainOptions, type TrainResult, type TrainProgress, type ExecutionOptions } from './train.js';
export { runStatus, type RunStatus } from './status.js';
export { sweep, readGrid, writeSweepTables, sweepRunDir, finishedRuns, hasGrid, GRID_JSON, SWEEP_TABLE_COLUMNS, type SweepGrid, type SweepOptions, type SweepResult } from './sweep.js';
export { prepareSweep, type PreparedSweep } from './sweep.js';
export { combineSummaries, meanCurve, rewardPlotSvg, seedDir } from './summaries.js';
export { acquireRunLock, withRunLock, readLock, staleReason, RunLock, RunLockedError, LockLostError, EXIT_LOCKED, LOCK_FILE, LOCK_STALE_MS, LOCK_HEARTBEAT_MS, type LockInfo } from './lock.js';
