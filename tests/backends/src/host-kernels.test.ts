// The host kernels of core (one dispatch forward, one backward, plain loops over typed arrays) against
// the op paths they replace, on cpu and wasm: the fused MLP against the op-by-op MLP and against the
// custom-gradient op path (bit-identical on cpu), values and every first-order gradient.
import { afterAll, describe, expect, it } from 'vitest';
import '@pathwise/backend-cpu';
import '@pathwise/backend-wasm';
import { Adam, MLP, Rng, matMulT, parametersOf, setHostKernels, tf, useBackend } from '@pathwise/core';

afterAll(() => setHostKernels({ mlp: true, adam: true, wasmForms: true }));

const CONFIGS = [
  { activation: 'elu', layerNorm: true, outputDim: 3, hidden: [32, 32] },
  { activation: 'elu', layerNorm: true, outputDim: 2, hidden: [64, 64] },
  { activation: 'tanh', layerNorm: false, outputDim: 2, hidden: [5, 4] },
  { activation: 'relu', layerNorm: true, outputDim: undefined, hidden: [7, 6] },
  { activation: 'identity', layerNorm: true, outputDim: 1, outputActivation: 'tanh', hidden: [5] },
  // The policy of `bench rollout` and the SHAC / GI-PPO cart-pole actor's layout.
  { activation: 'elu', layerNorm: false, outputDim: 1, outputActivation: 'tanh', hidden: [64, 64] },
];

type Path = 'host' | 'custom-grad ops' | 'op-by-op';

/** Output and the gradients wrt the input and every parameter of sum(MLP(x)·w), on one path. */
function valueAndGrads(cfg: (typeof CONFIGS)[number], path: Path, rows: number, input?: (x: tf.Tensor) => tf.Tensor): number[][] {
  const mlp = new MLP({ inputDim: 3, rng: new Rng(11), fused: path !== 'op-by-op', kernel: path === 'host' ? 'fused' : 'ops', ...cfg });
  const rng = new Rng(4);
  const normal = rng.normalTensor([rows, 3]);
  const x = input ? tf.tidy(() => input(normal)) : normal;
  if (input) normal.dispose();
  const w = rng.normalTensor([rows, cfg.outputDim ?? cfg.hidden[cfg.hidden.length - 1]!]);
  const out = tf.tidy(() => {
    const params = parametersOf(mlp);
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(mlp.apply(x), w)) as tf.Scalar, params);
    const dx = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(mlp.apply(v), w)))(x);
    return [mlp.apply(x), dx, ...params.map((p) => grads[p.name]!)].map((t) => Array.from(t.dataSync()));
  });
  tf.dispose([x, w]);
  mlp.dispose();
  return out;
}

/** One gradient step of sum(MLP(x)) wrt the MLP's parameters, its tensors disposed. */
function gradientStep(mlp: MLP, x: tf.Tensor): () => void {
  return () =>
    tf.tidy(() => {
      tf.variableGrads(() => tf.sum(mlp.apply(x)) as tf.Scalar, parametersOf(mlp));
    });
}

/** After one warm-up call, `times` more calls of `step` leave the tensor count unchanged. */
function expectNoLeak(step: () => void, times: number): void {
  step();
  const before = tf.memory().numTensors;
  for (let i = 0; i < times; i++) step();
  expect(tf.memory().numTensors).toBe(before);
}

