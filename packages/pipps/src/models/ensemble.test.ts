import '@pathwise/backend-cpu';
import { ConfigError, gradCheck, Rng, tf, useBackend } from '@pathwise/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { EnsembleModel } from './ensemble.js';
import type { TransitionData } from './types.js';

tf.env().set('PROD', true);

/** Δ = sin(2x) + 0.5u + 0.05·noise, one state and one action. */
function toyData(N: number, seed: number): TransitionData {
  const rng = new Rng(seed);
  const states = Float64Array.from({ length: N }, () => rng.uniform() * 3 - 1.5);
  const actions = Float64Array.from({ length: N }, () => rng.uniform() * 2 - 1);
  const nextStates = Float64Array.from(states, (x, i) => x + Math.sin(2 * x) + 0.5 * actions[i]! + 0.05 * rng.normal());
  return { count: N, stateDim: 1, actionDim: 1, states, actions, nextStates };
}

describe('probabilistic ensemble', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('fitting lowers the training and held-out NLL of a simple function', () => {
    const train = toyData(120, 1);
    const heldOut = toyData(60, 2);
    const untrained = new EnsembleModel(1, 1, { members: 3, hidden: [24, 24], steps: 0 });
    const trained = new EnsembleModel(1, 1, { members: 3, hidden: [24, 24], steps: 250, lr: 1e-2 });
    const before = untrained.fit(train, new Rng(3));
    const report = trained.fit(train, new Rng(3)); // same initial weights as `untrained`
    expect(report.initialLoss).toBeCloseTo(before.loss, 5);
    expect(report.loss).toBeLessThan(report.initialLoss - 0.5);
    const nllBefore = untrained.nll(heldOut);
    const nllAfter = trained.nll(heldOut);
    expect(Number.isFinite(nllAfter)).toBe(true);
    expect(nllAfter).toBeLessThan(nllBefore - 0.5);
    untrained.dispose();
    trained.dispose();
  });

  it('row r uses member r mod E (fixed particle ↔ member assignment), is differentiable in the inputs, and round-trips its state', async () => {
    const model = new EnsembleModel(1, 1, { members: 3, hidden: [16], steps: 50 });
    model.fit(toyData(40, 4), new Rng(5));
    const x = tf.tensor2d([[-1], [-0.5], [0], [0.5], [1], [1.2]]);
    const u = tf.tensor2d([[0.1], [-0.3], [0.2], [0.9], [-0.7], [0]]);
    const { mean, std } = model.predict(x, u);
    const all = model.predictAll(x, u);
    const m = mean.dataSync();
    const s = std.dataSync();
    const am = all.mean.dataSync();
    const av = all.variance.dataSync();
    const rows = 6;
    for (let r = 0; r < rows; r++) {
      expect(m[r]).toBeCloseTo(am[(r % 3) * rows + r]!, 5);
      expect(s[r]! ** 2).toBeCloseTo(av[(r % 3) * rows + r]!, 6);
    }
    // Members differ (otherwise the assignment check above would be vacuous).
    expect(Math.abs(am[0]! - am[rows]!)).toBeGreaterThan(1e-4);
    expect(() => model.predict(tf.zeros([4, 1]), tf.zeros([4, 1]))).toThrow(ConfigError);

    const copy = new EnsembleModel(1, 1, { members: 3, hidden: [16] });
    copy.load(JSON.parse(JSON.stringify(model.state())));
    const again = copy.predict(x, u);
    expect(Array.from(again.mean.dataSync())).toEqual(Array.from(m));

    const z = tf.concat([x, u], 1);
    const check = await gradCheck(
      (input) => {
        const [xs, us] = tf.split(input, 2, 1);
        const out = model.predict(xs!, us!);
        return tf.add(tf.sum(out.mean), tf.sum(out.std)) as tf.Scalar;
      },
      z,
      { eps: 1e-2, rtol: 3e-2, atol: 2e-3 },
    );
    expect(check.ok, JSON.stringify(check)).toBe(true);
    tf.dispose([x, u, mean, std, all.mean, all.variance, again.mean, again.std, z]);
    model.dispose();
    copy.dispose();
  });
});

describe('model options', () => {
  it('bad GP and ensemble options name the key, the value and what is allowed', async () => {
    const { GaussianProcessModel } = await import('./gp.js');
    expect(() => new GaussianProcessModel(4, 1, { lr: 0 })).toThrow(/'gp\.lr': got 0, expected a finite number >= /);
    expect(() => new GaussianProcessModel(4, 1, { inducingPoints: 2.5 })).toThrow(/'gp\.inducingPoints'/);
    expect(new GaussianProcessModel(4, 1, { variancePoints: undefined }).options.variancePoints).toBe(50);
    expect(() => new EnsembleModel(4, 1, { hidden: [16, 0] })).toThrow(/'ensemble\.hidden'/);
    expect(() => new EnsembleModel(4, 1, { minLogVariance: 1, maxLogVariance: 0 })).toThrow(/'ensemble\.minLogVariance'/);
    expect(() => new EnsembleModel(4, 1, { batch: 3 } as never)).toThrow(/one of the known keys: ensemble\.activation/);
  });
});
