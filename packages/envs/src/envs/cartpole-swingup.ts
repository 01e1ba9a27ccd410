import { tf } from '@pathwise/core';
import type { Rng } from '@pathwise/core';
import { defineEnv, type Env, type EnvOptions } from '../env.js';
import type { FusedStep } from '../fused.js';
import { lit } from '../fused-gpu.js';

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
      fused: CARTPOLE_SWINGUP_FUSED,
    },
    options,
  );
}

// The fused step: `transition` and `observe` above, per env, with Math.fround after every operation
// and every constant rounded to float32 as tfjs rounds a number operand, in the same order as the
// ops. On the cpu backend the values are then bit-identical to the op path (whose kernels compute in
// float64 and store float32); on wasm they differ only where its sin/cos/atan2 round differently.
const F = Math.fround;
const K = (() => {
  const c = CARTPOLE_SWINGUP;
  const h11 = c.cartMass + c.poleMass + c.armature;
  const h22 = c.poleInertiaCom + c.poleMass * c.poleHalfLength ** 2 + c.armature;
  return {
    ml: F(c.poleMass * c.poleHalfLength),
    h11: F(h11),
    h22: F(h22),
    h11h22: F(h11 * h22),
    h: F(c.dt / c.substeps),
    strength: F(c.actionStrength),
    ke: F(c.limitStiffness),
    kd: F(c.jointDamping),
    mgl: F(c.poleMass * c.gravity * c.poleHalfLength),
    limit: c.cartLimit,
    penalties: [F(c.poleAnglePenalty), F(c.poleVelocityPenalty), F(c.cartPositionPenalty), F(c.cartVelocityPenalty)] as const,
    substeps: c.substeps,
  };
})();

// What one env's step keeps for its backward pass (KEPT_WIDTH values): per substep x, θ, θ̇, sin θ, τ1,
// τ2 before it, then the step's end state x, θ, ẋ, θ̇, the h·H⁻¹ entries p, q, r, h / det H and h12,
// sin θ', cos θ', wrapped θ' (all as rounded to float32), and the float64 cos θ, sin θ at the start and
// sin θ', cos θ' at the end, which the backward would otherwise compute again.
const SUBSTEP_KEPT = 6;
const END_AT = K.substeps * SUBSTEP_KEPT;
const KEPT_WIDTH = END_AT + 16;

/** One control step of one env, its values written to `kept` from `at` (the layout above). */
function integrate(x: number, th: number, xd: number, thd: number, action: number, kept: Float64Array, at: number): void {
  const force = F(action * K.strength);
  const cos0 = Math.cos(th);
  const h12 = F(F(cos0) * K.ml);
  const scaledInvDet = F(K.h / F(K.h11h22 - F(h12 * h12)));
  const p = F(scaledInvDet * K.h22);
  const r = F(scaledInvDet * K.h11);
  const q = F(scaledInvDet * h12);
  let sin0 = 0;
  for (let k = 0; k < K.substeps; k++) {
    const sinRaw = Math.sin(th);
    if (k === 0) sin0 = sinRaw;
    const sin = F(sinRaw);
    const clipped = x > K.limit ? K.limit : x < -K.limit ? -K.limit : x;
    const limit = F(F(x - clipped) * K.ke);
    const tau1 = F(F(F(force + F(F(sin * F(thd * thd)) * K.ml)) - F(xd * K.kd)) - limit);
    const tau2 = F(F(sin * K.mgl) - F(thd * K.kd));
    const o = at + k * SUBSTEP_KEPT;
    kept[o] = x;
    kept[o + 1] = th;
    kept[o + 2] = thd;
    kept[o + 3] = sin;
    kept[o + 4] = tau1;
    kept[o + 5] = tau2;
    xd = F(xd + F(F(p * tau1) - F(q * tau2)));
    thd = F(thd + F(F(r * tau2) - F(q * tau1)));
    x = F(x + F(xd * K.h));
    th = F(th + F(thd * K.h));
  }
  const e = at + END_AT;
  const sinEnd = Math.sin(th);
  const cosEnd = Math.cos(th);
  const sin = F(sinEnd);
  const cos = F(cosEnd);
  kept[e] = x;
  kept[e + 1] = th;
  kept[e + 2] = xd;
  kept[e + 3] = thd;
  kept[e + 4] = p;
  kept[e + 5] = q;
  kept[e + 6] = r;
  kept[e + 7] = scaledInvDet;
  kept[e + 8] = h12;
  kept[e + 9] = sin;
  kept[e + 10] = cos;
  kept[e + 11] = F(Math.atan2(sin, cos));
  kept[e + 12] = cos0;
  kept[e + 13] = sin0;
  kept[e + 14] = sinEnd;
  kept[e + 15] = cosEnd;
}