for (const backend of ['cpu', 'wasm']) {
  describe(`fused MLP host kernel on ${backend}`, () => {
    it.each(CONFIGS)('matches the op-by-op MLP (values and gradients): %j', async (cfg) => {
      await useBackend(backend);
      const host = valueAndGrads(cfg, 'host', 67);
      const reference = valueAndGrads(cfg, 'op-by-op', 67);
      host.forEach((values, k) => {
        const scale = Math.max(...reference[k]!.map(Math.abs), 1e-3);
        values.forEach((v, i) => expect(Math.abs(v - reference[k]![i]!) / scale, `tensor ${k}, entry ${i}`).toBeLessThan(2e-5));
      });
    });

    it.each(CONFIGS)(`${backend === 'cpu' ? 'is bit-identical to' : 'agrees with'} the custom-gradient op path: %j`, async (cfg) => {
      await useBackend(backend);
      const host = valueAndGrads(cfg, 'host', 50);
      const ops = valueAndGrads(cfg, 'custom-grad ops', 50);
      if (backend === 'cpu') expect(host).toEqual(ops);
      else
        host.forEach((values, k) => {
          const scale = Math.max(...ops[k]!.map(Math.abs), 1e-3);
          values.forEach((v, i) => expect(Math.abs(v - ops[k]![i]!) / scale).toBeLessThan(2e-5));
        });
    });

    it(`kernel 'auto' runs the host kernel ${backend === 'cpu' ? 'on cpu' : 'not on wasm (its op path rounds differently)'}`, async () => {
      await useBackend(backend);
      const mlp = new MLP({ inputDim: 3, hidden: [8], outputDim: 2, layerNorm: true, rng: new Rng(2) });
      const x = tf.ones([4, 3]);
      const profile = await tf.profile(() => {
        tf.tidy(() => mlp.apply(x));
      });
      expect(profile.kernels.some((k) => k.name.startsWith('PathwiseMlp'))).toBe(backend === 'cpu');
      x.dispose();
      mlp.dispose();
    });

    it('is one kernel forward and one backward, and leaks no tensor', async () => {
      await useBackend(backend);
      const mlp = new MLP({ inputDim: 3, hidden: [32, 32], outputDim: 2, layerNorm: true, rng: new Rng(2), kernel: 'fused' });
      const x = tf.ones([8, 3]);
      expectNoLeak(gradientStep(mlp, x), 20);
      const profile = await tf.profile(() => {
        tf.tidy(() => mlp.apply(x));
      });
      expect(profile.kernels.map((k) => k.name).filter((n) => n.startsWith('PathwiseMlp'))).toHaveLength(1);
      expect(profile.kernels.length).toBe(1);
      x.dispose();
      mlp.dispose();
    });
  });
}

describe('the custom-gradient op path on wasm', () => {
  // Its backward's column sums and elu' run as host kernels or as fewer, faster wasm ops (nn/fused-mlp.ts)
  // with the mlp switch on, and matMulT's transposes and products in faster layouts with the wasmForms
  // switch on (matmul.ts): the same bits as the op path with both off, at every size (each form has its
  // own size range: the host kernels up to 64 × 64, the 3-D transposes from 512 rows on).
  const OFF = { mlp: false, wasmForms: false };
  const ON = { mlp: true, wasmForms: true };
  it.each([
    [CONFIGS[0]!, 50],
    [CONFIGS[1]!, 2048],
    [CONFIGS[2]!, 50],
    [CONFIGS[3]!, 50],
    [CONFIGS[5]!, 1024],
    [CONFIGS[5]!, 1000],
    [CONFIGS[5]!, 64],
  ] as const)('is bit-identical with the faster forms and without: %j, %i rows', async (cfg, rows) => {
    await useBackend('wasm');
    const faster = valueAndGrads(cfg, 'custom-grad ops', rows);
    setHostKernels(OFF);
    const before = valueAndGrads(cfg, 'custom-grad ops', rows);
    setHostKernels(ON);
    expect(faster).toEqual(before);
  });

  it('is bit-identical with them and without where activations are NaN, ±∞ or exactly −1 and 0', async () => {
    await useBackend('wasm');
    // Rows of NaN, of ±3e38 (pre-activations overflow to ±∞, elu gives +∞ and −1), of −1e30 (elu −1 exactly) and of 0.
    const specials = [NaN, 3e38, -3e38, -1e30, 0];
    const input = (x: tf.Tensor) => {
      const values = x.arraySync() as number[][];
      values.forEach((row, i) => {
        if (i % 7 === 0) row[i % 3] = specials[(i / 7) % specials.length]!;
      });
      return tf.tensor2d(values);
    };
    const faster = valueAndGrads(CONFIGS[5]!, 'custom-grad ops', 2048, input);
    setHostKernels(OFF);
    const before = valueAndGrads(CONFIGS[5]!, 'custom-grad ops', 2048, input);
    setHostKernels(ON);
    expect(faster).toEqual(before);
    // The special rows are there: some gradients are not finite, most are.
    const dx = faster[1]!;
    expect(dx.some((v) => !Number.isFinite(v))).toBe(true);
    expect(dx.filter(Number.isFinite).length).toBeGreaterThan(dx.length / 2);
  });

  it.each([
    [8, ['PathwiseColumnSum', 'PathwiseEluBackward'], ['ClipByValue']],
    [1024, ['PathwiseColumnSum', 'ClipByValue'], ['PathwiseEluBackward']],
  ] as const)('runs the host kernels or the SIMD ops (%i rows), and leaks no tensor', async (rows, present, absent) => {
    await useBackend('wasm');
    const mlp = new MLP({ inputDim: 3, hidden: [16, 16], outputDim: 2, layerNorm: true, rng: new Rng(2), kernel: 'ops' });
    const x = tf.ones([rows, 3]);
    const step = gradientStep(mlp, x);
    expectNoLeak(step, 5);
    const profile = await tf.profile(step);
    const names = profile.kernels.map((k) => k.name);
    for (const name of present) expect(names).toContain(name);
    for (const name of absent) expect(names).not.toContain(name);
    x.dispose();
    mlp.dispose();
  });
});

