import '@pathwise/backend-cpu';
import '@pathwise/backend-wasm';
import { Rng, UnknownNameError, ConfigError, useBackend, tf } from '@pathwise/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { defineEstimator } from './define.js';
import { getEstimator, listEstimators, registerEstimator } from './registry.js';
import { createStateHolder, estimateGradient, estimatorSurrogate } from './estimate.js';
import { squareObjective } from './objectives.js';
import { expectClose, values } from './test-helpers.js';

tf.env().set('PROD', true);

// Fixed noise for exact (deterministic) checks: 2 repeats x 5 samples x 2 dims.
const NOISE = [0.3, -1.2, 1.5, 0.4, -0.7, 2.1, 0.05, -0.9, 1.1, 0.6, -1.6, 0.2, 0.8, -0.3, -2.2, 1.3, 0.45, -0.15, 1.9, -1.05];
const MU = [0.4, -0.3];
const SIGMA = [0.7, 1.3];
const problem = {
  // f(x) = Σ_j (j+1) x_j² + x_0 x_1: cross term so the coordinates interact.
  f: (x: tf.Tensor) => tf.tidy(() => tf.add(tf.sum(tf.mul(tf.square(x), tf.tensor1d([1, 2])), -1), tf.mul(tf.sum(tf.mul(x, tf.reverse(x, 1)), -1), 0.5))),
  mean: MU,
  logStd: SIGMA.map(Math.log),
};
const hostF = (x: number[]) => x[0]! ** 2 + 2 * x[1]! ** 2 + x[0]! * x[1]!;
const hostGrad = (x: number[]) => [2 * x[0]! + x[1]!, 4 * x[1]! + x[0]!];

/** Host float64 draws x[r][s] and ε[r][s] from NOISE. */
function draws(R = 2, S = 5, D = 2) {
  const eps: number[][][] = [];
  const xs: number[][][] = [];
  for (let r = 0; r < R; r++) {
    eps.push([]);
    xs.push([]);
    for (let s = 0; s < S; s++) {
      const e = NOISE.slice((r * S + s) * D, (r * S + s + 1) * D);
      eps[r]!.push(e);
      xs[r]!.push(e.map((v, j) => MU[j]! + SIGMA[j]! * v));
    }
  }
  return { eps, xs };
}

async function perSample(name: string, opts: { state?: ReturnType<typeof createStateHolder> } = {}) {
  const noise = tf.tensor3d(NOISE, [2, 5, 2]);
  const estimate = estimateGradient(getEstimator(name), problem, { samples: 5, repeats: 2, rng: new Rng(0), noise, ...opts });
  const out = { mean: await values(estimate.perSample.mean), logStd: await values(estimate.perSample.logStd), gMean: await values(estimate.mean), gLogStd: await values(estimate.logStd) };
  estimate.dispose();
  noise.dispose();
  return out;
}

/** Host reference for the score function with per-sample weights wMean[r][s][j], wLogStd[r][s][j]. */
function lrReference(wMean: (r: number, s: number, j: number) => number, wLogStd: (r: number, s: number, j: number) => number) {
  const { eps } = draws();
  const mean: number[] = [];
  const logStd: number[] = [];
  for (let r = 0; r < 2; r++)
    for (let s = 0; s < 5; s++)
      for (let j = 0; j < 2; j++) {
        const e = eps[r]![s]![j]!;
        mean.push(wMean(r, s, j) * (e / SIGMA[j]!));
        logStd.push(wLogStd(r, s, j) * (e * e - 1));
      }
  return { mean, logStd };
}

