import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../tf.js';
import { Rng } from '../rng.js';
import { Linear } from './linear.js';
import { LayerNorm } from './layer-norm.js';
import { MLP } from './mlp.js';
import { activation } from './activations.js';
import { orthogonalInit } from './init.js';
import { parametersOf } from './module.js';
import { loadParameters, saveParameters } from './params.js';
import { gradCheck } from '../gradcheck.js';
import { ConfigError, ShapeError, UnknownNameError } from '../errors.js';
import { useCpu, tensorCountAround } from '../test-helpers.js';

beforeAll(useCpu);

describe('constructors without an Rng', () => {
  it('MLP and Linear name the missing rng instead of failing inside the initialiser', () => {
    expect(() => new MLP({ inputDim: 2, hidden: [4], outputDim: 1 } as never)).toThrow(
      `Invalid config 'mlp: rng': got undefined, expected an Rng, e.g. new Rng(seed) (parameters are initialised from it).`,
    );
    expect(() => new MLP({ inputDim: 2, hidden: [4], rng: 7, name: 'actor' } as never)).toThrow(/'actor: rng': got 7/);
    expect(() => new Linear(2, 3, {} as never)).toThrow(/'linear: rng': got undefined/);
    expect(() => new MLP({ inputDim: 2, hidden: [4], outputDim: 1, rng: new Rng(0) }).dispose()).not.toThrow();
  });
});

