// Shared by the physics tests: a seeded generator, random states, and batch stepping in float64.
import { runBackward, runForward, type TapeProgram } from './batch.js';
import { recordStep, type StepOptions } from './sim.js';
import type { Model } from './model.js';

/** mulberry32: a small seeded generator for tests. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random state: hinges inside their limits, a random unit quaternion for a free joint, velocities up to `speed`. */
export function randomState(model: Model, rand: () => number, speed: number, height = 1): { q: number[]; qd: number[] } {
  const q = new Array<number>(model.nq).fill(0);
  const qd = Array.from({ length: model.nv }, () => speed * (2 * rand() - 1));
  for (const link of model.links) {
    if (link.joint === 'free') {
      const quat = [rand() - 0.5, rand() - 0.5, rand() - 0.5, rand() - 0.5];
      const n = Math.hypot(...quat);
      q.splice(link.qAdr, 7, rand() - 0.5, rand() - 0.5, height + rand() - 0.5, ...quat.map((v) => v / n));
    } else {
      const dof = model.dofs[link.dofAdr]!;
      const [lo, hi] = dof.limited ? [dof.lower, dof.upper] : [-0.5, 0.5];
      q[link.qAdr] = lo + (hi - lo) * (0.1 + 0.8 * rand());
    }
  }
  return { q, qd };
}

const programs = new WeakMap<Model, Map<string, TapeProgram>>();

/** One program per model and options, so that the batch runner records it once and replays it after. */
export function stepProgram(model: Model, options: StepOptions): TapeProgram {
  let byOptions = programs.get(model);
  if (byOptions === undefined) programs.set(model, (byOptions = new Map()));
  const key = JSON.stringify(options);
  let program = byOptions.get(key);
  if (program === undefined) {
    program = (tape, [q, qd, ctrl]) => {
      const next = recordStep(tape, model, q!, qd!, ctrl!, options);
      return [next.q, next.qd];
    };
    byOptions.set(key, program);
  }
  return program;
}

/** Steps a batch of float64 states `steps` times with fixed controls; returns every state along the way. */
export function rollout(model: Model, options: StepOptions, q: Float64Array, qd: Float64Array, ctrl: Float64Array, steps: number): { q: Float64Array; qd: Float64Array }[] {
  const batch = q.length / model.nq;
  const program = stepProgram(model, options);
  const out: { q: Float64Array; qd: Float64Array }[] = [];
  let state = { q, qd };
  for (let s = 0; s < steps; s++) {
    const next = { q: new Float64Array(q.length), qd: new Float64Array(qd.length) };
    runForward(
      program,
      batch,
      [
        { data: state.q, width: model.nq },
        { data: state.qd, width: model.nv },
        { data: ctrl, width: model.actuators.length },
      ],
      [
        { data: next.q, width: model.nq },
        { data: next.qd, width: model.nv },
      ],
    );
    out.push(next);
    state = next;
  }
  return out;
}

/**
 * A K-step rollout's loss L = Σ w_q·q_K + Σ w_qd·q̇_K (fixed weights) and its gradient with respect to
 * every control of every step, by the tape (backward step by step from the last).
 */
export function lossAndGradient(
  model: Model,
  options: StepOptions,
  q: Float64Array,
  qd: Float64Array,
  controls: Float64Array[],
  weights: { q: Float64Array; qd: Float64Array },
): { loss: number; gradient: Float64Array[] } {
  const batch = q.length / model.nq;
  const nu = model.actuators.length;
  const program = stepProgram(model, options);
  const states = [{ q, qd }];
  for (const ctrl of controls) states.push(rollout(model, options, states[states.length - 1]!.q, states[states.length - 1]!.qd, ctrl, 1)[0]!);
  const end = states[states.length - 1]!;
  let loss = 0;
  for (let i = 0; i < end.q.length; i++) loss += weights.q[i]! * end.q[i]!;
  for (let i = 0; i < end.qd.length; i++) loss += weights.qd[i]! * end.qd[i]!;
  let gq = Float64Array.from(weights.q);
  let gqd = Float64Array.from(weights.qd);
  const gradient: Float64Array[] = [];
  for (let k = controls.length - 1; k >= 0; k--) {
    const inQ = new Float64Array(gq.length);
    const inQd = new Float64Array(gqd.length);
    const inCtrl = new Float64Array(batch * nu);
    runBackward(
      program,
      batch,
      [
        { data: states[k]!.q, width: model.nq },
        { data: states[k]!.qd, width: model.nv },
        { data: controls[k]!, width: nu },
      ],
      [
        { data: gq, width: model.nq },
        { data: gqd, width: model.nv },
      ],
      [
        { data: inQ, width: model.nq },
        { data: inQd, width: model.nv },
        { data: inCtrl, width: nu },
      ],
    );
    gradient.unshift(inCtrl);
    gq = inQ;
    gqd = inQd;
  }
  return { loss, gradient };
}
