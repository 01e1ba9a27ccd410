import { tf } from '@pathwise/core';
import type { Rng } from '@pathwise/core';
import { defineEnv, type Env, type EnvOptions } from '../env.js';
import { TRACE_WIDTH, traceSubstep, type FusedStep } from '../fused.js';
import { lit } from '../fused-gpu.js';

// A torque-driven double pendulum of two point masses on massless rods (our own task definition,
// for chaos studies). Angles are absolute and measured from the downward vertical; the motor acts
// at the shoulder (joint 1). Equations of motion from the Lagrangian:
//   (m1+m2) l1² θ̈1 + m2 l1 l2 cosδ θ̈2 = τ − m2 l1 l2 sinδ ω2² − (m1+m2) g l1 sinθ1 − b ω1
//   m2 l1 l2 cosδ θ̈1 + m2 l2² θ̈2      =     m2 l1 l2 sinδ ω1² − m2 g l2 sinθ2      − b ω2
// with δ = θ1 − θ2, integrated with classical RK4, 4 substeps of 0.0125 s per 0.05 s control step (in float64 this
// keeps the energy of high-energy, chaotic swings to ~0.1% over a 10 s episode; 2 substeps: ~1%).

export const DOUBLE_PENDULUM = {
  mass1: 1,
  mass2: 1,
  length1: 1,
  length2: 1,
  gravity: 9.81,
  damping: 0,
  maxTorque: 5,
  dt: 0.05,
  substeps: 4,
  episodeLength: 200,
} as const;

// One [B] tensor per coordinate (column slicing is slow on the cpu backend).
type State = { theta1: tf.Tensor; theta2: tf.Tensor; omega1: tf.Tensor; omega2: tf.Tensor } & Record<string, tf.Tensor>;
type Coordinates = [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];