/** The forward's scratch row when no tape records (nothing is kept) and the backward's when it has to replay the step. */
const scratch = new Float64Array(KEPT_WIDTH);

// The same step as shader code (fused-gpu.ts): S0…S3 = x, θ, ẋ, θ̇; with `trace`, the backward pass's
// per-substep values are kept in arrays.
function swingupGpuStep(trace: boolean): string {
  const n = K.substeps;
  return `
float force = act(row, 0) * ${lit(K.strength)};
float h12 = cos(S1) * ${lit(K.ml)};
float scaledInvDet = ${lit(K.h)} / (${lit(K.h11h22)} - h12 * h12);
float p = scaledInvDet * ${lit(K.h22)};
float r = scaledInvDet * ${lit(K.h11)};
float q = scaledInvDet * h12;
float x = S0;
float th = S1;
float xd = S2;
float thd = S3;
${trace ? `float trX[${n}]; float trTh[${n}]; float trThd[${n}]; float trS[${n}]; float trT1[${n}]; float trT2[${n}];` : ''}
for (int k = 0; k < ${n}; k++) {
  float sn = sin(th);
  float lim = (x - clamp(x, -${lit(K.limit)}, ${lit(K.limit)})) * ${lit(K.ke)};
  float tau1 = force + sn * (thd * thd) * ${lit(K.ml)} - xd * ${lit(K.kd)} - lim;
  float tau2 = sn * ${lit(K.mgl)} - thd * ${lit(K.kd)};
  ${trace ? 'trX[k] = x; trTh[k] = th; trThd[k] = thd; trS[k] = sn; trT1[k] = tau1; trT2[k] = tau2;' : ''}
  xd = xd + (p * tau1 - q * tau2);
  thd = thd + (r * tau2 - q * tau1);
  x = x + xd * ${lit(K.h)};
  th = th + thd * ${lit(K.h)};
}
float sEnd = sin(th);
float cEnd = cos(th);
float wrapped = atan2(sEnd, cEnd);
float penalty = wrapped * wrapped * ${lit(K.penalties[0])} + thd * thd * ${lit(K.penalties[1])} + x * x * ${lit(K.penalties[2])} + xd * xd * ${lit(K.penalties[3])};
`;
}

