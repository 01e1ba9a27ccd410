// The built packages load from plain Node, as ESM and as CJS, with gradients registered
// (run in child processes so that nothing from the test runner helps them).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const here = join(__dirname, '..');

function node(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, args, { cwd: here, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const checks = `
  tf.env().set('PROD', true);
  const g = tf.grad((x) => tf.sum(tf.exp(x)))(tf.tensor1d([0, 1])).arraySync();
  const d2 = tf.grad((x) => tf.sum(tf.grad((y) => tf.sum(tf.exp(y)))(x)))(tf.tensor1d([0.5])).arraySync();
  let missing = '';
  try { await core.useBackend('wasm'); } catch (e) { missing = e.message; }
  await loadWasm();
  const active = await core.useBackend('wasm');
  console.log(JSON.stringify({ g, d2, missing, active, backend: tf.getBackend() }));
`;

function expectChecks(stdout: string): void {
  const out = JSON.parse(stdout.trim().split('\n').pop()!);
  expect(out.g[0]).toBeCloseTo(1, 6);
  expect(out.g[1]).toBeCloseTo(Math.E, 5);
  expect(out.d2[0]).toBeCloseTo(Math.exp(0.5), 5);
  expect(out.missing).toMatch(/Install and import '@pathwise\/backend-wasm'/);
  expect(out.active).toBe('wasm');
  expect(out.backend).toBe('wasm');
}

describe('@pathwise/core from plain Node', () => {
  it('ESM import gives a trainable tf; the wasm backend works after its import and is named before it', () => {
    const script = `
      import * as core from '@pathwise/core';
      import '@pathwise/backend-cpu';
      const { tf } = core;
      const loadWasm = () => import('@pathwise/backend-wasm');
      ${checks}`;
    const { code, stdout, stderr } = node(['--input-type=module', '-e', script]);
    expect(code, stderr).toBe(0);
    expectChecks(stdout);
  });

  it('CJS require gives the same', () => {
    const script = `
      const core = require('@pathwise/core');
      require('@pathwise/backend-cpu');
      const { tf } = core;
      const loadWasm = async () => require('@pathwise/backend-wasm');
      (async () => { ${checks} })().catch((e) => { console.error(e); process.exit(1); });`;
    const { code, stdout, stderr } = node(['-e', script]);
    expect(code, stderr).toBe(0);
    expectChecks(stdout);
  });
});
