// End-to-end: runs the built `pathwise` binary (npm test builds first).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const bin = join(__dirname, '..', 'dist', 'bin.js');

function pathwise(...args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('pathwise CLI', () => {
  it('--help lists the commands and global flags', () => {
    const { code, stdout } = pathwise('--help');
    expect(code).toBe(0);
    for (const word of ['backends', 'bench', 'demo', '--json', '--backend', '--seed']) expect(stdout).toContain(word);
  });

  it('usage errors exit 2 at every depth (an unknown option, a missing required option, an unknown command); help exits 0', () => {
    for (const args of [['--bogus'], ['train', '--bogus'], ['vi', 'compare', '--bogus'], ['bench', 'envs', '--bogus'], ['plot', 'somewhere'], ['nosuchcommand']]) {
      const { code, stderr } = pathwise(...args);
      expect(code, `${args.join(' ')}: ${stderr}`).toBe(2);
      expect(stderr).toMatch(/^error: /);
    }
    for (const args of [['--help'], ['train', '--help'], ['vi', 'compare', '--help'], ['plot', '--help']]) expect(pathwise(...args).code, args.join(' ')).toBe(0);
  });

  it('backends --json prints the docs/architecture.md §6 objects: cpu, wasm (SIMD) and webgpu (Dawn, with its adapter) available, webgl not, with a reason', () => {
    const { code, stdout } = pathwise('backends', '--json');
    expect(code).toBe(0);
    const list = JSON.parse(stdout) as Array<{ name: string; available: boolean; reason?: string; capabilities: Record<string, unknown> }>;
    expect(list.map((b) => b.name)).toEqual(['cpu', 'wasm', 'webgl', 'webgpu']);
    for (const b of list) {
      expect(Object.keys(b).filter((k) => !['name', 'available', 'reason', 'capabilities'].includes(k))).toEqual([]);
      expect(['float32', 'float16']).toContain(b.capabilities.float);
    }
    expect(list[0]).toMatchObject({ name: 'cpu', available: true });
    expect(list[1]).toMatchObject({ name: 'wasm', available: true, capabilities: { simd: true } });
    expect(list[2]!.available).toBe(false);
    expect(list[2]!.reason).toMatch(/browser/);
    expect(list[3]).toMatchObject({ name: 'webgpu', available: true, capabilities: { adapter: { software: expect.any(Boolean) } } });
  });

  it('an unknown backend is a clear error listing what exists', () => {
    const { code, stderr } = pathwise('demo', '--backend', 'tpu', '--steps', '1');
    expect(code).toBe(1);
    expect(stderr).toMatch(/Unknown backend 'tpu'\. Registered: cpu, wasm, webgl, webgpu/);
  });

  it('an unavailable backend says why', () => {
    const { code, stderr } = pathwise('demo', '--backend', 'webgl', '--steps', '1');
    expect(code).toBe(1);
    expect(stderr).toMatch(/Backend 'webgl' is unavailable: WebGL needs a browser/);
  });

  it('demo --json converges towards mu = 3 and is reproducible for a seed', () => {
    const run = () => JSON.parse(pathwise('demo', '--backend', 'cpu', '--seed', '3', '--steps', '200', '--json').stdout);
    const a = run();
    expect(Math.abs(a.mu - 3)).toBeLessThan(0.1);
    expect(a.objective).toBeLessThan(0.1);
    expect(run().mu).toBe(a.mu);
  });

  it('bench core --json prints {what, machine, results} with us_per_op per backend', () => {
    const { code, stdout } = pathwise('bench', 'core', '--backend', 'cpu', '--json');
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.what).toBe('core');
    expect(report.machine.cpus).toBeGreaterThan(0);
    expect(report.results).toHaveLength(1);
    expect(report.results[0].backend).toBe('cpu');
    expect(report.results[0].us_per_op).toBeGreaterThan(0);
    expect(report.results[0].ms_per_mlp_fwd_bwd).toBeGreaterThan(0);
  });
});
