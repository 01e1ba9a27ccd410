import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { algorithms } from '@pathwise/core';
import { readConfigFile } from './config-file.js';
import { loadPlugins, PluginError, resolvePlugin } from './plugins.js';
import { tempDir, toyPluginSource } from './test-support/toy.js';

describe('resolvePlugin', () => {
  it('resolves a relative file against the cwd and records its absolute path', () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'p.mjs'), '');
    expect(resolvePlugin('./p.mjs', cwd)).toEqual({ spec: './p.mjs', record: join(cwd, 'p.mjs'), file: join(cwd, 'p.mjs') });
  });

  it('resolves a directory through its package.json exports (import condition), and a package name from node_modules', () => {
    const cwd = tempDir();
    const pkg = join(cwd, 'node_modules', '@acme', 'plug');
    mkdirSync(join(pkg, 'dist'), { recursive: true });
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: '@acme/plug', exports: { '.': { require: './dist/x.cjs', import: './dist/x.mjs' }, './extra': './dist/e.mjs' } }));
    writeFileSync(join(pkg, 'dist', 'x.mjs'), '');
    writeFileSync(join(pkg, 'dist', 'e.mjs'), '');
    expect(resolvePlugin(pkg, '/')).toMatchObject({ record: pkg, file: join(pkg, 'dist', 'x.mjs') });
    const nested = join(cwd, 'a', 'b');
    mkdirSync(nested, { recursive: true });
    expect(resolvePlugin('@acme/plug', nested)).toEqual({ spec: '@acme/plug', record: '@acme/plug', file: join(pkg, 'dist', 'x.mjs') });
    expect(resolvePlugin('@acme/plug/extra', nested).file).toBe(join(pkg, 'dist', 'e.mjs'));
  });

  it('an unknown plugin names the module and what was tried', () => {
    const cwd = tempDir();
    expect(() => resolvePlugin('no-such-plugin', cwd)).toThrow(PluginError);
    expect(() => resolvePlugin('no-such-plugin', cwd)).toThrow(
      new RegExp(`Cannot load plugin 'no-such-plugin': no package 'no-such-plugin' in node_modules from ${cwd} upwards.*\\(tried: ${join(cwd, 'node_modules', 'no-such-plugin')};`),
    );
    expect(() => resolvePlugin('./missing.mjs', cwd)).toThrow(`Cannot load plugin './missing.mjs': ${join(cwd, 'missing.mjs')} does not exist.`);
    mkdirSync(join(cwd, 'unbuilt'));
    writeFileSync(join(cwd, 'unbuilt', 'package.json'), JSON.stringify({ exports: './dist/index.js' }));
    expect(() => resolvePlugin('./unbuilt', cwd)).toThrow(/points at .*unbuilt\/dist\/index\.js, which does not exist \(is the plugin built\?\)/);
  });
});

describe('loadPlugins', () => {
  it('imports each plugin once, registering what it defines, and returns the records', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'walk.mjs'), toyPluginSource('toy-loaded'));
    expect(algorithms.has('toy-loaded')).toBe(false);
    expect(await loadPlugins(['./walk.mjs', join(cwd, 'walk.mjs')], cwd)).toEqual([join(cwd, 'walk.mjs')]);
    expect(algorithms.has('toy-loaded')).toBe(true);
  });

  it('a plugin that throws while loading is a PluginError naming it and the cause', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'broken.mjs'), "throw new Error('no licence key');\n");
    await expect(loadPlugins(['./broken.mjs'], cwd)).rejects.toThrow(`Cannot load plugin './broken.mjs': importing ${join(cwd, 'broken.mjs')} failed: no licence key.`);
  });
});

describe('readConfigFile', () => {
  it('separates plugins: from the overrides (YAML and JSON) and checks it is a list of names', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'c.yaml'), 'plugins:\n  - ./a.mjs\n  - some-package\nstep: 2\n');
    expect(await readConfigFile(join(dir, 'c.yaml'))).toEqual({ overrides: { step: 2 }, plugins: ['./a.mjs', 'some-package'] });
    writeFileSync(join(dir, 'c.json'), JSON.stringify({ step: 1 }));
    expect(await readConfigFile(join(dir, 'c.json'))).toEqual({ overrides: { step: 1 }, plugins: [] });
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ plugins: [3] }));
    await expect(readConfigFile(join(dir, 'bad.json'))).rejects.toThrow(/Invalid config 'plugins \(in .*bad\.json\)': got \[3\], expected a list of module paths or package names/);
    await expect(readConfigFile(join(dir, 'none.json'))).rejects.toThrow(/Invalid config '--config'.*expected an existing/);
  });
});
