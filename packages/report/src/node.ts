// Node entry: everything from the browser-safe entry, plus the file-system parts.
export * from './index.js';
export { writeFileAtomic, writeJsonAtomic, ensureDirectory } from './atomic-write.js';
export { MetricsWriter, readMetrics, METRICS_CSV, METRICS_JSONL } from './metrics-writer.js';
export {
  writeCheckpoint,
  readCheckpoint,
  isProcessAlive,
  CorruptCheckpointError,
  CHECKPOINT_DIR,
  CHECKPOINT_OLD_DIR,
  CHECKPOINT_MANIFEST,
  type CheckpointFiles,
  type CheckpointManifest,
} from './checkpoint.js';
export { writeSummary, readSummary, isRunFinished, writePlot, SUMMARY_JSON, CONFIG_JSON } from './run-files.js';