// The adjoint of swingupGpuStep(true), as CARTPOLE_SWINGUP_FUSED.backward computes it.
const SWINGUP_GPU_BACKWARD = `${swingupGpuStep(true)}
float dPenalty = -DR;
float gx = DS0 + dobs(row, 0) + dPenalty * 2.0 * ${lit(K.penalties[2])} * x;
float dWrapped = dPenalty * 2.0 * ${lit(K.penalties[0])} * wrapped;
float norm = sEnd * sEnd + cEnd * cEnd;
float dSin = dobs(row, 2) + dWrapped * cEnd / norm;
float dCos = dobs(row, 1) - dWrapped * sEnd / norm;
float gth = DS1 + dSin * cos(th) - dCos * sin(th);
float gxd = DS2 + dobs(row, 3) + dPenalty * 2.0 * ${lit(K.penalties[3])} * xd;
float gthd = DS3 + dobs(row, 4) + dPenalty * 2.0 * ${lit(K.penalties[1])} * thd;
float gp = 0.0;
float gq = 0.0;
float gr = 0.0;
float gforce = 0.0;
for (int k = ${K.substeps - 1}; k >= 0; k--) {
  float s = trS[k];
  float thdk = trThd[k];
  gxd += gx * ${lit(K.h)};
  gthd += gth * ${lit(K.h)};
  gp += gxd * trT1[k];
  gr += gthd * trT2[k];
  gq -= gxd * trT2[k] + gthd * trT1[k];
  float gtau1 = gxd * p - gthd * q;
  float gtau2 = gthd * r - gxd * q;
  gforce += gtau1;
  float gs = gtau1 * thdk * thdk * ${lit(K.ml)} + gtau2 * ${lit(K.mgl)};
  gthd += gtau1 * 2.0 * s * thdk * ${lit(K.ml)} - gtau2 * ${lit(K.kd)};
  gxd -= gtau1 * ${lit(K.kd)};
  if (!(trX[k] >= -${lit(K.limit)} && trX[k] <= ${lit(K.limit)})) { gx -= gtau1 * ${lit(K.ke)}; }
  gth += gs * cos(trTh[k]);
}
float den = ${lit(K.h11h22)} - h12 * h12;
float gScaled = gp * ${lit(K.h22)} + gr * ${lit(K.h11)} + gq * h12;
float gh12 = gq * scaledInvDet + gScaled * (-scaledInvDet / den) * (-2.0 * h12);
gth += gh12 * ${lit(K.ml)} * (-sin(S1));
`;