export function doublePendulumEnv(options: EnvOptions = {}): Env<State> {
  const c = DOUBLE_PENDULUM;
  const m12 = c.mass1 + c.mass2;
  const a11 = m12 * c.length1 * c.length1;
  const a12 = c.mass2 * c.length1 * c.length2;
  const a22 = c.mass2 * c.length2 * c.length2;
  const g1 = m12 * c.gravity * c.length1;
  const g2 = c.mass2 * c.gravity * c.length2;
  const h = c.dt / c.substeps;

  // Multiplying by a constant 1 (unit masses and lengths) is skipped: each multiply costs a dispatch
  // forward and several (cast, multiply, reshape) backward.
  const scale = (x: tf.Tensor, k: number): tf.Tensor => (k === 1 ? x : tf.mul(x, k));

  /** d/dt [θ1, θ2, ω1, ω2] for a torque τ ([B]). */
  const derivative = ([th1, th2, w1, w2]: Coordinates, torque: tf.Tensor): Coordinates => {
    const delta = tf.sub(th1, th2);
    const sinD = scale(tf.sin(delta), a12);
    const cosD = scale(tf.cos(delta), a12);
    let rhs1 = tf.sub(tf.sub(torque, tf.mul(sinD, tf.square(w2))), tf.mul(tf.sin(th1), g1));
    let rhs2 = tf.sub(tf.mul(sinD, tf.square(w1)), tf.mul(tf.sin(th2), g2));
    if (c.damping !== 0) {
      rhs1 = tf.sub(rhs1, tf.mul(w1, c.damping));
      rhs2 = tf.sub(rhs2, tf.mul(w2, c.damping));
    }
    // M q̈ = rhs, M = [[a11, a12 cosδ], [a12 cosδ, a22]], solved in closed form.
    const det = tf.sub(a11 * a22, tf.square(cosD));
    const acc1 = tf.div(tf.sub(scale(rhs1, a22), tf.mul(cosD, rhs2)), det);
    const acc2 = tf.div(tf.sub(scale(rhs2, a11), tf.mul(cosD, rhs1)), det);
    return [w1, w2, acc1, acc2];
  };
  const axpy = (z: Coordinates, k: Coordinates, scale: number): Coordinates => z.map((v, i) => tf.add(v, tf.mul(k[i]!, scale))) as Coordinates;

  return defineEnv<State>(
    {
      name: 'double-pendulum',
      description: 'Torque-driven double pendulum (point masses, RK4): chaotic; reward = tip height, 200 steps of 0.05 s',
      obsDim: 6,
      actDim: 1,
      episodeLength: c.episodeLength,
      action: { names: ['shoulder_torque'], units: ['N·m'], low: [-c.maxTorque], high: [c.maxTorque] },
      rewardDescription: 'r = (−l1 cosθ1 − l2 cosθ2)/(l1 + l2) − 0.001·τ²: tip height in [−1, 1] (1 = both links up), after the step',
      observationNames: ['cos_theta1', 'sin_theta1', 'cos_theta2', 'sin_theta2', 'omega1', 'omega2'],
      constants: { ...c, integrator: 'RK4', angles: 'absolute, from the downward vertical' },
      init: (batch: number, rng: Rng) => {
        // High-energy starts (uniform angles) put most episodes in the chaotic regime.
        const columns = [new Float32Array(batch), new Float32Array(batch), new Float32Array(batch), new Float32Array(batch)] as const;
        for (let i = 0; i < batch; i++) {
          columns[0][i] = rng.uniform() * 2 * Math.PI - Math.PI;
          columns[1][i] = rng.uniform() * 2 * Math.PI - Math.PI;
          columns[2][i] = rng.uniform() * 2 - 1;
          columns[3][i] = rng.uniform() * 2 - 1;
        }
        const [theta1, theta2, omega1, omega2] = columns.map((v) => tf.tensor1d(v));
        return { theta1: theta1!, theta2: theta2!, omega1: omega1!, omega2: omega2! };
      },
      observe: (state) => tf.stack([tf.cos(state.theta1), tf.sin(state.theta1), tf.cos(state.theta2), tf.sin(state.theta2), state.omega1, state.omega2], 1),
      fused: DOUBLE_PENDULUM_FUSED,
      transition: (state, action) => {
        const torque = tf.mul(tf.reshape(action, [-1]), c.maxTorque);
        let z: Coordinates = [state.theta1, state.theta2, state.omega1, state.omega2];
        for (let i = 0; i < c.substeps; i++) {
          const k1 = derivative(z, torque);
          const k2 = derivative(axpy(z, k1, h / 2), torque);
          const k3 = derivative(axpy(z, k2, h / 2), torque);
          const k4 = derivative(axpy(z, k3, h), torque);
          z = z.map((v, j) => tf.add(v, tf.mul(tf.addN([k1[j]!, tf.mul(k2[j]!, 2), tf.mul(k3[j]!, 2), k4[j]!]), h / 6))) as Coordinates;
        }
        const [th1, th2, w1, w2] = z;
        const height = tf.mul(tf.add(scale(tf.cos(th1), c.length1), scale(tf.cos(th2), c.length2)), -1 / (c.length1 + c.length2));
        const reward = tf.sub(height, tf.mul(tf.square(torque), 0.001));
        return { state: { theta1: th1, theta2: th2, omega1: w1, omega2: w2 }, reward };
      },
    },
    options,
  );
}

// The fused step: `transition` and `observe` above, per env, with Math.fround after every operation,
// every number operand rounded to float32 as tfjs rounds it, the multiplications by a constant 1
// skipped as `scale` skips them, and tf.addN summed left to right in float32 (as the cpu kernel
// accumulates), so that on the cpu backend it is bit-identical to the op path.
const F = Math.fround;
const K = (() => {
  const c = DOUBLE_PENDULUM;
  const m12 = c.mass1 + c.mass2;
  const h = c.dt / c.substeps;
  return {
    a11: m12 * c.length1 * c.length1,
    a12: c.mass2 * c.length1 * c.length2,
    a22: c.mass2 * c.length2 * c.length2,
    /** a11·a22 as the op path's number operand of tf.sub. */
    a11a22: F(m12 * c.length1 * c.length1 * c.mass2 * c.length2 * c.length2),
    g1: F(m12 * c.gravity * c.length1),
    g2: F(c.mass2 * c.gravity * c.length2),
    damping: F(c.damping),
    torque: F(c.maxTorque),
    halfH: F(h / 2),
    h: F(h),
    sixthH: F(h / 6),
    length1: c.length1,
    length2: c.length2,
    heightScale: F(-1 / (c.length1 + c.length2)),
    torquePenalty: F(0.001),
    substeps: c.substeps,
  };
})();

