// Types for scripts/golden-lib.mjs, for tests/golden/src/golden.test.ts.
export interface GoldenOutput {
  from: string;
  suffix: string;
  type: 'csv' | 'json';
}
export interface GoldenCase {
  name: string;
  kind: string;
  args(out: string): string[];
  outputs: GoldenOutput[];
  rows?: number;
}
export interface Tolerance {
  rel: number;
  abs: number;
  strict_rows?: number;
}
export interface Tolerances {
  kinds: Record<string, Tolerance>;
}
export interface CellTally {
  cells: number;
  inexact: number;
  maxRel: number;
  worst: string | null;
}
export interface CaseResult {
  name: string;
  kind: string;
  ok: boolean;
  exact: boolean;
  strict: CellTally & { failed: number };
  info: CellTally;
  problems: string[];
  notes: string[];
}
export const repoRoot: string;
export const goldenDir: string;
export const dataDir: string;
export const defaultCli: string;
export const ALGOS: string[];
export const BACKENDS: string[];
export const SEED: number;
export const TRAIN_EPOCHS: Record<string, number>;
export const DROP_CSV_COLUMNS: string[];
export const DROP_JSON_KEY: RegExp;
export function fullCases(): GoldenCase[];
export function fastCases(): GoldenCase[];
export function runCase(cli: string, kase: GoldenCase, options?: { quiet?: boolean }): Record<string, string>;
export function parseCsv(text: string): { header: string[]; rows: string[][] };
export function normaliseCsv(text: string): string;
export function normaliseJson(text: string): string;
export function loadTolerances(dir?: string): Tolerances;
export function relDiff(a: number, b: number): number;
export function compareCase(kase: GoldenCase, actualFiles: Record<string, string>, tolerances: Tolerances, options?: { dir?: string; prefixRows?: number }): CaseResult;
export function formatResult(result: CaseResult): string;
export function sha256(path: string): string;
export function summedFiles(cases?: GoldenCase[]): string[];
export function writeSums(dir?: string, cases?: GoldenCase[]): void;
export function verifySums(dir?: string, cases?: GoldenCase[]): string[];
export function ensureDir(path: string): void;
