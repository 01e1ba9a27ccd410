// Golden outputs: the recorded files are intact (SHA256SUMS), and a fast subset of the cases,
// re-run through the built CLI of this tree, matches them within tests/golden/tolerances.json.
// The full set runs with `node scripts/golden.mjs check --full`.
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareCase, dataDir, defaultCli, fastCases, formatResult, loadTolerances, parseCsv, runCase, verifySums, type GoldenCase } from '../../../scripts/golden-lib.mjs';

const tolerances = loadTolerances();
const fresh = new Map<string, Record<string, string>>();

describe('golden outputs', () => {
  it('SHA256SUMS matches every golden file and tolerances.json', () => {
    expect(verifySums()).toEqual([]);
  });

  it('the built CLI exists (build first: pnpm turbo run build)', () => {
    expect(existsSync(defaultCli), defaultCli).toBe(true);
  });

  for (const kase of fastCases()) {
    it(`${kase.name}${kase.rows !== undefined ? ` (${kase.rows} epochs)` : ''} matches the golden`, () => {
      const files = runCase(defaultCli, kase);
      fresh.set(kase.name, files);
      const result = compareCase(kase, files, tolerances, { prefixRows: kase.rows });
      console.log(formatResult(result));
      expect(result.ok, formatResult(result)).toBe(true);
    });
  }
});

// The comparison must be able to fail: a copy of one golden with one value nudged is caught.
describe('the golden comparison catches a change', () => {
  const copy = mkdtempSync(join(tmpdir(), 'golden-perturbed-'));
  afterAll(() => rmSync(copy, { recursive: true, force: true }));
  const kase = fastCases().find((c) => c.name === 'train-lr-dejong64-cpu') as GoldenCase;

  /** Copies the golden and multiplies one cell (data row `row`, column `column`) by 1 + 1e-4. */
  function perturbed(row: number, column: string): string {
    cpSync(join(dataDir, `${kase.name}.csv`), join(copy, `${kase.name}.csv`));
    const { header, rows } = parseCsv(readFileSync(join(copy, `${kase.name}.csv`), 'utf8'));
    const c = header.indexOf(column);
    const target = rows[row]!;
    target[c] = String(Number(target[c]) * (1 + 1e-4));
    writeFileSync(join(copy, `${kase.name}.csv`), [header, ...rows].map((r) => r.join(',')).join('\n') + '\n');
    return copy;
  }

  it('a value in the first 3 epochs, changed by 1e-4 relative, fails', () => {
    const files = fresh.get(kase.name) ?? runCase(defaultCli, kase);
    const result = compareCase(kase, files, tolerances, { dir: perturbed(1, 'reward'), prefixRows: kase.rows });
    expect(result.ok).toBe(false);
    expect(result.problems.join('\n')).toMatch(/row 2 reward/);
  });

  it('the same change in a later epoch of the full run is reported, not failed', () => {
    const { rows } = parseCsv(readFileSync(join(dataDir, `${kase.name}.csv`), 'utf8'));
    const files = { '.csv': readFileSync(join(dataDir, `${kase.name}.csv`), 'utf8') };
    const result = compareCase(kase, files, tolerances, { dir: perturbed(rows.length - 1, 'reward') });
    expect(result.ok).toBe(true);
    expect(result.exact).toBe(false);
    expect(result.info.maxRel).toBeGreaterThan(5e-5);
  });
});
