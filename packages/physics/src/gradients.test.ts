// The tape's gradients of multi-step rollouts with contact active against central differences, in
// float64 on the host (the simulator computes in float64; the env kernel only rounds its inputs and
// outputs to float32).
import { describe, expect, it } from 'vitest';
import { hopperModel, antModel, DIFFRL_STEP } from './models/diffrl.js';
import { lossAndGradient, randomState, rollout, seeded } from './test-support.js';
import { runForward } from './batch.js';
import { recordContactHeights } from './sim.js';
import type { Model } from './model.js';

interface Case {
  name: string;
  model: Model;
  /** A start in contact with the ground. */
  start: (rand: () => number) => { q: number[]; qd: number[] };
}

const hopper = hopperModel();
const ant = antModel();
const CASES: Case[] = [
  {
    name: 'hopper',
    model: hopper,
    // Standing: the foot's lowest points at 0.04 m above the ground at rootz = 0, so rootz = −0.045 presses it in.
    start: (rand) => ({ q: [0, -0.045, 0.05 * (rand() - 0.5), -0.1 * rand(), -0.1 * rand(), 0.1 * (rand() - 0.5)], qd: Array.from({ length: 6 }, () => 0.2 * (rand() - 0.5)) }),
  },
  {
    name: 'ant',
    model: ant,
    // DiffRL's start pose lowered so that the feet and the torso's legs touch.
    start: (rand) => {
      const s = randomState(ant, rand, 0.2);
      s.q.splice(0, 7, 0, 0, 0.42, 1, 0, 0, 0);
      [0, 1, 0, -1, 0, -1, 0, 1].forEach((v, i) => (s.q[7 + i] = v + 0.1 * (rand() - 0.5)));
      return s;
    },
  },
];

function check(c: Case, steps: number, seed: number, columns = Infinity): { worst: number; scale: number; contacts: number } {
  const rand = seeded(seed);
  const { model } = c;
  const nu = model.actuators.length;
  const batch = 1;
  const states = Array.from({ length: batch }, () => c.start(rand));
  const q = Float64Array.from(states.flatMap((s) => s.q));
  const qd = Float64Array.from(states.flatMap((s) => s.qd));
  const controls = Array.from({ length: steps }, () => Float64Array.from({ length: batch * nu }, () => 0.6 * (2 * rand() - 1)));
  const weights = { q: Float64Array.from(q, () => 2 * rand() - 1), qd: Float64Array.from(qd, () => 0.1 * (2 * rand() - 1)) };
  const { gradient } = lossAndGradient(model, DIFFRL_STEP, q, qd, controls, weights);
  // How many contact spheres are below the ground at the start (the check must exercise contact).
  const count = model.links.reduce((n, l) => n + l.contacts.length, 0);
  const heights = new Float64Array(count);
  runForward((t, [x]) => [recordContactHeights(t, model, x!)], 1, [{ data: q, width: model.nq }], [{ data: heights, width: count }]);
  const contacts = heights.filter((h) => h < 0).length;
  let worst = 0;
  let scale = 0;
  const eps = 1e-6;
  for (const k of [0, steps - 1]) {
    for (let j = 0; j < Math.min(batch * nu, columns); j += nu > 4 ? 2 : 1) {
      const loss = (delta: number) => {
        const perturbed = controls.map((ctrl, s) => (s === k ? ctrl.map((v, i) => (i === j ? v + delta : v)) : ctrl));
        return forwardLoss(model, q, qd, perturbed, weights);
      };
      const fd = (loss(eps) - loss(-eps)) / (2 * eps);
      worst = Math.max(worst, Math.abs(fd - gradient[k]![j]!));
      scale = Math.max(scale, Math.abs(fd));
    }
  }
  return { worst, scale, contacts };
}

function forwardLoss(model: Model, q: Float64Array, qd: Float64Array, controls: Float64Array[], weights: { q: Float64Array; qd: Float64Array }): number {
  let state = { q, qd };
  for (const ctrl of controls) state = rollout(model, DIFFRL_STEP, state.q, state.qd, ctrl, 1)[0]!;
  let loss = 0;
  state.q.forEach((v, i) => (loss += weights.q[i]! * v));
  state.qd.forEach((v, i) => (loss += weights.qd[i]! * v));
  return loss;
}

describe('action gradients through 10 steps with contact active = central differences (float64)', () => {
  it.each(CASES)('$name', (c) => {
    const { worst, scale, contacts } = check(c, 10, 3);
    console.log(
      `${c.name}, 10 steps, ${contacts} contact spheres penetrating at the start: max |tape − FD| ${worst.toExponential(2)} of max |FD| ${scale.toExponential(2)} (relative ${(worst / scale).toExponential(2)})`,
    );
    expect(contacts).toBeGreaterThan(0);
    expect(scale).toBeGreaterThan(1e-3);
    expect(worst / scale).toBeLessThan(1e-5);
  });
});

describe('action gradients through 50 steps with contact (float64)', () => {
  it.each(CASES)('$name', (c) => {
    const { worst, scale, contacts } = check(c, 50, 4, 3);
    console.log(
      `${c.name}, 50 steps, ${contacts} contact spheres penetrating at the start: max |tape − FD| ${worst.toExponential(2)} of max |FD| ${scale.toExponential(2)} (relative ${(worst / scale).toExponential(2)})`,
    );
    expect(contacts).toBeGreaterThan(0);
    expect(worst / scale).toBeLessThan(1e-4);
  });
});
