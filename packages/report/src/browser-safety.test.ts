import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const sourceDir = dirname(fileURLToPath(import.meta.url));
const nodeBuiltins = new Set(builtinModules);

/** Every module specifier imported by `file` and, recursively, by the relative modules it imports. */
function importGraph(file: string, seen = new Map<string, string[]>()): Map<string, string[]> {
  if (seen.has(file)) return seen;
  const source = readFileSync(file, 'utf8');
  const specifiers = [...source.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((match) => (match[1] ?? match[2]) as string);
  seen.set(file, specifiers);
  for (const specifier of specifiers) {
    if (specifier.startsWith('.')) importGraph(join(dirname(file), specifier.replace(/\.js$/, '.ts')), seen);
  }
  return seen;
}

describe('entry points', () => {
  it('the main entry imports no Node built-in anywhere in its module graph', () => {
    const graph = importGraph(join(sourceDir, 'index.ts'));
    expect(graph.size).toBeGreaterThan(5);
    for (const [file, specifiers] of graph) {
      const offending = specifiers.filter((specifier) => specifier.startsWith('node:') || nodeBuiltins.has(specifier));
      expect(offending, file).toEqual([]);
    }
  });

  it('the node entry does use the file system (so the check above can tell them apart)', () => {
    const graph = importGraph(join(sourceDir, 'node.ts'));
    expect([...graph.values()].flat()).toContain('node:fs');
  });
});
