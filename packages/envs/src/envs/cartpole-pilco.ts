import { tf, ConfigError } from '@pathwise/core';
import type { Rng } from '@pathwise/core';
import { defineEnv, STEP_COUNTER, type Env, type EnvOptions } from '../env.js';
import { TRACE_WIDTH, traceSubstep, type FusedStep } from '../fused.js';
import { lit } from '../fused-gpu.js';

// The PILCO-style cart-pole swing-up of the PIPPS demo (proppo/pipps_demo pipps/envs/cartpole.py,
// docs/algorithms/pipps.md §4.1): state [p, φ, ṗ, φ̇] with φ = 0 upright and φ = π hanging (not wrapped);
// PILCO's equations with φ shifted by π; control period 0.1 s as 10 explicit-Euler substeps.

export const CARTPOLE_PILCO = {
  gravity: 9.82,
  cartMass: 0.5,
  poleMass: 0.5,
  poleLength: 0.5,
  friction: 0.1,
  maxForce: 10,
  dt: 0.1,
  substeps: 10,
  episodeLength: 30,
  initStd: 0.02,
} as const;

/** Per-coordinate observation-noise standard deviations for noise scale k = 1 (m, rad, m/s, rad/s). */
export const CARTPOLE_PILCO_NOISE = [0.01, Math.PI / 180, 0.1, (10 * Math.PI) / 180] as const;

export interface CartpolePilcoOptions extends EnvOptions {
  /**
   * Observation noise scale k: obs = state + N(0, diag((k·[0.01, π/180, 0.1, 10π/180])²)). The demo's
   * train.py uses k = 1 and its env class defaults to 0.01. Default 0: the observation is the true
   * state (the usual setting for gradient studies on the true dynamics). The noise of a whole episode
   * is drawn at reset from the reset's Rng, so the same seed gives the same observations.
   */
  observationNoise?: number;
  /** Initial-state standard deviation around [0, π, 0, 0]; the demo's default is 0.02. */
  initStd?: number;
}

// One [B] tensor per coordinate (column slicing is slow on the cpu backend); `noise` is [B, T+1, 4].
type State = { p: tf.Tensor; phi: tf.Tensor; pDot: tf.Tensor; phiDot: tf.Tensor } & Record<string, tf.Tensor>;