describe.each(['cpu', 'wasm'])('built-in estimators on %s (exact, injected noise)', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });
  const { xs, eps } = draws();
  const f = xs.map((row) => row.map(hostF));

  it('rp: per-sample ∇f(x) and ∇f(x)·σε', async () => {
    const out = await perSample('rp');
    const mean: number[] = [];
    const logStd: number[] = [];
    for (let r = 0; r < 2; r++)
      for (let s = 0; s < 5; s++) {
        const g = hostGrad(xs[r]![s]!);
        for (let j = 0; j < 2; j++) {
          mean.push(g[j]!);
          logStd.push(g[j]! * SIGMA[j]! * eps[r]![s]![j]!);
        }
      }
    expectClose(out.mean, mean, 1e-5, 1e-5);
    expectClose(out.logStd, logStd, 1e-5, 1e-5);
    // The estimate is the mean of the per-sample rows, per repeat.
    const avg = [0, 1].flatMap((r) => [0, 1].map((j) => [0, 1, 2, 3, 4].reduce((a, s) => a + mean[(r * 5 + s) * 2 + j]!, 0) / 5));
    expectClose(out.gMean, avg, 1e-5, 1e-5);
  });

  it('lr: f·ε/σ and f·(ε² − 1)', async () => {
    const ref = lrReference(
      (r, s) => f[r]![s]!,
      (r, s) => f[r]![s]!,
    );
    const out = await perSample('lr');
    expectClose(out.mean, ref.mean, 1e-5, 1e-5);
    expectClose(out.logStd, ref.logStd, 1e-5, 1e-5);
  });

  it('lr-loo: baseline is the mean of the other samples of the same repeat', async () => {
    const loo = (r: number, s: number) => f[r]![s]! - (f[r]!.reduce((a, b) => a + b, 0) - f[r]![s]!) / 4;
    const ref = lrReference(loo, loo);
    const out = await perSample('lr-loo');
    expectClose(out.mean, ref.mean, 1e-5, 1e-4);
    expectClose(out.logStd, ref.logStd, 1e-5, 1e-4);
  });

  it('lr-optimal and lr-optimal-loo: per-coordinate Σ f s² / Σ s²', async () => {
    const base = (r: number, j: number, square: (e: number) => number, skip?: number) => {
      let num = 0;
      let den = 0;
      for (let s = 0; s < 5; s++) {
        if (s === skip) continue;
        const w = square(eps[r]![s]![j]!);
        num += f[r]![s]! * w;
        den += w;
      }
      return num / den;
    };
    const sMean = (e: number) => e * e;
    const sLog = (e: number) => (e * e - 1) ** 2;
    const same = lrReference(
      (r, s, j) => f[r]![s]! - base(r, j, sMean),
      (r, s, j) => f[r]![s]! - base(r, j, sLog),
    );
    const out = await perSample('lr-optimal');
    expectClose(out.mean, same.mean, 1e-4, 1e-4);
    expectClose(out.logStd, same.logStd, 1e-4, 1e-4);
    const loo = lrReference(
      (r, s, j) => f[r]![s]! - base(r, j, sMean, s),
      (r, s, j) => f[r]![s]! - base(r, j, sLog, s),
    );
    const outLoo = await perSample('lr-optimal-loo');
    expectClose(outLoo.mean, loo.mean, 1e-4, 1e-4);
    expectClose(outLoo.logStd, loo.logStd, 1e-4, 1e-4);
  });

  it('lr-constant: per-coordinate baselines for mean and logStd', async () => {
    const estimator = getEstimator('lr-constant').with({ valueMean: [1, -2], valueLogStd: [0.5, 3] });
    const noise = tf.tensor3d(NOISE, [2, 5, 2]);
    const est = estimateGradient(estimator, problem, { samples: 5, repeats: 2, rng: new Rng(0), noise });
    const ref = lrReference(
      (r, s, j) => f[r]![s]! - [1, -2][j]!,
      (r, s, j) => f[r]![s]! - [0.5, 3][j]!,
    );
    expectClose(await values(est.perSample.mean), ref.mean, 1e-5, 1e-5);
    expectClose(await values(est.perSample.logStd), ref.logStd, 1e-5, 1e-5);
    est.dispose();
    noise.dispose();
    expect(() => estimateGradient(getEstimator('lr-constant').with({ valueMean: [1, 2, 3] }), problem, { samples: 5, rng: new Rng(0) })).toThrow(ConfigError);
  });

  it('lr-moving-average: bias-corrected EMA of past batch means, carried in a state holder', async () => {
    const state = createStateHolder();
    const first = await perSample('lr-moving-average', { state });
    const second = await perSample('lr-moving-average', { state });
    const batchMean = f.flat().reduce((a, b) => a + b, 0) / 10;
    // First call: no past draws, baseline 0. Second: (1−β)m / (1 − β) = m.
    const ref1 = lrReference(
      (r, s) => f[r]![s]!,
      (r, s) => f[r]![s]!,
    );
    const ref2 = lrReference(
      (r, s) => f[r]![s]! - batchMean,
      (r, s) => f[r]![s]! - batchMean,
    );
    expectClose(first.mean, ref1.mean, 1e-5, 1e-5);
    expectClose(second.mean, ref2.mean, 1e-5, 1e-4);
    expectClose(second.logStd, ref2.logStd, 1e-5, 1e-4);
    const before = tf.memory().numTensors;
    state.dispose();
    expect(tf.memory().numTensors).toBe(before - 2);
  });

  it('lr+rp with zero RP variance reduces to RP exactly (gippo invariant 12)', async () => {
    const constant = { f: (x: tf.Tensor) => tf.add(tf.mul(tf.sum(x, -1), 0), 3), mean: MU, logStd: SIGMA.map(Math.log) };
    for (const name of ['lr+rp', 'tp']) {
      const est = estimateGradient(getEstimator(name), constant, { samples: 8, rng: new Rng(3) });
      expect(await values(est.mean)).toEqual([0, 0]);
      expect(await values(est.logStd)).toEqual([0, 0]);
      est.dispose();
    }
  });

  it('lr+rp equals k·LR + (1 − k)·RP with k from the per-sample variance traces', async () => {
    const [lr, rp, comb] = [await perSample('lr-loo'), await perSample('rp'), await perSample('lr+rp')];
    for (let r = 0; r < 2; r++) {
      const slice = (v: number[]) => v.slice(r * 10, r * 10 + 10);
      const trace = (g: { mean: number[]; logStd: number[] }) =>
        [slice(g.mean), slice(g.logStd)].reduce((acc, rows) => {
          for (let j = 0; j < 2; j++) {
            const col = [0, 1, 2, 3, 4].map((s) => rows[s * 2 + j]!);
            const m = col.reduce((a, b) => a + b, 0) / 5;
            acc += col.reduce((a, b) => a + (b - m) ** 2, 0) / 4;
          }
          return acc;
        }, 0);
      const vLR = trace(lr);
      const vRP = trace(rp);
      const k = vRP / (vLR + vRP + 1e-8);
      expect(k).toBeGreaterThan(0);
      expect(k).toBeLessThan(1);
      expectClose(
        slice(comb.mean),
        slice(lr.mean).map((v, i) => k * v + (1 - k) * slice(rp.mean)[i]!),
        1e-4,
        1e-4,
      );
      expectClose(
        slice(comb.logStd),
        slice(lr.logStd).map((v, i) => k * v + (1 - k) * slice(rp.logStd)[i]!),
        1e-4,
        1e-4,
      );
    }
  });

  it("estimatorSurrogate differentiates into the estimate through the caller's variables", async () => {
    const mean = tf.variable(tf.tensor1d(MU));
    const logStd = tf.variable(tf.tensor1d(SIGMA.map(Math.log)));
    const noise = tf.tensor2d(NOISE.slice(0, 10), [5, 2]);
    for (const name of ['rp', 'lr-loo', 'dice', 'tp']) {
      const estimator = getEstimator(name);
      const { grads } = tf.variableGrads(() => estimatorSurrogate(estimator, { mean: tf.mul(mean, 1), logStd, f: problem.f, samples: 5, rng: new Rng(0), noise }), [mean, logStd]);
      const direct = estimateGradient(estimator, problem, { samples: 5, rng: new Rng(0), noise });
      expectClose(await values(grads[mean.name]!), await values(direct.mean), 1e-4, 1e-4);
      expectClose(await values(grads[logStd.name]!), await values(direct.logStd), 1e-4, 1e-4);
      direct.dispose();
      tf.dispose(grads);
    }
    tf.dispose([mean, logStd, noise]);
  });

  it("estimates leave no tensors behind, also inside a caller's tidy", () => {
    const before = tf.memory().numTensors;
    for (const name of ['rp', 'lr', 'lr-optimal', 'lr+rp', 'tp', 'dice']) {
      tf.tidy(() => {
        estimateGradient(getEstimator(name), problem, { samples: 4, repeats: 3, rng: new Rng(1) });
      });
      estimateGradient(getEstimator(name), problem, { samples: 4, rng: new Rng(1) }).dispose();
    }
    const state = createStateHolder();
    tf.tidy(() => estimateGradient(getEstimator('lr-moving-average'), problem, { samples: 4, rng: new Rng(1), state }).dispose());
    expect(state.tensors!.average!.isDisposed).toBe(false); // kept across the caller's tidy
    state.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('plugin interface and registry', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('lists the built-ins as docs/architecture.md §6 objects', () => {
    const list = listEstimators();
    const names = list.map((e) => e.name);
    for (const name of ['lr', 'lr-constant', 'lr-moving-average', 'lr-loo', 'lr-optimal', 'lr-optimal-loo', 'rp', 'lr+rp', 'tp', 'dice']) expect(names).toContain(name);
    for (const e of list) {
      expect(Object.keys(e).slice(0, 4)).toEqual(['name', 'requires', 'unbiased', 'options']);
      expect(e.requires.every((r) => r === 'logProb' || r === 'pathwise')).toBe(true);
    }
    const byName = Object.fromEntries(list.map((e) => [e.name, e]));
    expect(byName['rp']!.requires).toEqual(['pathwise']);
    expect(byName['lr+rp']!.requires).toEqual(['logProb', 'pathwise']);
    expect(byName['lr-optimal']!.unbiased).toBe(false);
    expect(byName['lr-loo']!.unbiased).toBe(true);
    expect(byName['tp']!.unbiased).toBe(false);
    expect(JSON.parse(JSON.stringify(list))).toEqual(list);
  });

  it('unknown names list what is registered', () => {
    expect(() => getEstimator('nope')).toThrow(UnknownNameError);
    expect(() => getEstimator('nope')).toThrow(/Registered: .*lr\+rp.*rp/);
  });

  it('rejects malformed definitions and options with ConfigError', () => {
    const gradient = () => ({ mean: tf.zeros([1, 1, 1]), logStd: tf.zeros([1, 1, 1]) });
    expect(() => defineEstimator({ name: 'x', requires: ['magic' as 'logProb'], unbiased: true, gradient })).toThrow(ConfigError);
    expect(() => defineEstimator({ name: 'x', requires: ['logProb'], unbiased: true })).toThrow(/exactly one of/);
    expect(() => getEstimator('lr').with({ baseline: 'psychic' as 'none' })).toThrow(/baseline/);
    expect(() => getEstimator('lr').with({ colour: 1 } as never)).toThrow(/known keys/);
    expect(() => estimateGradient(getEstimator('lr-loo'), squareObjective(), { samples: 1, rng: new Rng(0) })).toThrow(/at least 2/);
  });

  it('registers a plugin by name', () => {
    const plugin = registerEstimator(
      defineEstimator({
        name: 'test-plugin-rp-twice',
        requires: ['pathwise'],
        unbiased: false,
        gradient: (inputs) => {
          const g = inputs.perSample(getEstimator('rp'));
          return { mean: tf.mul(g.mean, 2), logStd: tf.mul(g.logStd, 2) };
        },
      }),
    );
    expect(getEstimator('test-plugin-rp-twice')).toBe(plugin);
    expect(listEstimators().find((e) => e.name === 'test-plugin-rp-twice')).toMatchObject({ unbiased: false, requires: ['pathwise'] });
  });
});