/** `scale` of the op path: x·k rounded to float32, or x itself for k = 1. */
const scaled = (x: number, k: number): number => (k === 1 ? x : F(x * F(k)));

/** The accelerations of the last `accelerations` call (no allocation per call). */
const ACC = new Float64Array(2);

/**
 * θ̈1, θ̈2 into ACC, as `derivative` computes them. With `trace`, row `row` records the inputs and the
 * intermediate values the adjoint needs: θ1, θ2, ω1, ω2, a12 sinδ, a12 cosδ, sin θ1, sin θ2, rhs1, rhs2.
 */
function accelerations(th1: number, th2: number, w1: number, w2: number, torque: number, trace?: Float64Array, row = 0): void {
  const delta = F(th1 - th2);
  const sinD = scaled(F(Math.sin(delta)), K.a12);
  const cosD = scaled(F(Math.cos(delta)), K.a12);
  const s1 = F(Math.sin(th1));
  const s2 = F(Math.sin(th2));
  let rhs1 = F(F(torque - F(sinD * F(w2 * w2))) - F(s1 * K.g1));
  let rhs2 = F(F(sinD * F(w1 * w1)) - F(s2 * K.g2));
  if (K.damping !== 0) {
    rhs1 = F(rhs1 - F(w1 * K.damping));
    rhs2 = F(rhs2 - F(w2 * K.damping));
  }
  if (trace !== undefined) traceSubstep(trace, row, th1, th2, w1, w2, sinD, cosD, s1, s2, rhs1, rhs2);
  const det = F(K.a11a22 - F(cosD * cosD));
  ACC[0] = F(F(scaled(rhs1, K.a22) - F(cosD * rhs2)) / det);
  ACC[1] = F(F(scaled(rhs2, K.a11) - F(cosD * rhs1)) / det);
}

/** Stage s + 1 of a substep evaluates the derivative at z + step_s·k_s (RK4: h/2, h/2, h). */
const STAGE_STEPS = [K.halfH, K.halfH, K.h] as const;
const STAGE = new Float64Array(4);
const RATES = new Float64Array(4);
const SUM = new Float64Array(4);

/** The state after one control step (RK4 substeps) into `z` = [θ1, θ2, ω1, ω2]; with `trace`, one row per derivative evaluation (4 per substep). */
function integrate(z: Float64Array, torque: number, trace?: Float64Array): void {
  for (let k = 0; k < K.substeps; k++) {
    STAGE.set(z);
    for (let s = 0; s < 4; s++) {
      accelerations(STAGE[0]!, STAGE[1]!, STAGE[2]!, STAGE[3]!, torque, trace, 4 * k + s);
      // The stage's rates k_s = (ω1, ω2, θ̈1, θ̈2); Σ = k1 + 2k2 + 2k3 + k4 accumulated left to right as tf.addN does.
      RATES[0] = STAGE[2]!;
      RATES[1] = STAGE[3]!;
      RATES[2] = ACC[0]!;
      RATES[3] = ACC[1]!;
      for (let j = 0; j < 4; j++) {
        const rate = RATES[j]!;
        SUM[j] = s === 0 ? rate : F(SUM[j]! + (s === 3 ? rate : F(rate * 2)));
        if (s < 3) STAGE[j] = F(z[j]! + F(rate * STAGE_STEPS[s]!));
      }
    }
    for (let j = 0; j < 4; j++) z[j] = F(z[j]! + F(SUM[j]! * K.sixthH));
  }
}

