import { tf, ShapeError } from '@pathwise/core';
import type { Rng } from '@pathwise/core';
import type { Env, EnvState } from './env.js';

/**
 * Resets the envs where `done` ([B] bool) is true and keeps the others: what a trainer does after
 * each step. Gradients flow into the kept envs only. Returns a new state; the caller disposes the old one.
 * A whole fresh batch is drawn from `rng` (one vectorised reset), so the draws do not depend on `done`.
 */
export function resetDone<S extends EnvState>(env: Env<S>, state: S, done: tf.Tensor, rng: Rng): S {
  const batch = batchSize(state);
  if (done.rank !== 1 || done.shape[0] !== batch) {
    throw new ShapeError(`resetDone: done must have shape [${batch}]; got [${done.shape.join(', ')}].`);
  }
  const fresh = env.reset(batch, rng);
  const merged = tf.tidy(() => {
    const mask = done.dtype === 'bool' ? done : tf.cast(done, 'bool');
    // tf.where broadcasts numpy-style, so the [B] mask becomes [B, 1, ...] to match each tensor's rank.
    const byRank = new Map<number, tf.Tensor>();
    const maskFor = (rank: number): tf.Tensor => {
      let m = byRank.get(rank);
      if (m === undefined) byRank.set(rank, (m = rank === 1 ? mask : tf.reshape(mask, [batch, ...new Array<number>(rank - 1).fill(1)])));
      return m;
    };
    return Object.fromEntries(
      Object.entries(state).map(([key, value]) => {
        const replacement = fresh[key];
        if (replacement === undefined) throw new ShapeError(`resetDone: state key '${key}' is not produced by ${env.name}.reset().`);
        return [key, tf.where(maskFor(value.rank), replacement, value)];
      }),
    ) as S;
  });
  tf.dispose(fresh);
  return merged;
}

/** Repeats every env of a state `times` times along the batch ([e0, e1, e0, e1, ...]). */
export function tileState<S extends EnvState>(state: S, times: number): S {
  return tf.tidy(() => Object.fromEntries(Object.entries(state).map(([key, value]) => [key, tf.tile(value, [times, ...new Array<number>(value.rank - 1).fill(1)])])) as S);
}

/** The batch size of a state (the first dimension of its tensors). */
export function batchSize(state: EnvState): number {
  const first = Object.values(state)[0];
  if (first === undefined) throw new ShapeError('An env state must hold at least one tensor.');
  return first.shape[0]!;
}