export function cartpolePilcoEnv(options: CartpolePilcoOptions = {}): Env<State> {
  const c = CARTPOLE_PILCO;
  const noise = options.observationNoise ?? 0;
  const initStd = options.initStd ?? c.initStd;
  if (!(noise >= 0) || !Number.isFinite(noise)) throw new ConfigError('observationNoise', noise, 'a finite number >= 0');
  if (!(initStd >= 0) || !Number.isFinite(initStd)) throw new ConfigError('initStd', initStd, 'a finite number >= 0');
  const M = c.cartMass + c.poleMass;
  const mp = c.poleMass;
  const l = c.poleLength;
  const g = c.gravity;
  const h = c.dt / c.substeps;
  // PILCO's accelerations divided through by 4:
  //   p̈ = (sinφ·(¾ mp g cosφ − ½ mp l φ̇²) + F − b ṗ) / (M − ¾ mp cos²φ)
  //   φ̈ = (3 / 2l)·(g sinφ + cosφ·p̈)    (algebraically identical to the demo's second formula)
  const k1 = 0.75 * mp * g;
  const k2 = 0.5 * mp * l;
  const k3 = 0.75 * mp;
  const k4 = 1.5 / l;
  // Observations at steps 0..T are pre-drawn; a rollout that runs past T reuses the last one.
  const noiseSteps = c.episodeLength + 1;

  return defineEnv<State>(
    {
      name: 'cartpole-pilco',
      description: 'PILCO-style cart-pole swing-up of PIPPS: 10 N force, 30 steps of 0.1 s (10 Euler substeps), saturating cost',
      obsDim: 4,
      actDim: 1,
      episodeLength: c.episodeLength,
      action: { names: ['force'], units: ['N'], low: [-c.maxForce], high: [c.maxForce] },
      rewardDescription: 'r = -(1 - exp(-½(p² + φ²))) on the true state after the step; φ not wrapped (0 upright)',
      observationNames: ['p', 'phi', 'p_dot', 'phi_dot'],
      constants: { ...c, observationNoise: noise, initStd, source: 'proppo/pipps_demo pipps/envs/cartpole.py (docs/algorithms/pipps.md §4.1)' },
      init: (batch: number, rng: Rng) => {
        const draw = (mean: number) => tf.tensor1d(rng.fillNormal(new Float32Array(batch), mean, initStd));
        const state: State = { p: draw(0), phi: draw(Math.PI), pDot: draw(0), phiDot: draw(0) };
        if (noise > 0) {
          const std = tf.tensor1d(CARTPOLE_PILCO_NOISE.map((v) => v * noise));
          state['noise'] = tf.mul(rng.normalTensor([batch, noiseSteps, 4]), std);
        }
        return state;
      },
      observe: (state) => {
        const truth = tf.stack([state.p, state.phi, state.pDot, state.phiDot], 1);
        const noiseBuffer = state['noise'];
        if (noiseBuffer === undefined) return truth;
        // Select row t of each env's noise with a one-hot sum (tf.gather's gradient is missing on wasm).
        const index = tf.cast(tf.minimum(state[STEP_COUNTER]!, noiseSteps - 1), 'int32');
        const select = tf.expandDims(tf.cast(tf.oneHot(index, noiseSteps), 'float32'), 2);
        return tf.add(truth, tf.sum(tf.mul(noiseBuffer, select), 1));
      },
      // With observation noise the observation reads a per-episode noise buffer, which the kernel does not.
      fused: noise > 0 ? false : CARTPOLE_PILCO_FUSED,
      transition: (state, action) => {
        const force = tf.mul(tf.reshape(action, [-1]), c.maxForce);
        let { p, phi, pDot: pd, phiDot: phid } = state;
        for (let i = 0; i < c.substeps; i++) {
          const sin = tf.sin(phi);
          const cos = tf.cos(phi);
          const numerator = tf.add(tf.mul(sin, tf.sub(tf.mul(cos, k1), tf.mul(tf.square(phid), k2))), tf.sub(force, tf.mul(pd, c.friction)));
          const pdd = tf.div(numerator, tf.sub(M, tf.mul(tf.square(cos), k3)));
          const phidd = tf.mul(tf.add(tf.mul(sin, g), tf.mul(cos, pdd)), k4);
          // Explicit Euler: every coordinate advances with the old derivatives.
          [p, phi, pd, phid] = [tf.add(p, tf.mul(pd, h)), tf.add(phi, tf.mul(phid, h)), tf.add(pd, tf.mul(pdd, h)), tf.add(phid, tf.mul(phidd, h))];
        }
        const reward = tf.sub(tf.exp(tf.mul(tf.add(tf.square(p), tf.square(phi)), -0.5)), 1);
        const next: State = { p, phi, pDot: pd, phiDot: phid };
        if (state['noise'] !== undefined) next['noise'] = state['noise'];
        return { state: next, reward };
      },
    },
    options,
  );
}

// The fused step (noise-free observation): `transition` and `observe` above per env, rounded as the
// cpu kernels round (Math.fround after every op, number operands as float32), in the same order.
const F = Math.fround;
const Q = (() => {
  const c = CARTPOLE_PILCO;
  const mp = c.poleMass;
  return {
    force: F(c.maxForce),
    friction: F(c.friction),
    M: F(c.cartMass + mp),
    k1: F(0.75 * mp * c.gravity),
    k2: F(0.5 * mp * c.poleLength),
    k3: F(0.75 * mp),
    k4: F(1.5 / c.poleLength),
    g: F(c.gravity),
    h: F(c.dt / c.substeps),
    half: F(-0.5),
    substeps: c.substeps,
  };
})();

