// Release policy: a minor bump of @pathwise/core must not push the plugins (peer dependents) to a
// new major version. Runs `changeset version` on a copy of the workspace manifests.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..', '..');
const version = (dir: string, pkg: string) => JSON.parse(readFileSync(join(dir, pkg, 'package.json'), 'utf8')).version as string;

describe('changesets configuration', () => {
  it('a minor bump of core leaves the plugins at their version', () => {
    const copy = mkdtempSync(join(tmpdir(), 'pathwise-changesets-'));
    cpSync(join(root, 'package.json'), join(copy, 'package.json'));
    cpSync(join(root, 'pnpm-workspace.yaml'), join(copy, 'pnpm-workspace.yaml'));
    mkdirSync(join(copy, '.changeset'));
    cpSync(join(root, '.changeset', 'config.json'), join(copy, '.changeset', 'config.json'));
    const manifests = ['packages', 'apps', 'tests'].flatMap((group) =>
      readdirSync(join(root, group))
        .map((name) => join(group, name))
        .filter((dir) => existsSync(join(root, dir, 'package.json'))),
    );
    for (const dir of manifests) {
      mkdirSync(join(copy, dir), { recursive: true });
      cpSync(join(root, dir, 'package.json'), join(copy, dir, 'package.json'));
    }
    writeFileSync(join(copy, '.changeset', 'core-minor.md'), '---\n"@pathwise/core": minor\n---\n\nA minor change to core.\n');
    const before = Object.fromEntries(manifests.map((dir) => [dir, version(root, dir)]));
    execFileSync(join(root, 'node_modules', '.bin', 'changeset'), ['version'], { cwd: copy, stdio: 'pipe' });

    expect(version(copy, 'packages/core')).toBe(`${bumpMinor(before['packages/core']!)}.0`);
    const plugins = manifests.filter((dir) => /packages\/(backend-|envs|estimators|report|vi-analysis)/.test(dir));
    expect(plugins.length).toBeGreaterThanOrEqual(5);
    for (const dir of plugins) {
      const [majorBefore] = before[dir]!.split('.');
      const [majorAfter] = version(copy, dir).split('.');
      expect(majorAfter, `${dir} went from ${before[dir]} to ${version(copy, dir)}`).toBe(majorBefore);
    }
  });
});

function bumpMinor(v: string): string {
  const [major, minor] = v.split('.').map(Number);
  return `${major}.${minor! + 1}`;
}
