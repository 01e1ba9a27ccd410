import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCheckpoint } from './checkpoint.js';
import { metricsColumns } from './columns.js';
import { parseCsv } from './csv.js';
import { parseJsonl } from './jsonl.js';
import { MetricsWriter, readMetrics } from './metrics-writer.js';
import { seededRandom } from './test-support/prng.js';

// Real crash test: a child process runs a write loop over the *compiled* module and is
// SIGKILLed at random moments; after every kill the run directory must be consistent.
// The module is compiled from the current source with tsup into a temp dir (rather than
// trusting packages/report/dist, which may be stale or being rebuilt concurrently).

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const childScript = join(packageDir, 'src', 'test-support', 'kill-child.mjs');
const columns = metricsColumns(['note']);
const byteOf = (epoch: number): number => (epoch * 31) % 251; // as in kill-child.mjs
let workDir = '';
let builtModule = '';

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'pathwise-report-kill-'));
  const tsupPackage = createRequire(import.meta.url).resolve('tsup/package.json');
  const tsupBin = join(dirname(tsupPackage), (JSON.parse(readFileSync(tsupPackage, 'utf8')) as { bin: Record<string, string> }).bin.tsup as string);
  const outDir = join(workDir, 'build');
  execFileSync(process.execPath, [tsupBin, 'src/node.ts', '--no-config', '--format', 'esm', '--target', 'es2022', '--out-dir', outDir], {
    cwd: packageDir,
    stdio: 'pipe',
  });
  builtModule = join(outDir, 'node.js');
});

afterAll(() => {
  if (workDir !== '') rmSync(workDir, { recursive: true, force: true });
});

/** Starts the child and resolves with the epoch it resumed from once its loop is running. */
function startChild(runDir: string): Promise<{ child: ChildProcess; resumedAt: number }> {
  const child = spawn(process.execPath, [childScript, builtModule, runDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /resumed (\d+)\n/.exec(stdout);
      if (match) resolve({ child, resumedAt: Number(match[1]) });
    });
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code, signal) => reject(new Error(`child exited early (${code ?? signal}): ${stderr}`)));
  });
}

function killAndWait(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

function epochOfParams(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0);
}

/** Throws unless `bytes` is exactly the params file the child writes for `epoch`. */
function expectParamsOf(bytes: Uint8Array, epoch: number, what: string, size = 40_000 + (epoch % 7) * 5_000): void {
  expect(bytes.byteLength, `${what} length`).toBe(size);
  expect(epochOfParams(bytes), `${what} epoch header`).toBe(epoch);
  expect(
    bytes.subarray(4).every((byte) => byte === byteOf(epoch)),
    `${what} body`,
  ).toBe(true);
}

/** The complete-row epochs of a metrics file, read without modifying it. */
function completeEpochs(runDir: string): { csv: number[]; jsonl: number[] } {
  const jsonlText = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8');
  const jsonlComplete = jsonlText.slice(0, jsonlText.lastIndexOf('\n') + 1);
  return {
    csv: readMetrics(runDir).map((row) => row.epoch as number),
    jsonl: parseJsonl(jsonlComplete).map((row) => row.epoch as number),
  };
}

describe('a SIGKILL at a random moment', () => {
  it('always leaves a complete checkpoint, a whole atomic file and metrics that resume exactly', async () => {
    const runDir = join(workDir, 'run');
    const random = seededRandom(2024);
    let previousEpoch = 0;
    let previousBlobEpoch = 0;
    const kills = 12;
    for (let kill = 0; kill < kills; kill += 1) {
      const { child, resumedAt } = await startChild(runDir);
      expect(resumedAt).toBe(previousEpoch);
      await new Promise((resolve) => setTimeout(resolve, 20 + random() * 250));
      await killAndWait(child);

      const files = readCheckpoint(runDir);
      if (files === undefined) {
        expect(previousEpoch).toBe(0); // killed before the first checkpoint
        continue;
      }
      const epoch = (JSON.parse(files['state.json'] as string) as { epoch: number }).epoch;
      expect(epoch).toBeGreaterThanOrEqual(previousEpoch);
      expect(Object.keys(files).sort()).toEqual(['notes.txt', 'params.bin', 'state.json']);
      expectParamsOf(files['params.bin'] as Uint8Array, epoch, 'checkpoint params.bin');
      expect(files['notes.txt']).toBe(`epoch ${epoch}\n`.repeat(1 + (epoch % 50)));

      // blob.bin is written after each checkpoint. When this segment checkpointed two epochs or more,
      // the blob of the one before the last was written in it: the blob holds this epoch or the one
      // before. Otherwise it may still be older (the previous segment can die between its last
      // checkpoint and that epoch's blob), but never older than the last blob seen.
      if (existsSync(join(runDir, 'blob.bin'))) {
        const blob = new Uint8Array(readFileSync(join(runDir, 'blob.bin')));
        expect(blob.byteLength, 'blob.bin length').toBe(4_000_000);
        const blobEpoch = epochOfParams(blob);
        if (epoch >= previousEpoch + 2) expect([epoch - 1, epoch]).toContain(blobEpoch);
        else {
          expect(blobEpoch).toBeGreaterThanOrEqual(previousBlobEpoch);
          expect(blobEpoch).toBeLessThanOrEqual(epoch);
        }
        expectParamsOf(blob, blobEpoch, 'blob.bin', 4_000_000);
        previousBlobEpoch = blobEpoch;
      } else {
        expect(epoch).toBeLessThanOrEqual(1);
      }

      // Metrics: every checkpointed epoch has its row; at most one row from the epoch being written.
      const { csv, jsonl } = completeEpochs(runDir);
      for (const epochs of [csv, jsonl]) {
        expect(epochs.slice(0, epoch)).toEqual(Array.from({ length: epoch }, (_, index) => index + 1));
        expect(epochs.length - epoch).toBeLessThanOrEqual(1);
      }
      previousEpoch = epoch;
    }
    expect(previousEpoch).toBeGreaterThanOrEqual(3); // the loop made progress, so kills landed mid-loop

    // Resuming at the checkpoint leaves exactly one row per epoch 1..epoch, in both files.
    MetricsWriter.resume(runDir, columns, previousEpoch).close();
    const expected = Array.from({ length: previousEpoch }, (_, index) => index + 1);
    const rows = parseCsv(readFileSync(join(runDir, 'metrics.csv'), 'utf8'));
    expect(rows.map((row) => row.epoch)).toEqual(expected);
    expect(rows.every((row) => row.note === `epoch "${row.epoch}", ok` && Number.isNaN(row.actor_loss))).toBe(true);
    expect(parseJsonl(readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')).map((row) => row.epoch)).toEqual(expected);
  }, 30_000);
});