/**
 * The vector-Jacobian product of one derivative evaluation (trace row `row`): `g` is the cotangent of
 * its outputs (ω1, ω2, θ̈1, θ̈2); writes the cotangent of its inputs (θ1, θ2, ω1, ω2) into `out` and
 * returns the one of the torque. Float64, from the traced float32 values.
 */
function derivativeVjp(trace: Float64Array, row: number, g: Float64Array, out: Float64Array): number {
  const at = row * TRACE_WIDTH;
  const th1 = trace[at]!;
  const th2 = trace[at + 1]!;
  const w1 = trace[at + 2]!;
  const w2 = trace[at + 3]!;
  const sinD = trace[at + 4]!;
  const cosD = trace[at + 5]!;
  const rhs1 = trace[at + 8]!;
  const rhs2 = trace[at + 9]!;
  // θ̈1 = (a22 rhs1 − C rhs2)/det, θ̈2 = (a11 rhs2 − C rhs1)/det, det = a11 a22 − C², C = a12 cos δ, S = a12 sin δ.
  const det = K.a11a22 - cosD * cosD;
  const gNum1 = g[2]! / det;
  const gNum2 = g[3]! / det;
  const gDet = -(gNum1 * (K.a22 * rhs1 - cosD * rhs2) + gNum2 * (K.a11 * rhs2 - cosD * rhs1)) / det;
  const gRhs1 = K.a22 * gNum1 - cosD * gNum2;
  const gRhs2 = K.a11 * gNum2 - cosD * gNum1;
  const gCos = -rhs2 * gNum1 - rhs1 * gNum2 - 2 * cosD * gDet;
  // rhs1 = τ − S ω2² − g1 sin θ1 − b ω1, rhs2 = S ω1² − g2 sin θ2 − b ω2.
  const gSin = -w2 * w2 * gRhs1 + w1 * w1 * gRhs2;
  const gDelta = gSin * cosD - gCos * sinD;
  out[0] = gDelta - gRhs1 * K.g1 * Math.cos(th1);
  out[1] = -gDelta - gRhs2 * K.g2 * Math.cos(th2);
  out[2] = g[0]! + gRhs2 * 2 * sinD * w1 - gRhs1 * K.damping;
  out[3] = g[1]! - gRhs1 * 2 * sinD * w2 - gRhs2 * K.damping;
  return gRhs1;
}

// The same step as shader code (fused-gpu.ts); S0…S3 = θ1, θ2, ω1, ω2. `stage(n, …)` declares stage n's
// accelerations accN1, accN2 (and, for the adjoint, the values it needs) from its coordinates.
function stage(n: string, th1: string, th2: string, w1: string, w2: string): string {
  const scale = (x: string, k: number) => (k === 1 ? x : `${x} * ${lit(k)}`);
  const damping = (rhs: string, w: string) => (K.damping !== 0 ? `${rhs} = ${rhs} - ${w} * ${lit(K.damping)};` : '');
  return `
float sinD${n} = ${scale(`sin(${th1} - ${th2})`, K.a12)};
float cosD${n} = ${scale(`cos(${th1} - ${th2})`, K.a12)};
float rhs${n}1 = torque - sinD${n} * (${w2} * ${w2}) - sin(${th1}) * ${lit(K.g1)};
float rhs${n}2 = sinD${n} * (${w1} * ${w1}) - sin(${th2}) * ${lit(K.g2)};
${damping(`rhs${n}1`, w1)} ${damping(`rhs${n}2`, w2)}
float det${n} = ${lit(K.a11a22)} - cosD${n} * cosD${n};
float acc${n}1 = (${scale(`rhs${n}1`, K.a22)} - cosD${n} * rhs${n}2) / det${n};
float acc${n}2 = (${scale(`rhs${n}2`, K.a11)} - cosD${n} * rhs${n}1) / det${n};
`;
}

