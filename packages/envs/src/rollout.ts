import { tf } from '@pathwise/core';
import type { Env, EnvState } from './env.js';

/**
 * Σ over steps and envs of the reward of an open-loop rollout from `initial` with the given per-step
 * actions ([B, actDim] each), as one differentiable scalar: `tf.grads((...a) => rolloutReturn(env, s0, a))`
 * gives the analytic gradient with respect to every action. `onStep` sees each step's result.
 */
export function rolloutReturn(env: Env, initial: EnvState, actions: readonly tf.Tensor[], onStep?: (result: ReturnType<Env['step']>, step: number) => void): tf.Scalar {
  let state = initial;
  let sum: tf.Tensor = tf.scalar(0);
  actions.forEach((action, k) => {
    const result = env.step(state, action);
    onStep?.(result, k);
    sum = tf.add(sum, tf.sum(result.reward));
    state = result.state;
  });
  return sum as tf.Scalar;
}