// The trace holds per substep: p, φ, ṗ, φ̇ before it, sin φ, cos φ, the bracket A, numerator, denominator, p̈.
/** One control step of one env (explicit Euler substeps); returns [p, φ, ṗ, φ̇] in `end`. */
function pilcoIntegrate(p: number, phi: number, pd: number, phid: number, force: number, end: Float64Array, trace?: Float64Array): void {
  for (let k = 0; k < Q.substeps; k++) {
    const sin = F(Math.sin(phi));
    const cos = F(Math.cos(phi));
    const bracket = F(F(cos * Q.k1) - F(F(phid * phid) * Q.k2));
    const numerator = F(F(sin * bracket) + F(force - F(pd * Q.friction)));
    const denominator = F(Q.M - F(F(cos * cos) * Q.k3));
    const pdd = F(numerator / denominator);
    const phidd = F(F(F(sin * Q.g) + F(cos * pdd)) * Q.k4);
    if (trace !== undefined) traceSubstep(trace, k, p, phi, pd, phid, sin, cos, bracket, numerator, denominator, pdd);
    const nextP = F(p + F(pd * Q.h));
    const nextPhi = F(phi + F(phid * Q.h));
    pd = F(pd + F(pdd * Q.h));
    phid = F(phid + F(phidd * Q.h));
    p = nextP;
    phi = nextPhi;
  }
  end[0] = p;
  end[1] = phi;
  end[2] = pd;
  end[3] = phid;
}

// The same step as shader code (fused-gpu.ts): S0…S3 = p, φ, ṗ, φ̇; with `trace`, the backward pass's
// per-substep values are kept in arrays.
function pilcoGpuStep(trace: boolean): string {
  const n = Q.substeps;
  return `
float force = act(row, 0) * ${lit(Q.force)};
float p = S0;
float phi = S1;
float pd = S2;
float phid = S3;
${trace ? `float trPhid[${n}]; float trS[${n}]; float trC[${n}]; float trB[${n}]; float trN[${n}]; float trD[${n}]; float trPdd[${n}];` : ''}
for (int k = 0; k < ${n}; k++) {
  float sn = sin(phi);
  float cs = cos(phi);
  float bracket = cs * ${lit(Q.k1)} - phid * phid * ${lit(Q.k2)};
  float numerator = sn * bracket + (force - pd * ${lit(Q.friction)});
  float denominator = ${lit(Q.M)} - cs * cs * ${lit(Q.k3)};
  float pdd = numerator / denominator;
  float phidd = (sn * ${lit(Q.g)} + cs * pdd) * ${lit(Q.k4)};
  ${trace ? 'trPhid[k] = phid; trS[k] = sn; trC[k] = cs; trB[k] = bracket; trN[k] = numerator; trD[k] = denominator; trPdd[k] = pdd;' : ''}
  float nextP = p + pd * ${lit(Q.h)};
  float nextPhi = phi + phid * ${lit(Q.h)};
  pd = pd + pdd * ${lit(Q.h)};
  phid = phid + phidd * ${lit(Q.h)};
  p = nextP;
  phi = nextPhi;
}
float e = exp((p * p + phi * phi) * ${lit(Q.half)});
`;
}

// The adjoint of pilcoGpuStep(true), as CARTPOLE_PILCO_FUSED.backward computes it.
const PILCO_GPU_BACKWARD = `${pilcoGpuStep(true)}
float dReward = DR * e * ${lit(Q.half)} * 2.0;
float gp = DS0 + dobs(row, 0) + dReward * p;
float gphi = DS1 + dobs(row, 1) + dReward * phi;
float gpd = DS2 + dobs(row, 2);
float gphid = DS3 + dobs(row, 3);
float gforce = 0.0;
for (int k = ${Q.substeps - 1}; k >= 0; k--) {
  float sn = trS[k];
  float cs = trC[k];
  float gpdd0 = gpd * ${lit(Q.h)};
  float gphidd = gphid * ${lit(Q.h)};
  gpd += gp * ${lit(Q.h)};
  gphid += gphi * ${lit(Q.h)};
  float gsin = gphidd * ${lit(Q.k4)} * ${lit(Q.g)};
  float gcos = gphidd * ${lit(Q.k4)} * trPdd[k];
  float gpdd = gpdd0 + gphidd * ${lit(Q.k4)} * cs;
  float gnum = gpdd / trD[k];
  float gden = -gpdd * trN[k] / (trD[k] * trD[k]);
  gcos -= gden * 2.0 * cs * ${lit(Q.k3)};
  gsin += gnum * trB[k];
  float gA = gnum * sn;
  gforce += gnum;
  gpd -= gnum * ${lit(Q.friction)};
  gcos += gA * ${lit(Q.k1)};
  gphid -= gA * 2.0 * trPhid[k] * ${lit(Q.k2)};
  gphi += gsin * cs - gcos * sn;
}
`;

