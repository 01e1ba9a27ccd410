import { ConfigError, Rng, tf } from '@pathwise/core';
import { makeEnv } from '@pathwise/envs';
import type { ParticleSystem } from './types.js';

// ---------------------------------------------------------------------------------------------
// Linear-Gaussian chain (spec §6.2): analytic gradient known.

export interface LinearGaussianOptions {
  a?: number;
  b?: number;
  sigma?: number;
  theta?: number;
  initMean?: number;
  initStd?: number;
}

const LINEAR_DEFAULTS = { a: 0.9, b: 0.5, sigma: 0.3, theta: -0.6, initMean: 1, initStd: 0.2 };

/** x_{t+1} = (a + bθ) x_t + σ ε with u = θx, cost x_t², x_0 ~ N(1, 0.2²) (spec §6.2). */
export function linearGaussianSystem(options: LinearGaussianOptions = {}): ParticleSystem & { theta: tf.Tensor } {
  const c = { ...LINEAR_DEFAULTS, ...options };
  const theta = tf.scalar(c.theta);
  return {
    name: 'linear-gaussian',
    stateDim: 1,
    params: [theta],
    theta,
    initial: (P: number, rng: Rng) => rng.normalTensor([P, 1], c.initMean, c.initStd),
    predict: (x, [th]) => {
      const gain = tf.add(c.a, tf.mul(c.b, th!)); // [P]
      return { mean: tf.mul(x, tf.expandDims(gain, 1)), std: tf.fill(x.shape as [number, number], c.sigma) };
    },
    cost: (x) => tf.reshape(tf.square(x), [-1]),
  };
}

/** dJ/dθ of the linear-Gaussian chain in float64 (spec §6.2). */
export function linearGaussianGradient(horizon: number, options: LinearGaussianOptions = {}): number {
  const c = { ...LINEAR_DEFAULTS, ...options };
  const k = c.a + c.b * c.theta;
  let v = c.initMean * c.initMean + c.initStd * c.initStd; // E x_0²
  let dv = 0;
  let total = 0;
  for (let t = 0; t < horizon; t++) {
    dv = 2 * k * c.b * v + k * k * dv;
    v = k * k * v + c.sigma * c.sigma;
    total += dv;
  }
  return total;
}

// ---------------------------------------------------------------------------------------------
// Chaotic 2-D sigmoid RNN (spec §3.3, Proppo's example).

export interface ChaoticRnnOptions {
  /** β, the gain (default 2.4); the gradient target. */
  beta?: number;
  /** Noise std σ (default 0.001). */
  sigma?: number;
  initial?: readonly [number, number];
}

/** s_{t+1} = sigmoid(β s_t W) + σ ε, W = [[−5, −25], [5, 25]]; loss ½‖1 − s_T‖² at the end only. */
export function chaoticRnnSystem(options: ChaoticRnnOptions = {}): ParticleSystem {
  const beta = tf.scalar(options.beta ?? 2.4);
  const sigma = options.sigma ?? 0.001;
  const [s0, s1] = options.initial ?? [0.35, 0.55];
  const W = tf.tensor2d([
    [-5, -25],
    [5, 25],
  ]);
  return {
    name: 'rnn',
    stateDim: 2,
    params: [beta],
    initial: (P: number) => tf.tidy(() => tf.tile(tf.tensor2d([[s0, s1]]), [P, 1])),
    predict: (x, [b]) => ({
      mean: tf.sigmoid(tf.mul(tf.expandDims(b!, 1), tf.matMul(x, W))),
      std: tf.fill(x.shape as [number, number], sigma),
    }),
    cost: (x) => tf.mul(tf.sum(tf.square(tf.sub(1, x)), 1), 0.5),
    hasCost: (t, horizon) => t === horizon,
  };
}

// ---------------------------------------------------------------------------------------------
// RBF policy with PILCO's sine squashing (spec §1.4), batched over per-particle parameter views.

/** ψ(z) = (9 sin z + sin 3z)/8 ∈ [−1, 1]. */
export function sinSquash(z: tf.Tensor): tf.Tensor {
  return tf.div(tf.add(tf.mul(tf.sin(z), 9), tf.sin(tf.mul(z, 3))), 8);
}

export interface RbfPolicyParams {
  /** [C] output weights (one action). */
  weights: tf.Tensor;
  /** [C, D] centres. */
  centres: tf.Tensor;
  /** [D] log inverse length-scales shared by the centres. */
  logInverseLengthscale: tf.Tensor;
}

/** Initial RBF policy: centres ~ N(centreMean, I), λ = 0, w ~ U(−scale, scale). */
export function initRbfPolicy(rng: Rng, options: { centres: number; centreMean: readonly number[]; weightScale: number }): RbfPolicyParams {
  const D = options.centreMean.length;
  const C = options.centres;
  return {
    weights: rng.uniformTensor([C], -options.weightScale, options.weightScale),
    centres: tf.tidy(() => tf.add(rng.normalTensor([C, D]), tf.tensor1d([...options.centreMean]))),
    logInverseLengthscale: tf.zeros([D]),
  };
}

