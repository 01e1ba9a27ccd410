import { tf, ConfigError } from '@pathwise/core';
import { defineEnv, STEP_COUNTER, type Env, type EnvOptions, type EnvState } from '../env.js';
import { safeSqrt, SQRT_GRAD_FLOOR } from '../math.js';
import type { FusedStep } from '../fused.js';
import { lit, type GpuFusedStep } from '../fused-gpu.js';

// GI-PPO function-optimisation suite (SonSang/gippo envs/func_optim, docs/algorithms/gippo.md §1):
// a state-less, one-step problem; the observation is always 0 and the reward is -f(B * a).

export const DEJONG_BOUND = 5.12;
export const ACKLEY_BOUND = 32.768;
const ACKLEY_A = 20;
const ACKLEY_B = 0.2;
const ACKLEY_C = 2 * Math.PI;

export type FunctionName = 'dejong' | 'ackley';

export interface FunctionEnvOptions extends EnvOptions {
  /** Dimension of x (the action); the registered envs use 1 and 64. */
  dim?: number;
}

/** De Jong's sphere f(x) = Σ x_i², x = 5.12·a; reward −f. */
export function dejongEnv(options: FunctionEnvOptions = {}): Env {
  return functionEnv('dejong', options);
}

/** Ackley (a = 20, b = 0.2, c = 2π), x = 32.768·a; reward −f. */
export function ackleyEnv(options: FunctionEnvOptions = {}): Env {
  return functionEnv('ackley', options);
}

function functionEnv(kind: FunctionName, options: FunctionEnvOptions): Env {
  const dim = options.dim ?? 1;
  if (!Number.isInteger(dim) || dim < 1) throw new ConfigError('dim', dim, 'a positive integer');
  const bound = kind === 'dejong' ? DEJONG_BOUND : ACKLEY_BOUND;
  const name = dim === 1 ? kind : `${kind}${dim}`;
  const title = kind === 'dejong' ? 'De Jong sphere' : 'Ackley';
  return defineEnv<EnvState>(
    {
      name,
      description: `${title} function optimisation (GI-PPO), ${dim}-D: one step, zero observation, reward -f(${bound}·a)`,
      obsDim: 1,
      actDim: dim,
      episodeLength: 1,
      action: {
        names: Array.from({ length: dim }, (_, i) => `x${i}`),
        units: new Array<string>(dim).fill('1'),
        low: new Array<number>(dim).fill(-bound),
        high: new Array<number>(dim).fill(bound),
      },
      rewardDescription:
        kind === 'dejong' ? 'r = -Σ x_i², x = 5.12·clip(a); range [-26.2144·dim, 0]' : 'r = -(-20·exp(-0.2·sqrt(mean x²)) - exp(mean cos(2π x)) + 20 + e), x = 32.768·clip(a); optimum 0 at x = 0',
      observationNames: ['zero'],
      constants:
        kind === 'dejong'
          ? { bound: DEJONG_BOUND, dim, source: 'SonSang/gippo envs/func_optim/dejong.py' }
          : { bound: ACKLEY_BOUND, a: ACKLEY_A, b: ACKLEY_B, c: ACKLEY_C, dim, source: 'SonSang/gippo envs/func_optim/ackley.py' },
      init: () => ({}),
      observe: (state) => tf.zeros([state[STEP_COUNTER]!.shape[0]!, 1]),
      fused: kind === 'dejong' ? DEJONG_FUSED : ACKLEY_FUSED,
      transition: (_state, action) => ({ state: {}, reward: kind === 'dejong' ? dejongReward(action) : ackleyReward(action) }),
    },
    options,
  );
}

/** -Σ (5.12 a)², computed as -5.12² Σ a² (one multiply fewer; equal up to float32 rounding). */
function dejongReward(action: tf.Tensor): tf.Tensor {
  return tf.mul(tf.sum(tf.square(action), 1), -DEJONG_BOUND * DEJONG_BOUND);
}

function ackleyReward(action: tf.Tensor): tf.Tensor {
  const x = tf.mul(action, ACKLEY_BOUND);
  const norm = safeSqrt(tf.mean(tf.square(x), 1));
  const radial = tf.mul(tf.exp(tf.mul(norm, -ACKLEY_B)), ACKLEY_A);
  const periodic = tf.exp(tf.mean(tf.cos(tf.mul(x, ACKLEY_C)), 1));
  // -f = a·exp(-b·norm) + exp(mean cos(c x)) - a - e
  return tf.sub(tf.add(radial, periodic), ACKLEY_A + Math.E);
}

// The fused steps: the rewards above per env, rounded like the cpu kernels (Math.fround after each op,
// number operands rounded to float32; tf.sum accumulates in float64 and rounds once; tf.mean divides
// each element by the count first), so bit-identical to the op path on cpu.
const F = Math.fround;

