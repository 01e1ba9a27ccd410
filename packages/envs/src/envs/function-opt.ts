import { tf, ConfigError } from '@pathwise/core';
import { defineEnv, STEP_COUNTER, type Env, type EnvOptions, type EnvState } from '../env.js';
import { safeSqrt } from '../math.js';

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
      // No fused step kernel yet (issue 14): every step runs the op-by-op definition.
      fused: false,
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