export const CARTPOLE_PILCO_FUSED: FusedStep = {
  stateKeys: ['p', 'phi', 'pDot', 'phiDot'],
  obsDim: 4,
  exactOn: ['cpu'],
  defaultOn: ['cpu'],
  gpu: {
    forward: { body: pilcoGpuStep(false), state: ['p', 'phi', 'pd', 'phid'], reward: 'e - 1.0', obs: ['p', 'phi', 'pd', 'phid'] },
    backward: { body: PILCO_GPU_BACKWARD, state: ['gp', 'gphi', 'gpd', 'gphid'], action: `gforce * ${lit(Q.force)}` },
  },
  forward({ batch, state, action }, out) {
    const [P, PHI, PD, PHID] = state as [Float32Array, Float32Array, Float32Array, Float32Array];
    const end = new Float64Array(4);
    for (let i = 0; i < batch; i++) {
      pilcoIntegrate(P[i]!, PHI[i]!, PD[i]!, PHID[i]!, F(action[i]! * Q.force), end);
      for (let j = 0; j < 4; j++) {
        out.state[j]![i] = end[j]!;
        out.obs[i * 4 + j] = end[j]!;
      }
      const [p, phi] = [end[0]!, end[1]!];
      out.reward[i] = F(F(Math.exp(F(F(F(p * p) + F(phi * phi)) * Q.half))) - 1);
    }
  },
  backward({ batch, state, action }, dy, grad) {
    const [P, PHI, PD, PHID] = state as [Float32Array, Float32Array, Float32Array, Float32Array];
    const end = new Float64Array(4);
    const trace = new Float64Array(Q.substeps * TRACE_WIDTH);
    for (let i = 0; i < batch; i++) {
      pilcoIntegrate(P[i]!, PHI[i]!, PD[i]!, PHID[i]!, F(action[i]! * Q.force), end, trace);
      const [pEnd, phiEnd] = [end[0]!, end[1]!];
      const dReward = dy.reward[i]! * Math.exp(F(F(F(pEnd * pEnd) + F(phiEnd * phiEnd)) * Q.half)) * Q.half * 2;
      let gp = dy.state[0]![i]! + dy.obs[i * 4]! + dReward * pEnd;
      let gphi = dy.state[1]![i]! + dy.obs[i * 4 + 1]! + dReward * phiEnd;
      let gpd = dy.state[2]![i]! + dy.obs[i * 4 + 2]!;
      let gphid = dy.state[3]![i]! + dy.obs[i * 4 + 3]!;
      let gforce = 0;
      for (let k = Q.substeps - 1; k >= 0; k--) {
        const at = k * TRACE_WIDTH;
        const [pd, phid, sin, cos, bracket, numerator, denominator, pdd] = [
          trace[at + 2]!,
          trace[at + 3]!,
          trace[at + 4]!,
          trace[at + 5]!,
          trace[at + 6]!,
          trace[at + 7]!,
          trace[at + 8]!,
          trace[at + 9]!,
        ];
        // p' = p + h ṗ, φ' = φ + h φ̇, ṗ' = ṗ + h p̈, φ̇' = φ̇ + h φ̈ (old derivatives).
        const gpdd0 = gpd * Q.h;
        const gphidd = gphid * Q.h;
        gpd += gp * Q.h;
        gphid += gphi * Q.h;
        // φ̈ = k4 (g sinφ + cosφ p̈); p̈ = numerator / denominator.
        let gsin = gphidd * Q.k4 * Q.g;
        let gcos = gphidd * Q.k4 * pdd;
        const gpdd = gpdd0 + gphidd * Q.k4 * cos;
        const gnum = gpdd / denominator;
        const gden = (-gpdd * numerator) / (denominator * denominator);
        gcos -= gden * 2 * cos * Q.k3;
        // numerator = sinφ·A + F − b ṗ; A = k1 cosφ − k2 φ̇².
        gsin += gnum * bracket;
        const gA = gnum * sin;
        gforce += gnum;
        gpd -= gnum * Q.friction;
        gcos += gA * Q.k1;
        gphid -= gA * 2 * phid * Q.k2;
        gphi += gsin * cos - gcos * sin;
      }
      grad.state[0]![i] = gp;
      grad.state[1]![i] = gphi;
      grad.state[2]![i] = gpd;
      grad.state[3]![i] = gphid;
      grad.action[i] = gforce * Q.force;
    }
  },
};
