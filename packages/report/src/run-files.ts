import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from './atomic-write.js';
import { decodeNonFinite } from './jsonl.js';
import type { Summary } from './summary.js';

export const SUMMARY_JSON = 'summary.json';
export const CONFIG_JSON = 'config.json';

/** Writes `runDir/summary.json` atomically: the last file of a run, whose presence marks it finished. */
export function writeSummary(runDir: string, summary: Summary): void {
  writeJsonAtomic(join(runDir, SUMMARY_JSON), summary);
}

/** The run's summary, or `undefined` if it has not finished. */
export function readSummary(runDir: string): Summary | undefined {
  const path = join(runDir, SUMMARY_JSON);
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8'), decodeNonFinite) as Summary;
}

/** A run whose summary.json exists is finished (docs/architecture.md §6); sweeps skip it. */
export function isRunFinished(runDir: string): boolean {
  return existsSync(join(runDir, SUMMARY_JSON));
}

/** Writes an SVG plot atomically, so a viewer never sees half a file. */
export function writePlot(path: string, svg: string): void {
  writeFileAtomic(path, svg);
}