describe('matMulT on wasm', () => {
  // aᵀ·b as (bᵀ·a)ᵀ where a is the narrower, and transposes of [512k, ≥ 16] matrices through a 3-D view.
  const SHAPES = [
    [1024, 5, 64],
    [1024, 64, 64],
    [1024, 64, 1],
    [1000, 5, 64],
    [2048, 16, 130],
    [512, 130, 20],
    [7, 3, 4],
  ] as const;

  it.each(SHAPES)('aᵀ·b, a·bᵀ and their gradients are bit-identical with the wasmForms switch on and off: rows %i, a %i columns, b %i', async (rows, n, m) => {
    await useBackend('wasm');
    const rng = new Rng(rows + n + m);
    // Values spread over many magnitudes, so that another order of the sums would show.
    const spread = (shape: [number, number]) => tf.tidy(() => tf.mul(rng.normalTensor(shape), tf.exp(tf.mul(rng.normalTensor(shape), 3))));
    const [a, b, c] = [spread([rows, n]), spread([rows, m]), spread([n, m])];
    const run = () =>
      tf.tidy(() => {
        const [da, db] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(matMulT(x, y, true, false))))([a, b]);
        const [dc, dd] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(matMulT(x, y, false, true))))([b, c]);
        return [matMulT(a, b, true, false), matMulT(b, c, false, true), da!, db!, dc!, dd!].map((t) => Array.from(t.dataSync()));
      });
    const on = run();
    setHostKernels({ wasmForms: false });
    const off = run();
    setHostKernels({ wasmForms: true });
    expect(on).toEqual(off);
    // And it is the product: against aᵀ·b in float64.
    const [av, bv] = [a.dataSync(), b.dataSync()];
    const reference = Array.from({ length: n * m }, (_, ij) => {
      const [i, j] = [Math.floor(ij / m), ij % m];
      let sum = 0;
      for (let k = 0; k < rows; k++) sum += av[k * n + i]! * bv[k * m + j]!;
      return sum;
    });
    const scale = Math.max(...reference.map(Math.abs));
    on[0]!.forEach((v, i) => expect(Math.abs(v - reference[i]!) / scale).toBeLessThan(1e-5));
    tf.dispose([a, b, c]);
  });

  it('leaks no tensor', async () => {
    await useBackend('wasm');
    const [a, b] = [tf.ones([1024, 5]), tf.ones([1024, 64])];
    const step = () =>
      tf.tidy(() => {
        tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(matMulT(x, y, true, false)))([a, b]);
        matMulT(b, b, true, false);
      });
    expectNoLeak(step, 5);
    tf.dispose([a, b]);
  });
});

