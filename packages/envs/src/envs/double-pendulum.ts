import { tf } from '@pathwise/core';
import type { Rng } from '@pathwise/core';
import { defineEnv, type Env, type EnvOptions } from '../env.js';

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
      // No fused step kernel yet (issue 14): every step runs the op-by-op definition.
      fused: false,
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
