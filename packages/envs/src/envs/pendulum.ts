import { tf } from '@pathwise/core';
import type { Rng } from '@pathwise/core';
import { defineEnv, type Env, type EnvOptions } from '../env.js';
import type { FusedStep } from '../fused.js';
import { lit } from '../fused-gpu.js';

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
      fused: PENDULUM_FUSED,
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

// The fused step: `transition` and `observe` above per env, rounded as the cpu kernels round (Math.fround
// after every op, number operands as float32, tf.mod as the cpu kernel computes it), in the same order.
const F = Math.fround;
const P = (() => {
  const c = PENDULUM;
  return {
    torque: F(c.maxTorque),
    pi: F(Math.PI),
    twoPi: F(2 * Math.PI),
    gravityGain: F(((3 * c.gravity) / (2 * c.length)) * c.dt),
    torqueGain: F((3 / (c.mass * c.length * c.length)) * c.dt),
    dt: F(c.dt),
    speedPenalty: F(0.1),
    torquePenalty: F(0.001),
    maxSpeed: c.maxSpeed,
  };
})();

/** tf.mod on the cpu backend: the remainder with the sign of the divisor. */
function floorMod(a: number, b: number): number {
  const rem = a % b;
  return (a < 0 && b < 0) || (a >= 0 && b >= 0) ? rem : (rem + b) % b;
}

// The same step as shader code (fused-gpu.ts); S0 = θ, S1 = θ̇.
const PENDULUM_GPU_STEP = `
float u = act(row, 0) * ${lit(PENDULUM.maxTorque)};
float wrapped = floorMod(S0 + ${lit(Math.PI)}, ${lit(2 * Math.PI)}) - ${lit(Math.PI)};
float cost = wrapped * wrapped + S1 * S1 * ${lit(0.1)} + u * u * ${lit(0.001)};
float unclipped = S1 + (sin(S0) * ${lit(P.gravityGain)} + u * ${lit(P.torqueGain)});
float newThd = clamp(unclipped, -${lit(P.maxSpeed)}, ${lit(P.maxSpeed)});
float newTh = S0 + newThd * ${lit(P.dt)};
`;

export const PENDULUM_FUSED: FusedStep = {
  stateKeys: ['theta', 'thetaDot'],
  obsDim: 3,
  exactOn: ['cpu'],
  defaultOn: ['cpu'],
  gpu: {
    forward: { body: PENDULUM_GPU_STEP, state: ['newTh', 'newThd'], reward: '-cost', obs: ['cos(newTh)', 'sin(newTh)', 'newThd'] },
    backward: {
      body: `${PENDULUM_GPU_STEP}
float dCost = -DR;
float dNewTh = DS0 - dobs(row, 0) * sin(newTh) + dobs(row, 1) * cos(newTh);
float dNewThd = DS1 + dobs(row, 2) + dNewTh * ${lit(P.dt)};
float dUnclipped = 0.0;
if (unclipped >= -${lit(P.maxSpeed)} && unclipped <= ${lit(P.maxSpeed)}) { dUnclipped = dNewThd; }
`,
      state: [`dNewTh + dUnclipped * cos(S0) * ${lit(P.gravityGain)} + dCost * 2.0 * wrapped`, `dUnclipped + dCost * 2.0 * S1 * ${lit(0.1)}`],
      action: `(dUnclipped * ${lit(P.torqueGain)} + dCost * 2.0 * u * ${lit(0.001)}) * ${lit(PENDULUM.maxTorque)}`,
    },
  },
  forward({ batch, state, action }, out) {
    const [TH, THD] = state as [Float32Array, Float32Array];
    const [oTH, oTHD] = out.state as [Float32Array, Float32Array];
    for (let i = 0; i < batch; i++) {
      const th = TH[i]!;
      const thd = THD[i]!;
      const u = F(action[i]! * P.torque);
      const wrapped = F(F(floorMod(F(th + P.pi), P.twoPi)) - P.pi);
      const cost = F(F(F(wrapped * wrapped) + F(F(thd * thd) * P.speedPenalty)) + F(F(u * u) * P.torquePenalty));
      const unclipped = F(thd + F(F(F(Math.sin(th)) * P.gravityGain) + F(u * P.torqueGain)));
      const newThd = unclipped > P.maxSpeed ? P.maxSpeed : unclipped < -P.maxSpeed ? -P.maxSpeed : unclipped;
      const newTh = F(th + F(newThd * P.dt));
      oTH[i] = newTh;
      oTHD[i] = newThd;
      out.reward[i] = -cost;
      out.obs[i * 3] = F(Math.cos(newTh));
      out.obs[i * 3 + 1] = F(Math.sin(newTh));
      out.obs[i * 3 + 2] = newThd;
    }
  },
  backward({ batch, state, action }, dy, grad) {
    const [TH, THD] = state as [Float32Array, Float32Array];
    for (let i = 0; i < batch; i++) {
      const th = TH[i]!;
      const thd = THD[i]!;
      const u = F(action[i]! * P.torque);
      const wrapped = F(F(floorMod(F(th + P.pi), P.twoPi)) - P.pi);
      const unclipped = F(thd + F(F(F(Math.sin(th)) * P.gravityGain) + F(u * P.torqueGain)));
      const newThd = unclipped > P.maxSpeed ? P.maxSpeed : unclipped < -P.maxSpeed ? -P.maxSpeed : unclipped;
      const newTh = F(th + F(newThd * P.dt));
      const dCost = -dy.reward[i]!;
      const dNewTh = dy.state[0]![i]! - dy.obs[i * 3]! * Math.sin(newTh) + dy.obs[i * 3 + 1]! * Math.cos(newTh);
      const dNewThd = dy.state[1]![i]! + dy.obs[i * 3 + 2]! + dNewTh * P.dt;
      // tfjs's clipByValue gradient passes where -max <= x <= max; tf.mod passes dy to its dividend.
      const dUnclipped = unclipped >= -P.maxSpeed && unclipped <= P.maxSpeed ? dNewThd : 0;
      grad.state[0]![i] = dNewTh + dUnclipped * Math.cos(th) * P.gravityGain + dCost * 2 * wrapped;
      grad.state[1]![i] = dUnclipped + dCost * 2 * thd * P.speedPenalty;
      grad.action[i] = (dUnclipped * P.torqueGain + dCost * 2 * u * P.torquePenalty) * P.torque;
    }
  },
};