/** Parameters and moments after `steps` Adam steps on fixed pseudo-random gradients (some NaN), on one path. */
async function adamRun(host: boolean, options: { maxGradNorm?: number; nanToZero?: boolean; betas?: [number, number] }, steps: number): Promise<number[][]> {
  setHostKernels({ adam: host });
  const rng = new Rng(9);
  const params = [rng.normalTensor([7, 5]), rng.normalTensor([5]), rng.normalTensor([1, 3])].map((t) => tf.variable(t));
  const adam = new Adam(params, { lr: 3e-3, ...options });
  const norms: number[] = [];
  for (let s = 0; s < steps; s++) {
    const grads = params.map((p) =>
      tf.tidy(() => {
        const g = tf.mul(rng.normalTensor(p.shape), s % 3 === 0 ? 40 : 0.2);
        // A NaN entry on some steps (NaN-to-zero is part of the step).
        return options.nanToZero && s % 4 === 1 ? tf.where(tf.equal(tf.reshape(tf.range(0, p.size), p.shape), 0), tf.fill(p.shape, NaN), g) : g;
      }),
    );
    const norm = adam.step(grads);
    norms.push((await norm.data())[0]!);
    tf.dispose([norm, ...grads]);
  }
  const state = await adam.state();
  const out = [...params.map((p) => Array.from(p.dataSync())), state.m, state.v, norms];
  adam.dispose();
  tf.dispose(params);
  setHostKernels({ adam: true });
  return out;
}

const ADAM_CASES = [{ maxGradNorm: 1, nanToZero: true, betas: [0.7, 0.95] as [number, number] }, { maxGradNorm: 1 }, {}];

for (const backend of ['cpu', 'wasm']) {
  describe(`Adam as one kernel on ${backend}`, () => {
    it.each(ADAM_CASES)('is bit-identical to the op path over 12 steps: %j', async (options) => {
      await useBackend(backend);
      expect(await adamRun(true, options, 12)).toEqual(await adamRun(false, options, 12));
    });

    it('is one kernel and leaks no tensor', async () => {
      await useBackend(backend);
      const params = [tf.variable(tf.ones([4, 3])), tf.variable(tf.zeros([3]))];
      const adam = new Adam(params, { lr: 1e-2, maxGradNorm: 1 });
      const grads = params.map((p) => tf.onesLike(p));
      const step = () => adam.step(grads).dispose();
      step();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 10; i++) step();
      expect(tf.memory().numTensors).toBe(before);
      const profile = await tf.profile(step);
      expect(profile.kernels.map((k) => k.name)).toEqual(['PathwiseAdam_2']);
      adam.dispose();
      tf.dispose([...params, ...grads]);
    });
  });
}

describe('clones on wasm', () => {
  it('share memory with the wasmForms switch on (copy with it off), and free it with the last reference', async () => {
    await useBackend('wasm');
    const before = tf.memory();
    const x = tf.tensor2d([
      [1, -2],
      [3, 4.5],
    ]);
    const shared = tf.clone(x);
    expect(shared.dataId).toBe(x.dataId);
    setHostKernels({ wasmForms: false });
    const copied = tf.clone(x);
    setHostKernels({ wasmForms: true });
    expect(copied.dataId).not.toBe(x.dataId);
    x.dispose();
    expect(Array.from(shared.dataSync())).toEqual([1, -2, 3, 4.5]);
    expect(Array.from(copied.dataSync())).toEqual([1, -2, 3, 4.5]);
    tf.dispose([shared, copied]);
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
    expect((tf.memory() as { numDataBuffers?: number }).numDataBuffers).toBe((before as { numDataBuffers?: number }).numDataBuffers);
  });

  it('a gradient through clones of kept tensors is the same with shared and copied clones, and leaks nothing', async () => {
    await useBackend('wasm');
    const x = tf.tensor1d([0.5, -1.5, 2, 3]);
    // Multiply keeps both inputs for its gradient: the tape clones them (and y is cloned once more).
    const f = () =>
      tf.tidy(() =>
        Array.from(
          tf
            .grad((v: tf.Tensor) => {
              const y = tf.mul(v, v);
              return tf.sum(tf.mul(y, tf.clone(y)));
            })(x)
            .dataSync(),
        ),
      );
    f();
    const count = tf.memory().numTensors;
    const shared = f();
    setHostKernels({ wasmForms: false });
    const copied = f();
    setHostKernels({ wasmForms: true });
    expect(shared).toEqual(copied);
    expect(shared).toEqual([0.5, -1.5, 2, 3].map((v) => 4 * v ** 3));
    expect(tf.memory().numTensors).toBe(count);
    x.dispose();
  });
});