describe('Linear', () => {
  it('PyTorch default init: weight and bias ~ U(±1/sqrt(fan_in))', () => {
    const layer = new Linear(50, 400, { rng: new Rng(0) });
    const w = Array.from(layer.weight.dataSync());
    const bound = 1 / Math.sqrt(50);
    expect(Math.max(...w)).toBeLessThanOrEqual(bound);
    expect(Math.min(...w)).toBeGreaterThanOrEqual(-bound);
    const variance = w.reduce((a, b) => a + b * b, 0) / w.length;
    expect(Math.abs(variance - bound ** 2 / 3)).toBeLessThan(5 * (bound ** 2 / 3) * Math.sqrt(0.8 / w.length));
    const b = Array.from(layer.bias.dataSync());
    expect(Math.max(...b.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(new Set(b).size).toBe(400); // random, not zero
    layer.dispose();
  });

  it('orthogonal init has orthonormal columns (or rows) times the gain, and zero bias', () => {
    for (const [rows, cols] of [
      [6, 3],
      [3, 6],
      [5, 5],
    ] as const) {
      const q = orthogonalInit(new Rng(rows * 10 + cols), rows, cols, 2).arraySync() as number[][];
      const small = Math.min(rows, cols);
      for (let i = 0; i < small; i++) {
        for (let j = 0; j < small; j++) {
          let dot = 0;
          for (let k = 0; k < Math.max(rows, cols); k++) {
            dot += rows >= cols ? q[k]![i]! * q[k]![j]! : q[i]![k]! * q[j]![k]!;
          }
          expect(dot).toBeCloseTo(i === j ? 4 : 0, 5);
        }
      }
    }
    const layer = new Linear(4, 3, { rng: new Rng(0), init: 'orthogonal' });
    expect(Array.from(layer.bias.dataSync())).toEqual([0, 0, 0]);
    layer.dispose();
  });

  it('computes x W + b and passes a gradient check', async () => {
    const layer = new Linear(3, 2, { rng: new Rng(1) });
    const x = tf.tensor2d([
      [1, 2, 3],
      [-1, 0.5, 0],
    ]);
    const y = layer.apply(x).arraySync() as number[][];
    const w = layer.weight.arraySync() as number[][];
    const b = layer.bias.arraySync() as number[];
    [
      [1, 2, 3],
      [-1, 0.5, 0],
    ].forEach((row, r) =>
      [0, 1].forEach((o) =>
        expect(y[r]![o]).toBeCloseTo(
          row.reduce((a, v, i) => a + v * w[i]![o]!, b[o]!),
          5,
        ),
      ),
    );
    const check = await gradCheck((v) => tf.sum(tf.square(layer.apply(v))) as tf.Scalar, x);
    expect(check.ok, JSON.stringify(check)).toBe(true);
    layer.dispose();
  });

  it('rejects bad sizes, inits and input shapes', () => {
    expect(() => new Linear(0, 2, { rng: new Rng(0) })).toThrow(ConfigError);
    expect(() => new Linear(2, 2, { rng: new Rng(0), init: 'xavier' as never })).toThrow(/'pytorch' or 'orthogonal'/);
    const layer = new Linear(3, 2, { rng: new Rng(0) });
    expect(() => layer.apply(tf.zeros([4, 2]))).toThrow(ShapeError);
    expect(() => layer.apply(tf.zeros([3]))).toThrow(/expected \[batch, 3\]/);
    layer.dispose();
  });
});

describe('LayerNorm', () => {
  it('matches a float64 reference with eps 1e-5 and biased variance', () => {
    const norm = new LayerNorm(4);
    const rows = [
      [1, 2, 3, 4],
      [0.1, -0.2, 0.3, 10],
    ];
    const out = norm.apply(tf.tensor2d(rows)).arraySync() as number[][];
    rows.forEach((row, r) => {
      const mean = row.reduce((a, b) => a + b, 0) / 4;
      const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / 4;
      row.forEach((v, c) => expect(out[r]![c]).toBeCloseTo((v - mean) / Math.sqrt(variance + 1e-5), 4));
    });
    norm.dispose();
  });

  it('eps is configurable and matters for constant rows', () => {
    const a = new LayerNorm(2, { eps: 1e-3 });
    const out = a.apply(tf.tensor2d([[1, 1.01]])).dataSync();
    expect(out[1]! - out[0]!).toBeCloseTo(0.01 / Math.sqrt(0.000025 + 1e-3), 3);
    a.dispose();
    expect(() => new LayerNorm(2, { eps: 0 })).toThrow(ConfigError);
    expect(() => new LayerNorm(3).apply(tf.zeros([2, 2]))).toThrow(ShapeError);
  });

  it('passes a gradient check through input and affine parameters', async () => {
    const norm = new LayerNorm(3);
    const x = tf.tensor2d([
      [0.3, -1.2, 2.0],
      [1, 0, -0.5],
    ]);
    const weights = tf.tensor2d([
      [1, 2, 3],
      [-1, 0.5, 2],
    ]);
    const check = await gradCheck((v) => tf.sum(tf.mul(norm.apply(v), weights)) as tf.Scalar, x, { eps: 1e-2, rtol: 3e-2, atol: 3e-3 });
    expect(check.ok, JSON.stringify(check)).toBe(true);
    norm.dispose();
  });
});

describe('MLP', () => {
  it('is Linear → act → LayerNorm per hidden layer, then a Linear head; gradient-checked', async () => {
    const mlp = new MLP({ inputDim: 2, hidden: [5, 4], outputDim: 1, layerNorm: true, rng: new Rng(3), name: 'actor' });
    expect(mlp.namedParameters().map(([n]) => n)).toEqual([
      'actor.0.weight',
      'actor.0.bias',
      'actor.0.norm.weight',
      'actor.0.norm.bias',
      'actor.1.weight',
      'actor.1.bias',
      'actor.1.norm.weight',
      'actor.1.norm.bias',
      'actor.out.weight',
      'actor.out.bias',
    ]);
    const x = tf.tensor2d([
      [0.5, -0.3],
      [1.2, 0.7],
      [0, 0.1],
    ]);
    const check = await gradCheck((v) => tf.sum(mlp.apply(v)) as tf.Scalar, x, { eps: 1e-2, rtol: 3e-2, atol: 3e-3 });
    expect(check.ok, JSON.stringify(check)).toBe(true);
    // Gradient with respect to every parameter exists and is finite.
    const { grads } = tf.variableGrads(() => tf.sum(mlp.apply(x)) as tf.Scalar, parametersOf(mlp));
    for (const g of Object.values(grads)) expect(g.dataSync().every(Number.isFinite)).toBe(true);
    mlp.dispose();
  });

  it('saves parameters to plain JSON and loads them back exactly', async () => {
    const a = new MLP({ inputDim: 3, hidden: [4], outputDim: 2, rng: new Rng(1) });
    const b = new MLP({ inputDim: 3, hidden: [4], outputDim: 2, rng: new Rng(2) });
    const x = tf.tensor2d([[1, 2, 3]]);
    expect(Array.from(a.apply(x).dataSync())).not.toEqual(Array.from(b.apply(x).dataSync()));
    const json = JSON.parse(JSON.stringify(await saveParameters(a)));
    loadParameters(b, json);
    expect(Array.from(b.apply(x).dataSync())).toEqual(Array.from(a.apply(x).dataSync()));
    const broken = { ...json, 'mlp.0.weight': { shape: [4, 3], values: new Array(12).fill(0) } };
    expect(() => loadParameters(b, broken)).toThrow(ShapeError);
    expect(() => loadParameters(b, { ...json, extra: { shape: [1], values: [0] } })).toThrow(/only the module's parameters/);
    const { ['mlp.out.bias']: _dropped, ...missing } = json;
    expect(() => loadParameters(b, missing)).toThrow(ConfigError);
    a.dispose();
    b.dispose();
  });

  it('unknown activations list the known ones', () => {
    expect(() => activation('swish')).toThrow(UnknownNameError);
    expect(() => new MLP({ inputDim: 1, hidden: [2], activation: 'swish', rng: new Rng(0) })).toThrow(/Registered: .*elu/);
    expect(() => new MLP({ inputDim: 1, hidden: [0], rng: new Rng(0) })).toThrow(ConfigError);
  });

  it('leaks no tensors over 100 forward/backward calls', () => {
    const mlp = new MLP({ inputDim: 2, hidden: [8, 8], outputDim: 2, layerNorm: true, rng: new Rng(0) });
    const x = tf.ones([4, 2]);
    const params = parametersOf(mlp);
    const { before, after } = tensorCountAround(() => {
      tf.tidy(() => {
        tf.variableGrads(() => tf.sum(mlp.apply(x)) as tf.Scalar, params);
      });
      mlp.apply(x).dispose();
    });
    expect(after).toBe(before);
    mlp.dispose();
  });
});

describe('fused MLP path', () => {
  const configs = [
    { activation: 'elu', layerNorm: true, outputDim: 3 },
    { activation: 'tanh', layerNorm: false, outputDim: 2 },
    { activation: 'relu', layerNorm: true, outputDim: undefined },
    { activation: 'identity', layerNorm: true, outputDim: 1, outputActivation: 'tanh' },
  ];

  it.each(configs)('matches the op-by-op path in value and in every first-order gradient: %j', (cfg) => {
    const make = (fused: boolean) => new MLP({ inputDim: 3, hidden: [5, 4], rng: new Rng(11), fused, ...cfg });
    const fused = make(true);
    const plain = make(false);
    const x = tf.tensor2d([
      [0.3, -1.2, 2.0],
      [1, 0.2, -0.5],
      [-0.7, 0.9, 0.1],
    ]);
    const w = tf.randomNormal([3, cfg.outputDim ?? 4], 0, 1, 'float32', 3);
    const loss = (m: MLP) => (v: tf.Tensor) => tf.sum(tf.mul(m.apply(v), w)) as tf.Scalar;
    expect(Array.from(fused.apply(x).dataSync())).toEqual(Array.from(plain.apply(x).dataSync()).map((v) => expect.closeTo(v, 5)) as never);
    const gx = [tf.grad(loss(fused))(x), tf.grad(loss(plain))(x)].map((g) => Array.from(g.dataSync()));
    gx[0]!.forEach((v, i) => expect(v).toBeCloseTo(gx[1]![i]!, 5));
    const gp = [fused, plain].map((m) => {
      const { grads } = tf.variableGrads(() => loss(m)(x), parametersOf(m));
      return parametersOf(m).map((p) => Array.from(grads[p.name]!.dataSync()));
    });
    gp[0]!.forEach((g, i) => g.forEach((v, k) => expect(v).toBeCloseTo(gp[1]![i]![k]!, 4)));
    fused.dispose();
    plain.dispose();
  });

  it('passes a finite-difference check and uses far fewer kernels', async () => {
    const mlp = new MLP({ inputDim: 2, hidden: [6, 6], outputDim: 2, layerNorm: true, rng: new Rng(2) });
    const x = tf.tensor2d([
      [0.5, -0.3],
      [1.2, 0.7],
    ]);
    const check = await gradCheck((v) => tf.sum(tf.square(mlp.apply(v))) as tf.Scalar, x, { eps: 1e-2, rtol: 3e-2, atol: 3e-3 });
    expect(check.ok, JSON.stringify(check)).toBe(true);
    const kernels = async (fused: boolean) => {
      const m = new MLP({ inputDim: 2, hidden: [6, 6], outputDim: 2, layerNorm: true, rng: new Rng(2), fused });
      const info = await tf.profile(() => {
        tf.tidy(() => {
          tf.variableGrads(() => tf.sum(m.apply(x)) as tf.Scalar, parametersOf(m));
        });
      });
      m.dispose();
      return info.kernels.length;
    };
    const [fusedCount, plainCount] = [await kernels(true), await kernels(false)];
    expect(fusedCount).toBeLessThan(plainCount / 2);
    mlp.dispose();
  });

  it('falls back to the op-by-op path for second derivatives, which stay exact', () => {
    const mlp = new MLP({ inputDim: 1, hidden: [4], outputDim: 1, activation: 'tanh', rng: new Rng(5) });
    const plain = new MLP({ inputDim: 1, hidden: [4], outputDim: 1, activation: 'tanh', rng: new Rng(5), fused: false });
    const x = tf.tensor2d([[0.4]]);
    const second = (m: MLP) =>
      tf
        .grad((v: tf.Tensor) => tf.sum(tf.grad((u: tf.Tensor) => tf.sum(m.apply(u)))(v)))(x)
        .dataSync()[0]!;
    const d2 = second(mlp);
    expect(d2).toBeCloseTo(second(plain), 6);
    // Central difference of the first derivative.
    const d1 = (at: number) =>
      tf
        .grad((u: tf.Tensor) => tf.sum(mlp.apply(u)))(tf.tensor2d([[at]]))
        .dataSync()[0]!;
    expect(d2).toBeCloseTo((d1(0.41) - d1(0.39)) / 0.02, 2);
    mlp.dispose();
    plain.dispose();
  });
});