function functionFused(
  reward: (action: Float32Array, row: number, dim: number) => number,
  gradient: (action: Float32Array, row: number, dim: number, dReward: number, out: Float32Array) => void,
  gpu: GpuFusedStep,
): FusedStep {
  return {
    stateKeys: [],
    obsDim: 1,
    exactOn: ['cpu'],
    defaultOn: ['cpu'],
    gpu,
    forward({ batch, action }, out) {
      const dim = action.length / batch;
      for (let i = 0; i < batch; i++) {
        out.reward[i] = reward(action, i, dim);
        out.obs[i] = 0;
      }
    },
    backward({ batch, action }, dy, grad) {
      const dim = action.length / batch;
      for (let i = 0; i < batch; i++) gradient(action, i, dim, dy.reward[i]!, grad.action);
    },
  };
}

const DEJONG_SCALE = F(-DEJONG_BOUND * DEJONG_BOUND);

const DEJONG_FUSED = functionFused(
  (a, i, dim) => {
    let sum = 0;
    for (let j = i * dim; j < (i + 1) * dim; j++) sum += F(a[j]! * a[j]!);
    return F(F(sum) * DEJONG_SCALE);
  },
  (a, i, dim, dr, out) => {
    for (let j = i * dim; j < (i + 1) * dim; j++) out[j] = dr * DEJONG_SCALE * 2 * a[j]!;
  },
  // Shader code (fused-gpu.ts): ACT_DIM is the action's width.
  {
    forward: { body: 'float sum = 0.0; for (int j = 0; j < ACT_DIM; j++) { float a = act(row, j); sum += a * a; }', state: [], reward: `sum * ${lit(DEJONG_SCALE)}`, obs: ['0.0'] },
    backward: { body: '', state: [], action: `DR * ${lit(DEJONG_SCALE)} * 2.0 * act(row, col)` },
  },
);

const ACKLEY = { bound: F(ACKLEY_BOUND), a: F(ACKLEY_A), minusB: F(-ACKLEY_B), c: F(ACKLEY_C), offset: F(ACKLEY_A + Math.E) };

/** mean x², mean cos(c x), and the radial and periodic terms of one row. */
function ackleyTerms(a: Float32Array, i: number, dim: number): { meanSquare: number; radial: number; periodic: number } {
  const n = F(dim);
  let squares = 0;
  let cosines = 0;
  for (let j = i * dim; j < (i + 1) * dim; j++) {
    const x = F(a[j]! * ACKLEY.bound);
    squares += F(F(x * x) / n);
    cosines += F(F(Math.cos(F(x * ACKLEY.c))) / n);
  }
  const meanSquare = F(squares);
  const radial = F(F(Math.exp(F(F(Math.sqrt(meanSquare)) * ACKLEY.minusB))) * ACKLEY.a);
  return { meanSquare, radial, periodic: F(Math.exp(F(cosines))) };
}

// Shader code (fused-gpu.ts): the terms of ackleyTerms, then the gradient of one action column.
const ACKLEY_GPU_TERMS = `
float squares = 0.0;
float cosines = 0.0;
for (int j = 0; j < ACT_DIM; j++) {
  float x = act(row, j) * ${lit(ACKLEY.bound)};
  squares += x * x / ACT_DIMF;
  cosines += cos(x * ${lit(ACKLEY.c)}) / ACT_DIMF;
}
float radial = exp(sqrt(squares) * ${lit(ACKLEY.minusB)}) * ${lit(ACKLEY.a)};
float periodic = exp(cosines);
`;
const ACKLEY_GPU_BACKWARD = {
  body: `${ACKLEY_GPU_TERMS}
float dMeanSquare = DR * ${lit(ACKLEY.minusB)} * radial * 0.5 / sqrt(max(squares, ${lit(SQRT_GRAD_FLOOR)}));
`,
  state: [],
  // x of the output column: act(row, col) · bound.
  action: `(dMeanSquare * 2.0 * act(row, col) * ${lit(ACKLEY.bound)} / ACT_DIMF - DR * periodic * sin(act(row, col) * ${lit(ACKLEY.bound)} * ${lit(ACKLEY.c)}) * ${lit(ACKLEY.c)} / ACT_DIMF) * ${lit(ACKLEY.bound)}`,
};

const ACKLEY_FUSED = functionFused(
  (a, i, dim) => {
    const { radial, periodic } = ackleyTerms(a, i, dim);
    return F(F(radial + periodic) - ACKLEY.offset);
  },
  (a, i, dim, dr, out) => {
    const { meanSquare, radial, periodic } = ackleyTerms(a, i, dim);
    // safeSqrt's gradient: 0.5 / sqrt(max(m, floor)), finite at the origin.
    const dNorm = dr * ACKLEY.minusB * radial;
    const dMeanSquare = (dNorm * 0.5) / Math.sqrt(Math.max(meanSquare, SQRT_GRAD_FLOOR));
    for (let j = i * dim; j < (i + 1) * dim; j++) {
      const x = F(a[j]! * ACKLEY.bound);
      const dx = (dMeanSquare * 2 * x) / dim - (dr * periodic * Math.sin(F(x * ACKLEY.c)) * ACKLEY.c) / dim;
      out[j] = dx * ACKLEY.bound;
    }
  },
  { forward: { body: ACKLEY_GPU_TERMS, state: [], reward: `radial + periodic - ${lit(ACKLEY.offset)}`, obs: ['0.0'] }, backward: ACKLEY_GPU_BACKWARD },
);