/** Each RK4 stage's name and the coordinates (θ1, θ2, ω1, ω2) where it evaluates the derivative. */
const GPU_STAGES = [
  ['A', 'th1', 'th2', 'w1', 'w2'],
  ['B', 't2a', 't2b', 'w2a', 'w2b'],
  ['C', 't3a', 't3b', 'w3a', 'w3b'],
  ['D', 't4a', 't4b', 'w4a', 'w4b'],
] as const;

/** One RK4 substep from (th1, th2, w1, w2), leaving every stage's coordinates and accelerations in scope. */
const GPU_SUBSTEP = GPU_STAGES.map(([n, th1, th2, w1, w2], s) => {
  if (s === 0) return stage(n, th1, th2, w1, w2);
  // z + step·k of the previous stage, k = (its ω1, ω2, θ̈1, θ̈2).
  const [p, , , pw1, pw2] = GPU_STAGES[s - 1]!;
  const step = lit(STAGE_STEPS[s - 1]!);
  return `float ${th1} = th1 + ${pw1} * ${step}; float ${th2} = th2 + ${pw2} * ${step};
float ${w1} = w1 + acc${p}1 * ${step}; float ${w2} = w2 + acc${p}2 * ${step};
${stage(n, th1, th2, w1, w2)}`;
}).join('\n');

/** The forward step; with `trace`, the coordinates before each substep are kept in arrays. */
function doublePendulumGpuStep(trace: boolean): string {
  const n = K.substeps;
  return `
float torque = act(row, 0) * ${lit(K.torque)};
float th1 = S0;
float th2 = S1;
float w1 = S2;
float w2 = S3;
${trace ? `float trTh1[${n}]; float trTh2[${n}]; float trW1[${n}]; float trW2[${n}];` : ''}
for (int k = 0; k < ${n}; k++) {
  ${trace ? 'trTh1[k] = th1; trTh2[k] = th2; trW1[k] = w1; trW2[k] = w2;' : ''}
  ${GPU_SUBSTEP}
  th1 = th1 + (w1 + w2a * 2.0 + w3a * 2.0 + w4a) * ${lit(K.sixthH)};
  th2 = th2 + (w2 + w2b * 2.0 + w3b * 2.0 + w4b) * ${lit(K.sixthH)};
  w1 = w1 + (accA1 + accB1 * 2.0 + accC1 * 2.0 + accD1) * ${lit(K.sixthH)};
  w2 = w2 + (accA2 + accB2 * 2.0 + accC2 * 2.0 + accD2) * ${lit(K.sixthH)};
}
float c1 = cos(th1);
float c2 = cos(th2);
float height = (${K.length1 === 1 ? 'c1' : `c1 * ${lit(K.length1)}`} + ${K.length2 === 1 ? 'c2' : `c2 * ${lit(K.length2)}`}) * ${lit(K.heightScale)};
`;
}

/**
 * The adjoint of stage n (as derivativeVjp): adds the cotangent of its coordinates to gz1…gz4 (and to
 * `into…` scaled by `step`, the stage's coordinates being z + step·k of the previous stage) and of the torque to gTorque.
 */
function stageVjp(n: string, th1: string, th2: string, w1: string, w2: string, g: string, into: string | undefined, step: number): string {
  const damping = (j: number) => (K.damping !== 0 ? ` - gRhs${n}${j} * ${lit(K.damping)}` : '');
  const add = (j: number, v: string) => `float gIn${n}${j} = ${v}; gz${j} += gIn${n}${j};${into === undefined ? '' : ` ${into}${j} += gIn${n}${j} * ${lit(step)};`}`;
  return `
float gNum${n}1 = ${g}3 / det${n};
float gNum${n}2 = ${g}4 / det${n};
float gDet${n} = -(gNum${n}1 * (${lit(K.a22)} * rhs${n}1 - cosD${n} * rhs${n}2) + gNum${n}2 * (${lit(K.a11)} * rhs${n}2 - cosD${n} * rhs${n}1)) / det${n};
float gRhs${n}1 = ${lit(K.a22)} * gNum${n}1 - cosD${n} * gNum${n}2;
float gRhs${n}2 = ${lit(K.a11)} * gNum${n}2 - cosD${n} * gNum${n}1;
float gCos${n} = -rhs${n}2 * gNum${n}1 - rhs${n}1 * gNum${n}2 - 2.0 * cosD${n} * gDet${n};
float gDelta${n} = (-${w2} * ${w2} * gRhs${n}1 + ${w1} * ${w1} * gRhs${n}2) * cosD${n} - gCos${n} * sinD${n};
gTorque += gRhs${n}1;
${add(1, `gDelta${n} - gRhs${n}1 * ${lit(K.g1)} * cos(${th1})`)}
${add(2, `-gDelta${n} - gRhs${n}2 * ${lit(K.g2)} * cos(${th2})`)}
${add(3, `${g}1 + gRhs${n}2 * 2.0 * sinD${n} * ${w1}${damping(1)}`)}
${add(4, `${g}2 - gRhs${n}1 * 2.0 * sinD${n} * ${w2}${damping(2)}`)}
`;
}

