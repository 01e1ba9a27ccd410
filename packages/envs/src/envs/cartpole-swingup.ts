import { tf } from '@pathwise/core';
import type { Rng } from '@pathwise/core';
import { defineEnv, type Env, type EnvOptions } from '../env.js';

// The SHAC / DiffRL `CartPoleSwingUpEnv` (NVlabs/DiffRL envs/cartpole_swing_up.py on dflex), rebuilt
// from its model description; see the package README for every constant and where it comes from.
//
// dflex builds the cart and pole from the URDF's collision boxes at density 1000 (the URDF <inertial>
// masses are ignored): cart 0.5×0.5×0.2 m -> 50 kg; pole 0.05×0.05×1.0 m -> 2.5 kg, centre of mass
// 0.5 m from the hinge, inertia about its centre 2.5/12·(0.05² + 1²) kg·m². Each joint gets armature
// 0.01 (added to the mass-matrix diagonal) and a viscous term -limit_kd·q̇ with limit_kd = 1 (dflex
// applies the limit damping at all times); the cart also has a soft limit at |x| = 4 m (ke = 100).
// One control step (dt = 1/60 s) is 4 semi-implicit Euler substeps; the mass matrix is cached for the
// whole step (MM_caching_frequency 4 in the SHAC and GI-PPO configs).

export const CARTPOLE_SWINGUP = {
  cartMass: 50,
  poleMass: 2.5,
  poleHalfLength: 0.5,
  poleInertiaCom: (2.5 / 12) * (0.05 * 0.05 + 1.0 * 1.0),
  armature: 0.01,
  jointDamping: 1.0,
  cartLimit: 4.0,
  limitStiffness: 100.0,
  gravity: 9.81,
  actionStrength: 1000.0,
  dt: 1 / 60,
  substeps: 4,
  episodeLength: 240,
  poleAnglePenalty: 1.0,
  poleVelocityPenalty: 0.1,
  cartPositionPenalty: 0.05,
  cartVelocityPenalty: 0.1,
} as const;

export interface CartpoleSwingupOptions extends EnvOptions {
  /**
   * SHAC's `stochastic_init` (true in the SHAC and GI-PPO cart-pole configs): x and θ get
   * U(-π/2, π/2) offsets, ẋ and θ̇ get U(-0.25, 0.25). False: every episode starts at rest, hanging.
   */
  stochasticInit?: boolean;
}

// One [B] tensor per coordinate: column slicing ([B, 4] -> 4 × [B]) costs ~50× an elementwise op on
// the cpu backend, so the state is kept split.
type State = { x: tf.Tensor; theta: tf.Tensor; xDot: tf.Tensor; thetaDot: tf.Tensor } & Record<string, tf.Tensor>;

export function cartpoleSwingupEnv(options: CartpoleSwingupOptions = {}): Env<State> {
  const stochastic = options.stochasticInit ?? true;
  const c = CARTPOLE_SWINGUP;
  const ml = c.poleMass * c.poleHalfLength;
  const h11 = c.cartMass + c.poleMass + c.armature;
  const h22 = c.poleInertiaCom + c.poleMass * c.poleHalfLength ** 2 + c.armature;
  const mgl = c.poleMass * c.gravity * c.poleHalfLength;
  const h = c.dt / c.substeps;

  return defineEnv<State>(
    {
      name: 'cartpole-swingup',
      description: 'SHAC/DiffRL cart-pole swing-up: continuous force, 240 steps of 1/60 s, quadratic penalty reward',
      obsDim: 5,
      actDim: 1,
      episodeLength: c.episodeLength,
      action: { names: ['force'], units: ['N'], low: [-c.actionStrength], high: [c.actionStrength] },
      rewardDescription: 'r = -(θ² + 0.1·θ̇² + 0.05·x² + 0.1·ẋ²), θ wrapped to [-π, π], θ = 0 upright; computed after the step',
      observationNames: ['x', 'cos_theta', 'sin_theta', 'x_dot', 'theta_dot'],
      constants: { ...c, stochasticInit: stochastic, source: 'NVlabs/DiffRL envs/cartpole_swing_up.py, envs/assets/cartpole.urdf, dflex model/sim' },
      init: (batch: number, rng: Rng) => {
        const columns = [new Float32Array(batch), new Float32Array(batch), new Float32Array(batch), new Float32Array(batch)] as const;
        for (let i = 0; i < batch; i++) {
          columns[0][i] = stochastic ? Math.PI * (rng.uniform() - 0.5) : 0;
          columns[1][i] = -Math.PI + (stochastic ? Math.PI * (rng.uniform() - 0.5) : 0);
          columns[2][i] = stochastic ? 0.5 * (rng.uniform() - 0.5) : 0;
          columns[3][i] = stochastic ? 0.5 * (rng.uniform() - 0.5) : 0;
        }
        return { x: tf.tensor1d(columns[0]), theta: tf.tensor1d(columns[1]), xDot: tf.tensor1d(columns[2]), thetaDot: tf.tensor1d(columns[3]) };
      },
      observe: (state) => tf.stack([state.x, tf.cos(state.theta), tf.sin(state.theta), state.xDot, state.thetaDot], 1),
      transition: (state, action) => {
        let { x, theta: th, xDot: xd, thetaDot: thd } = state;
        const force = tf.mul(tf.reshape(action, [-1]), c.actionStrength);
        // Mass matrix H = [[h11, ml cos θ], [ml cos θ, h22]] at the start of the step; h·H⁻¹ entries.
        const h12 = tf.mul(tf.cos(th), ml);
        const scaledInvDet = tf.div(h, tf.sub(h11 * h22, tf.square(h12)));
        const p = tf.mul(scaledInvDet, h22);
        const r = tf.mul(scaledInvDet, h11);
        const q = tf.mul(scaledInvDet, h12);
        for (let i = 0; i < c.substeps; i++) {
          const sin = tf.sin(th);
          // Generalised forces: actuation + Coriolis (ml sinθ θ̇²) - damping - soft limit; gravity on θ.
          const limit = tf.mul(tf.sub(x, tf.clipByValue(x, -c.cartLimit, c.cartLimit)), c.limitStiffness);
          const tau1 = tf.sub(tf.sub(tf.add(force, tf.mul(tf.mul(sin, tf.square(thd)), ml)), tf.mul(xd, c.jointDamping)), limit);
          const tau2 = tf.sub(tf.mul(sin, mgl), tf.mul(thd, c.jointDamping));
          xd = tf.add(xd, tf.sub(tf.mul(p, tau1), tf.mul(q, tau2)));
          thd = tf.add(thd, tf.sub(tf.mul(r, tau2), tf.mul(q, tau1)));
          x = tf.add(x, tf.mul(xd, h));
          th = tf.add(th, tf.mul(thd, h));
        }
        const wrapped = tf.atan2(tf.sin(th), tf.cos(th));
        const penalty = tf.addN([
          tf.mul(tf.square(wrapped), c.poleAnglePenalty),
          tf.mul(tf.square(thd), c.poleVelocityPenalty),
          tf.mul(tf.square(x), c.cartPositionPenalty),
          tf.mul(tf.square(xd), c.cartVelocityPenalty),
        ]);
        return { state: { x, theta: th, xDot: xd, thetaDot: thd }, reward: tf.neg(penalty) };
      },
    },
    options,
  );
}