export const CARTPOLE_SWINGUP_FUSED: FusedStep = {
  stateKeys: ['x', 'theta', 'xDot', 'thetaDot'],
  obsDim: 5,
  // The wasm backend's sin and cos differ from JS's correctly rounded ones in about 40 % of the last
  // bits. On cpu the step is bit-identical, but GI-PPO on cart-pole amplifies the float64 backward's
  // last-bit differences past the golden tolerance (tests/golden train-gippo-cartpole-swingup-cpu,
  // wasm within two epochs), so the default stays the op path: ask for `kernel: 'fused'`.
  exactOn: ['cpu'],
  defaultOn: [],
  gpu: {
    forward: { body: swingupGpuStep(false), state: ['x', 'th', 'xd', 'thd'], reward: '-penalty', obs: ['x', 'cEnd', 'sEnd', 'xd', 'thd'] },
    backward: { body: SWINGUP_GPU_BACKWARD, state: ['gx', 'gth', 'gxd', 'gthd'], action: `gforce * ${lit(K.strength)}` },
  },
  keptWidth: KEPT_WIDTH,
  forward({ batch, state, action }, out, kept) {
    const [X, TH, XD, THD] = state as [Float32Array, Float32Array, Float32Array, Float32Array];
    const [oX, oTH, oXD, oTHD] = out.state as [Float32Array, Float32Array, Float32Array, Float32Array];
    const [c1, c2, c3, c4] = K.penalties;
    for (let i = 0; i < batch; i++) {
      const row = kept ?? scratch;
      const e = (kept ? i * KEPT_WIDTH : 0) + END_AT;
      integrate(X[i]!, TH[i]!, XD[i]!, THD[i]!, action[i]!, row, e - END_AT);
      const x = row[e]!;
      const th = row[e + 1]!;
      const xd = row[e + 2]!;
      const thd = row[e + 3]!;
      const sin = row[e + 9]!;
      const cos = row[e + 10]!;
      const wrapped = row[e + 11]!;
      oX[i] = x;
      oTH[i] = th;
      oXD[i] = xd;
      oTHD[i] = thd;
      // tf.addN accumulates in a float32 array, in argument order.
      const penalty = F(F(F(F(wrapped * wrapped) * c1) + F(F(thd * thd) * c2)) + F(F(x * x) * c3));
      out.reward[i] = -F(penalty + F(F(xd * xd) * c4));
      const o = i * 5;
      out.obs[o] = x;
      out.obs[o + 1] = cos;
      out.obs[o + 2] = sin;
      out.obs[o + 3] = xd;
      out.obs[o + 4] = thd;
    }
  },
  backward({ batch, state, action }, dy, grad, kept) {
    const [X, TH, XD, THD] = state as [Float32Array, Float32Array, Float32Array, Float32Array];
    const [c1, c2, c3, c4] = K.penalties;
    for (let i = 0; i < batch; i++) {
      const th0 = TH[i]!;
      let v: Float64Array = scratch;
      let at = 0;
      if (kept) {
        v = kept;
        at = i * KEPT_WIDTH;
      } else integrate(X[i]!, th0, XD[i]!, THD[i]!, action[i]!, scratch, 0);
      const e = at + END_AT;
      const sin = v[e + 9]!;
      const cos = v[e + 10]!;
      const wrapped = v[e + 11]!;
      const p = v[e + 4]!;
      const q = v[e + 5]!;
      const r = v[e + 6]!;
      const scaledInvDet = v[e + 7]!;
      const h12 = v[e + 8]!;
      const o = i * 5;
      const dPenalty = -dy.reward[i]!;
      // Cotangents of the state after the step: its own, the observation's and the reward's.
      let gx = dy.state[0]![i]! + dy.obs[o]! + dPenalty * 2 * c3 * v[e]!;
      const dWrapped = dPenalty * 2 * c1 * wrapped;
      const dSin = dy.obs[o + 2]! + (dWrapped * cos) / (sin * sin + cos * cos);
      const dCos = dy.obs[o + 1]! - (dWrapped * sin) / (sin * sin + cos * cos);
      let gth = dy.state[1]![i]! + dSin * v[e + 15]! - dCos * v[e + 14]!;
      let gxd = dy.state[2]![i]! + dy.obs[o + 3]! + dPenalty * 2 * c4 * v[e + 2]!;
      let gthd = dy.state[3]![i]! + dy.obs[o + 4]! + dPenalty * 2 * c2 * v[e + 3]!;
      let gp = 0;
      let gq = 0;
      let gr = 0;
      let gforce = 0;
      for (let k = K.substeps - 1; k >= 0; k--) {
        const sk = at + k * SUBSTEP_KEPT;
        const x = v[sk]!;
        const th = v[sk + 1]!;
        const thd = v[sk + 2]!;
        const s = v[sk + 3]!;
        const tau1 = v[sk + 4]!;
        const tau2 = v[sk + 5]!;
        // x' = x + h ẋ', θ' = θ + h θ̇', with ẋ' = ẋ + p τ1 − q τ2 and θ̇' = θ̇ + r τ2 − q τ1.
        gxd += gx * K.h;
        gthd += gth * K.h;
        gp += gxd * tau1;
        gr += gthd * tau2;
        gq -= gxd * tau2 + gthd * tau1;
        const gtau1 = gxd * p - gthd * q;
        const gtau2 = gthd * r - gxd * q;
        // τ1 = F + ml sinθ θ̇² − kd ẋ − ke (x − clip(x)); τ2 = mgl sinθ − kd θ̇.
        gforce += gtau1;
        const gs = gtau1 * thd * thd * K.ml + gtau2 * K.mgl;
        gthd += gtau1 * 2 * s * thd * K.ml - gtau2 * K.kd;
        gxd -= gtau1 * K.kd;
        if (!(x >= -K.limit && x <= K.limit)) gx -= gtau1 * K.ke;
        gth += gs * (k === 0 ? v[e + 12]! : Math.cos(th));
      }
      // p, r, q = h H⁻¹ entries from h12 = ml cos θ0: s = h / (h11 h22 − h12²), p = s h22, r = s h11, q = s h12.
      const den = K.h11h22 - h12 * h12;
      const gScaled = gp * K.h22 + gr * K.h11 + gq * h12;
      const gh12 = gq * scaledInvDet + gScaled * (-scaledInvDet / den) * (-2 * h12);
      gth += gh12 * K.ml * -v[e + 13]!;
      grad.state[0]![i] = gx;
      grad.state[1]![i] = gth;
      grad.state[2]![i] = gxd;
      grad.state[3]![i] = gthd;
      grad.action[i] = gforce * K.strength;
    }
  },
};