// The adjoint of doublePendulumGpuStep(true), as DOUBLE_PENDULUM_FUSED.backward computes it: per
// substep backwards, the stages recomputed from the traced coordinates, then their adjoints D, C, B, A.
const DOUBLE_PENDULUM_GPU_BACKWARD = `${doublePendulumGpuStep(true)}
float dTh1 = dobs(row, 1) * cos(th1) - dobs(row, 0) * sin(th1) - DR * ${lit(K.heightScale * K.length1)} * sin(th1);
float dTh2 = dobs(row, 3) * cos(th2) - dobs(row, 2) * sin(th2) - DR * ${lit(K.heightScale * K.length2)} * sin(th2);
float gz1 = DS0 + dTh1;
float gz2 = DS1 + dTh2;
float gz3 = DS2 + dobs(row, 4);
float gz4 = DS3 + dobs(row, 5);
float gTorque = -DR * 2.0 * torque * ${lit(K.torquePenalty)};
for (int k = ${K.substeps - 1}; k >= 0; k--) {
  th1 = trTh1[k];
  th2 = trTh2[k];
  w1 = trW1[k];
  w2 = trW2[k];
  ${GPU_SUBSTEP}
  ${GPU_STAGES.map(([n], s) => [1, 2, 3, 4].map((j) => `float g${n}${j} = gz${j} * ${lit(s === 0 || s === 3 ? K.sixthH : 2 * K.sixthH)};`).join(' ')).join('\n')}
  ${[3, 2, 1, 0]
    .map((s) => {
      const [n, th1, th2, w1, w2] = GPU_STAGES[s]!;
      return stageVjp(n, th1, th2, w1, w2, `g${n}`, s > 0 ? `g${GPU_STAGES[s - 1]![0]}` : undefined, s > 0 ? STAGE_STEPS[s - 1]! : 0);
    })
    .join('\n')}
}
`;

