import '@pathwise/backend-cpu';
import '@pathwise/backend-wasm';
import { Rng, useBackend, tf } from '@pathwise/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { dice, diceObjective, magicBox } from './dice.js';
import { estimateSecondDerivatives } from './estimate.js';
import { expObjective, squareObjective } from './objectives.js';
import { gradientDiagnostics } from './diagnostics.js';

tf.env().set('PROD', true);

describe.each(['cpu', 'wasm'])('DiCE second derivatives on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it('magic box is 1 in value and reproduces ∇τ at first and second order', async () => {
    const x = tf.scalar(0.7);
    const tau = (v: tf.Tensor) => tf.mul(tf.square(v), 1.5); // τ = 1.5 x²
    expect(await magicBox(tau(x)).data()).toEqual(new Float32Array([1]));
    const d1 = tf.grad((v) => magicBox(tau(v)))(x); // τ' = 3x
    const d2 = tf.grad((v) => tf.grad((w) => magicBox(tau(w)))(v))(x); // τ'' + τ'² = 3 + 9x²
    expect((await d1.data())[0]).toBeCloseTo(2.1, 5);
    expect((await d2.data())[0]).toBeCloseTo(3 + 9 * 0.49, 4);
  });

  // Closed-form Hessians of E_{N(μ,σ²)} f in (μ, log σ): x² gives [[2, 0], [0, 4σ²]];
  // exp(x) gives A·[[1, σ²], [σ², 2σ² + σ⁴]], A = exp(μ + σ²/2). 5 standard errors over 1500 estimates.
  for (const [label, estimator] of [
    ['none', dice()],
    ['leave-one-out', dice('dice-loo', 'leave-one-out')],
  ] as const) {
    for (const objective of [squareObjective(0.3, 0.9), expObjective(0.1, 0.6)]) {
      it(`${label} baseline: Hessian of E[${objective.name}] within 5 SE of the closed form`, async () => {
        const repeats = 1500;
        const est = estimateSecondDerivatives(estimator, objective, { samples: 16, repeats, rng: new Rng(11) });
        const blocks = await Promise.all([est.meanMean.data(), est.meanLogStd.data(), est.logStdMean.data(), est.logStdLogStd.data()]);
        est.dispose();
        const rows = new Float64Array(repeats * 4);
        for (let r = 0; r < repeats; r++) for (let b = 0; b < 4; b++) rows[r * 4 + b] = blocks[b]![r]!;
        const h = objective.hessianRowSums;
        const reference = [h.meanMean[0]!, h.meanLogStd[0]!, h.logStdMean[0]!, h.logStdLogStd[0]!];
        const d = gradientDiagnostics(rows, repeats, 4, reference);
        for (let b = 0; b < 4; b++) expect(d.biasZ![b]!, `block ${b}: ${d.mean[b]} vs ${reference[b]}`).toBeLessThan(5);
        // The test has power: a first-order-only surrogate (no □ on the second derivative) would give
        // E[∂²] = 0 for the μμ block of x², far outside 5 SE of 2.
        expect(5 * d.standardError[0]!).toBeLessThan(Math.abs(reference[0]!));
      });
    }
  }

  it('diceObjective: multi-node objective has the right second derivative', async () => {
    // Two independent nodes x_t ~ N(θ_t, 1), costs c_t = x_t²: E Σ c = Σ (θ_t² + 1), ∂²/∂θ_0² = 2.
    const theta = tf.tensor1d([0.4, -0.2]);
    const n = 4000;
    const rng = new Rng(5);
    const noise = rng.normalTensor([n, 2]);
    const x = tf.add(theta, noise); // the samples: made outside the differentiated function, so detached
    const secondDerivative = tf.tidy(() => {
      const objective = (t: tf.Tensor) => {
        const logProbs = tf.mul(tf.square(tf.sub(x, t)), -0.5);
        return tf.mean(diceObjective({ logProbs, costs: tf.square(x) }));
      };
      const g0 = (t: tf.Tensor) => tf.sum(tf.mul(tf.grad(objective)(t), tf.tensor1d([1, 0])));
      return tf.grad(g0)(theta);
    });
    const [h00, h01] = await secondDerivative.data();
    // Per sample, ∂²/∂θ_0² of the objective is (ε_0² − 1)(x_0² + x_1²) and ∂²/∂θ_0∂θ_1 is ε_0 ε_1 x_1²
    // (node 1's box holds τ_0 + τ_1): the tfjs result must equal their mean, which must be within 5 SE of (2, 0).
    const eps = await noise.data();
    const d00: number[] = [];
    const d01: number[] = [];
    for (let i = 0; i < n; i++) {
      const [e0, e1] = [eps[2 * i]!, eps[2 * i + 1]!];
      const [x0, x1] = [0.4 + e0, -0.2 + e1];
      d00.push((e0 * e0 - 1) * (x0 * x0 + x1 * x1));
      d01.push(e0 * e1 * x1 * x1);
    }
    const stats = (v: number[]) => {
      const m = v.reduce((a, b) => a + b, 0) / v.length;
      return { m, se: Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1) / v.length) };
    };
    const s00 = stats(d00);
    const s01 = stats(d01);
    expect(Math.abs(h00! - s00.m)).toBeLessThan(1e-3 * (1 + Math.abs(s00.m)));
    expect(Math.abs(h01! - s01.m)).toBeLessThan(1e-3 * (1 + Math.abs(s01.m)));
    expect(Math.abs(s00.m - 2)).toBeLessThan(5 * s00.se);
    expect(Math.abs(s01.m)).toBeLessThan(5 * s01.se);
    tf.dispose([theta, noise, x, secondDerivative]);
  });
});