/** u [P, 1] = ψ(Σ_c w_c exp(−‖e^λ ⊙ (x − μ_c)‖²)) with per-particle views w [P,C], μ [P,C,D], λ [P,D]. */
export function rbfAction(x: tf.Tensor, weights: tf.Tensor, centres: tf.Tensor, logInverseLengthscale: tf.Tensor): tf.Tensor {
  const scaled = tf.mul(tf.sub(tf.expandDims(x, 1), centres), tf.expandDims(tf.exp(logInverseLengthscale), 1));
  const features = tf.exp(tf.neg(tf.sum(tf.square(scaled), 2)));
  return tf.expandDims(sinSquash(tf.sum(tf.mul(weights, features), 1)), 1);
}

// ---------------------------------------------------------------------------------------------
// Env-based systems: the true dynamics of an @pathwise/envs env as the model mean, plus Gaussian
// model noise (spec §3.4), driven by an RBF policy on the state.

export interface EnvSystemOptions {
  seed?: number;
  /** Policy weight scale s: w ~ U(−s, s) (spec §3.4: 0.141, 1 or 3). */
  scale?: number;
  centres?: number;
}

type StateKeys = readonly [string, string, string, string];

function envSystem(
  name: string,
  env: ReturnType<typeof makeEnv>,
  keys: StateKeys,
  centreMean: readonly number[],
  noiseStd: readonly number[],
  cost: (x: tf.Tensor) => tf.Tensor,
  options: EnvSystemOptions,
): ParticleSystem & { policy: RbfPolicyParams } {
  const scale = options.scale ?? 1 / Math.sqrt(options.centres ?? 50);
  if (!(scale > 0)) throw new ConfigError('scale', scale, 'a positive policy weight scale');
  const policy = initRbfPolicy(new Rng(options.seed ?? 0), { centres: options.centres ?? 50, centreMean, weightScale: scale });
  const D = keys.length;
  return {
    name,
    stateDim: D,
    params: [policy.weights, policy.centres, policy.logInverseLengthscale],
    policy,
    initial: (P: number, rng: Rng) =>
      tf.tidy(() => {
        const state = env.reset(P, rng);
        const x = tf.stack(
          keys.map((k) => state[k]!),
          1,
        );
        tf.dispose(Object.values(state));
        return x;
      }),
    predict: (x, [w, mu, lambda]) => {
      const u = rbfAction(x, w!, mu!, lambda!);
      const columns = tf.unstack(x, 1);
      const state: Record<string, tf.Tensor> = { t: tf.zeros([x.shape[0]!]) };
      keys.forEach((k, i) => (state[k] = columns[i]!));
      const next = env.step(state, u).state;
      return {
        mean: tf.stack(
          keys.map((k) => next[k]!),
          1,
        ),
        std: tf.mul(tf.onesLike(x), tf.tensor1d([...noiseStd])),
      };
    },
    cost: (x) => cost(x),
  };
}

/**
 * Cart-pole proxy of spec §3.4: the `cartpole-pilco` env's true dynamics as the model mean, model
 * noise std [0.01, π/180, 0.1, 10π/180], cost 1 − exp(−½(p² + φ²)), x_0 ~ N([0, π, 0, 0], 0.02²I),
 * RBF policy with 50 centres ~ N([0, π, 0, 0], I), λ = 0, w ~ U(−scale, scale).
 */
export function cartpoleSystem(options: EnvSystemOptions = {}): ParticleSystem & { policy: RbfPolicyParams } {
  const env = makeEnv('cartpole-pilco', { nonFinite: 'off' });
  return envSystem('cartpole', env, ['p', 'phi', 'pDot', 'phiDot'], [0, Math.PI, 0, 0], [0.01, Math.PI / 180, 0.1, (10 * Math.PI) / 180], cartpoleCost, options);
}

/** The swing-up cost 1 − exp(−½(p² + φ²)) per row of x [P, 4] = [p, φ, ṗ, φ̇] (spec §4.1; φ not wrapped). */
export function cartpoleCost(x: tf.Tensor): tf.Tensor {
  const [p, phi] = tf.unstack(x, 1);
  return tf.sub(1, tf.exp(tf.mul(tf.add(tf.square(p!), tf.square(phi!)), -0.5)));
}

/**
 * Double pendulum (`double-pendulum` env, RK4, uniform random starts): model noise std
 * [0.01, 0.01, 0.1, 0.1], cost 1 − tip height ∈ [0, 2] from the state, RBF policy on the raw
 * state with centres ~ N(0, I).
 */
export function doublePendulumSystem(options: EnvSystemOptions = {}): ParticleSystem & { policy: RbfPolicyParams } {
  const env = makeEnv('double-pendulum', { nonFinite: 'off' });
  return envSystem(
    'double-pendulum',
    env,
    ['theta1', 'theta2', 'omega1', 'omega2'],
    [0, 0, 0, 0],
    [0.01, 0.01, 0.1, 0.1],
    (x) => {
      const [th1, th2] = tf.unstack(x, 1);
      return tf.add(1, tf.mul(tf.add(tf.cos(th1!), tf.cos(th2!)), 0.5));
    },
    options,
  );
}