export const DOUBLE_PENDULUM_FUSED: FusedStep = {
  stateKeys: ['theta1', 'theta2', 'omega1', 'omega2'],
  obsDim: 6,
  // Bit-identical on cpu. The wasm backend's sin and cos differ from JS's correctly rounded ones in the
  // last bit, so there the values agree to float32 rounding (≤ 3.2e-7 of the largest over 12 chaotic
  // steps). 'auto' uses the kernel on cpu only: no training golden steps the double pendulum, and the
  // PIPPS chaos study (docs/reproduction/pipps-chaos.md) runs on wasm, where 'auto' keeps the op path,
  // so its committed tables do not change. On cpu a chaos run's values stay the same bit for bit; its
  // gradients change in the last bits (the float64 adjoint), which chaos amplifies.
  exactOn: ['cpu'],
  defaultOn: ['cpu'],
  gpu: {
    forward: {
      body: doublePendulumGpuStep(false),
      state: ['th1', 'th2', 'w1', 'w2'],
      reward: `height - torque * torque * ${lit(K.torquePenalty)}`,
      obs: ['c1', 'sin(th1)', 'c2', 'sin(th2)', 'w1', 'w2'],
    },
    backward: { body: DOUBLE_PENDULUM_GPU_BACKWARD, state: ['gz1', 'gz2', 'gz3', 'gz4'], action: `gTorque * ${lit(K.torque)}` },
  },
  forward({ batch, state, action }, out) {
    const z = new Float64Array(4);
    for (let i = 0; i < batch; i++) {
      const torque = F(action[i]! * K.torque);
      for (let j = 0; j < 4; j++) z[j] = state[j]![i]!;
      integrate(z, torque);
      for (let j = 0; j < 4; j++) out.state[j]![i] = z[j]!;
      const th1 = z[0]!;
      const th2 = z[1]!;
      const c1 = F(Math.cos(th1));
      const c2 = F(Math.cos(th2));
      const height = F(F(scaled(c1, K.length1) + scaled(c2, K.length2)) * K.heightScale);
      out.reward[i] = F(height - F(F(torque * torque) * K.torquePenalty));
      const o = i * 6;
      out.obs[o] = c1;
      out.obs[o + 1] = F(Math.sin(th1));
      out.obs[o + 2] = c2;
      out.obs[o + 3] = F(Math.sin(th2));
      out.obs[o + 4] = z[2]!;
      out.obs[o + 5] = z[3]!;
    }
  },
  backward({ batch, state, action }, dy, grad) {
    const trace = new Float64Array(4 * K.substeps * TRACE_WIDTH);
    const z = new Float64Array(4);
    // Cotangents: of the coordinates, of each stage's derivative outputs (ω1, ω2, θ̈1, θ̈2), of a stage's inputs.
    const gz = new Float64Array(4);
    const gk = [new Float64Array(4), new Float64Array(4), new Float64Array(4), new Float64Array(4)] as const;
    const gIn = new Float64Array(4);
    for (let i = 0; i < batch; i++) {
      const torque = F(action[i]! * K.torque);
      for (let j = 0; j < 4; j++) z[j] = state[j]![i]!;
      integrate(z, torque, trace);
      const th1 = z[0]!;
      const th2 = z[1]!;
      const o = i * 6;
      const dR = dy.reward[i]!;
      // reward = (l1 cos θ1 + l2 cos θ2)·(−1/(l1 + l2)) − 0.001 τ²; obs = (cos θ1, sin θ1, cos θ2, sin θ2, ω1, ω2).
      gz[0] = dy.state[0]![i]! + dy.obs[o + 1]! * Math.cos(th1) - (dy.obs[o]! + dR * K.heightScale * K.length1) * Math.sin(th1);
      gz[1] = dy.state[1]![i]! + dy.obs[o + 3]! * Math.cos(th2) - (dy.obs[o + 2]! + dR * K.heightScale * K.length2) * Math.sin(th2);
      gz[2] = dy.state[2]![i]! + dy.obs[o + 4]!;
      gz[3] = dy.state[3]![i]! + dy.obs[o + 5]!;
      let gTorque = -dR * 2 * torque * K.torquePenalty;
      for (let k = K.substeps - 1; k >= 0; k--) {
        // z' = z + (k1 + 2k2 + 2k3 + k4)·h/6; stage s evaluates at z + STAGE_STEPS[s − 1]·k_{s−1}.
        for (let j = 0; j < 4; j++) {
          const g = gz[j]! * K.sixthH;
          gk[0][j] = g;
          gk[1][j] = 2 * g;
          gk[2][j] = 2 * g;
          gk[3][j] = g;
        }
        for (let s = 3; s >= 0; s--) {
          gTorque += derivativeVjp(trace, 4 * k + s, gk[s]!, gIn);
          for (let j = 0; j < 4; j++) {
            gz[j] = gz[j]! + gIn[j]!;
            if (s > 0) gk[s - 1]![j] = gk[s - 1]![j]! + gIn[j]! * STAGE_STEPS[s - 1]!;
          }
        }
      }
      for (let j = 0; j < 4; j++) grad.state[j]![i] = gz[j]!;
      grad.action[i] = gTorque * K.torque;
    }
  },
};
