// The kernel config keys: mlpKernel (core's host MLP kernel) and envKernel (the env's fused step).
import { describe, expect, it } from 'vitest';
import '@pathwise/backend-cpu';
import '@pathwise/backend-wasm';
import { Rng, tf, useBackend } from '@pathwise/core';
import { createTrainer } from './plugins.js';
import { alphaLossKernel, criticLossKernel } from './loss-kernels.js';

tf.env().set('PROD', true);

// Small nets and short inner loops: the op path on cpu is slow (that is what the kernels are for).
const small = { actorHidden: [16, 16], criticHidden: [16, 16], alphaIterations: 4, criticIterations: 2 };

describe('mlpKernel', () => {
  it("on cpu, 'fused' (the host kernel) trains bit-identically to 'ops' (GI-PPO, dejong64, 3 epochs)", async () => {
    await useBackend('cpu');
    const rows = async (mlpKernel: string) => {
      const trainer = createTrainer({ env: 'dejong64', algo: 'gippo', seed: 3, overrides: { ...small, mlpKernel } });
      const out = [];
      for (let i = 0; i < 3; i++) out.push(await trainer.epoch());
      trainer.dispose();
      return out;
    };
    expect(await rows('fused')).toEqual(await rows('ops'));
  });

  it.each([
    ['cpu', 'auto', true],
    ['cpu', 'ops', false],
    ['wasm', 'auto', false],
    ['wasm', 'fused', true],
  ] as const)("on %s, '%s' runs the host kernel: %s; epochs leak no tensor", async (backend, mlpKernel, host) => {
    await useBackend(backend);
    const trainer = createTrainer({ env: 'dejong64', algo: 'gippo', seed: 1, overrides: { ...small, mlpKernel } });
    await trainer.epoch();
    const before = tf.memory().numTensors;
    const profile = await tf.profile(async () => {
      await trainer.epoch();
    });
    await trainer.epoch();
    expect(tf.memory().numTensors).toBe(before);
    expect(profile.kernels.some((k) => k.name.startsWith('PathwiseMlp'))).toBe(host);
    trainer.dispose();
  });
});

describe('envKernel', () => {
  it.each([
    ['auto', { cpu: 'ops', wasm: 'ops' }],
    ['fused', { cpu: 'fused', wasm: 'fused' }],
    ['ops', { cpu: 'ops', wasm: 'ops' }],
  ] as const)("'%s' sets cart-pole swing-up's step kernel", (envKernel, expected) => {
    for (const algo of ['gippo', 'ppo']) {
      const trainer = createTrainer({ env: 'cartpole-swingup', algo, seed: 1, overrides: { envKernel } });
      expect(trainer.env.kernelOn('cpu')).toBe(expected.cpu);
      expect(trainer.env.kernelOn('wasm')).toBe(expected.wasm);
      trainer.dispose();
    }
  });

  it("rejects a kernel it does not know, naming 'envKernel'", () => {
    expect(() => createTrainer({ env: 'cartpole-swingup', algo: 'gippo', seed: 1, overrides: { envKernel: 'gpu' } })).toThrow(/envKernel/);
  });
});

/** Value and gradients of a loss of `inputs`, as plain arrays. */
function valueAndGrads(loss: (...xs: tf.Tensor[]) => tf.Scalar, inputs: tf.Tensor[]): number[][] {
  return tf.tidy(() => {
    const { value, grads } = tf.valueAndGrads(loss)(inputs);
    return [value, ...grads].map((t) => Array.from(t.dataSync()));
  });
}

describe.each(['cpu', 'wasm'])('loss kernels on %s', (backend) => {
  const expectSame = (kernel: number[][], ops: number[][]) => {
    if (backend === 'cpu') expect(kernel).toEqual(ops);
    else kernel.forEach((values, k) => values.forEach((v, i) => expect(Math.abs(v - ops[k]![i]!)).toBeLessThanOrEqual(2e-6 * Math.max(1, Math.abs(ops[k]![i]!)))));
  };

  it(`the critic's MSE and its gradient ${backend === 'cpu' ? 'are bit-identical to' : 'agree with'} the op path`, async () => {
    await useBackend(backend);
    const rng = new Rng(5);
    const prediction = rng.normalTensor([37, 1]);
    const y = tf.mul(rng.normalTensor([37]), 30);
    const [scale, mean] = [12.34, -5.6];
    const ops = (p: tf.Tensor) => tf.mean(tf.square(tf.sub(tf.add(tf.mul(tf.reshape(p, [-1]), scale), mean), y))) as tf.Scalar;
    expectSame(
      valueAndGrads((p) => criticLossKernel(p!, y, scale, mean), [prediction]),
      valueAndGrads((p) => ops(p!), [prediction]),
    );
    tf.dispose([prediction, y]);
  });

  it(`the α-regression loss and its gradients ${backend === 'cpu' ? 'are bit-identical to' : 'agree with'} the op path`, async () => {
    await useBackend(backend);
    const rng = new Rng(6);
    const [mean, logStd, noise, targets] = [rng.normalTensor([19, 7]), tf.mul(rng.normalTensor([19, 7]), 0.5), rng.normalTensor([19, 7]), rng.normalTensor([19, 7])];
    const ops = (m: tf.Tensor, s: tf.Tensor) => tf.mean(tf.sum(tf.square(tf.sub(tf.add(m, tf.mul(tf.exp(s), noise!)), targets!)), 1)) as tf.Scalar;
    expectSame(
      valueAndGrads((m, s) => alphaLossKernel(m!, s!, noise!, targets!), [mean!, logStd!]),
      valueAndGrads((m, s) => ops(m!, s!), [mean!, logStd!]),
    );
    tf.dispose([mean!, logStd!, noise!, targets!]);
  });
});
