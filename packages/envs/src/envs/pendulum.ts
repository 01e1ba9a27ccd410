import { tf } from '@pathwise/core';
import type { Rng } from '@pathwise/core';
import { defineEnv, type Env, type EnvOptions } from '../env.js';

// Gym/Gymnasium Pendulum-v1 dynamics and reward (g = 10, m = l = 1, dt = 0.05, max torque 2,
// max speed 8), θ = 0 upright. The speed clip is kept as in gym: while it is active, the gradient
// with respect to earlier actions through θ̇ is zero.

export const PENDULUM = {
  gravity: 10,
  mass: 1,
  length: 1,
  dt: 0.05,
  maxTorque: 2,
  maxSpeed: 8,
  episodeLength: 200,
} as const;

type State = { theta: tf.Tensor; thetaDot: tf.Tensor } & Record<string, tf.Tensor>;

export function pendulumEnv(options: EnvOptions = {}): Env<State> {
  const c = PENDULUM;
  const gravityGain = ((3 * c.gravity) / (2 * c.length)) * c.dt;
  const torqueGain = (3 / (c.mass * c.length * c.length)) * c.dt;
  return defineEnv<State>(
    {
      name: 'pendulum',
      description: 'Gym Pendulum-v1 swing-up: torque ±2 N·m, 200 steps of 0.05 s, θ = 0 upright',
      obsDim: 3,
      actDim: 1,
      episodeLength: c.episodeLength,
      action: { names: ['torque'], units: ['N·m'], low: [-c.maxTorque], high: [c.maxTorque] },
      rewardDescription: 'r = -(wrap(θ)² + 0.1·θ̇² + 0.001·u²) on the state before the step (as gym)',
      observationNames: ['cos_theta', 'sin_theta', 'theta_dot'],
      constants: { ...c, source: 'gym/gymnasium classic_control/pendulum.py (Pendulum-v1)' },
      init: (batch: number, rng: Rng) => {
        const theta = new Float32Array(batch);
        const thetaDot = new Float32Array(batch);
        for (let i = 0; i < batch; i++) {
          theta[i] = rng.uniform() * 2 * Math.PI - Math.PI;
          thetaDot[i] = rng.uniform() * 2 - 1;
        }
        return { theta: tf.tensor1d(theta), thetaDot: tf.tensor1d(thetaDot) };
      },
      observe: (state) => tf.stack([tf.cos(state.theta), tf.sin(state.theta), state.thetaDot], 1),
      // No fused step kernel yet (issue 14): every step runs the op-by-op definition.
      fused: false,
      transition: (state, action) => {
        const { theta: th, thetaDot: thd } = state;
        const u = tf.mul(tf.reshape(action, [-1]), c.maxTorque);
        const wrapped = tf.sub(tf.mod(tf.add(th, Math.PI), 2 * Math.PI), Math.PI);
        const cost = tf.addN([tf.square(wrapped), tf.mul(tf.square(thd), 0.1), tf.mul(tf.square(u), 0.001)]);
        const newThd = tf.clipByValue(tf.add(thd, tf.add(tf.mul(tf.sin(th), gravityGain), tf.mul(u, torqueGain))), -c.maxSpeed, c.maxSpeed);
        const newTh = tf.add(th, tf.mul(newThd, c.dt));
        return { state: { theta: newTh, thetaDot: newThd }, reward: tf.neg(cost) };
      },
    },
    options,
  );
}
