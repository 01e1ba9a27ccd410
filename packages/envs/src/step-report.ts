import { tf, Rng, ConfigError, ShapeError, NonFiniteError, countNonFinite } from '@pathwise/core';
import type { Env } from './env.js';
import { getEnv } from './registry.js';
import { resetDone } from './state.js';

export interface StepReportOptions {
  /** A registered env name or an env object. */
  env: string | Env;
  /**
   * Env actions in [-1, 1]: one batch `[batch][actDim]` repeated at every step, or one batch per step
   * `[steps][batch][actDim]`.
   */
  actions: unknown;
  /** Seed of the reset (and of the resets of envs that finish during the report). Default 0. */
  seed?: number;
  /** Number of steps K. Default 1, or the number of per-step batches given. */
  steps?: number;
  /** Non-finite rewards or gradients: throw a `NonFiniteError` (default) or report them in `nonFinite`. */
  nonFinite?: 'raise' | 'flag';
}

/** The `pathwise envs step --json` object. */
export interface StepReport {
  env: string;
  batch: number;
  steps: number;
  /** rewards[k][b]: reward of env b at step k. */
  rewards: number[][];
  /** total[b]: Σ_k rewards[k][b] (summed in float64). */
  total: number[];
  /** grad[k][b][j]: ∂ total[b] / ∂ action[k][b][j], the analytic gradient w.r.t. the env action in [-1, 1]. */
  grad: number[][][];
  /** done[k][b]: terminated or truncated at step k (the env is then reset, as a trainer would). */
  done: boolean[][];
  /** Only in `nonFinite: 'flag'` mode and only when some value was NaN/Inf: how many. */
  nonFinite?: { rewards: number; grad: number };
}

/**
 * Runs K steps of `env` from a seeded reset with the given actions and returns the rewards, their
 * per-env totals, the analytic gradients of each total with respect to every action (one backward
 * pass through the whole rollout) and the done flags. Envs that finish are reset (seeded), as a
 * trainer does; gradients do not flow across a reset. The debugging command `pathwise envs step`.
 */
export async function stepReport(options: StepReportOptions): Promise<StepReport> {
  const env = typeof options.env === 'string' ? getEnv(options.env) : options.env;
  const seed = options.seed ?? 0;
  if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new ConfigError('seed', seed, 'a finite number');
  const perStep = parseActions(options.actions, env.actDim, options.steps);
  const steps = perStep.length;
  const batch = perStep[0]!.length;
  const mode = options.nonFinite ?? 'raise';
  if (mode !== 'raise' && mode !== 'flag') throw new ConfigError('nonFinite', mode, "'raise' or 'flag'");

  const rng = new Rng(seed);
  const initial = env.reset(batch, rng);
  const actionTensors = perStep.map((rows) => tf.tensor2d(rows.flat(), [batch, env.actDim], 'float32'));
  const rewardTensors: tf.Tensor[] = [];
  const doneTensors: tf.Tensor[] = [];
  try {
    const rollout = (...actions: tf.Tensor[]): tf.Scalar => {
      let state = initial;
      let total: tf.Tensor = tf.zeros([batch]);
      for (let k = 0; k < steps; k++) {
        const result = env.step(state, actions[k]!);
        const done = tf.logicalOr(result.terminated, result.truncated);
        rewardTensors.push(tf.keep(result.reward));
        doneTensors.push(tf.keep(done));
        total = tf.add(total, result.reward);
        state = k < steps - 1 ? resetDone(env, result.state, done, rng) : result.state;
      }
      return tf.sum(total) as tf.Scalar;
    };
    const { value, grads } = tf.valueAndGrads(rollout)(actionTensors);
    value.dispose();
    const gradValues = await Promise.all(grads.map((g) => g.array() as Promise<number[][]>));
    tf.dispose(grads);
    const rewards = await Promise.all(rewardTensors.map((r) => r.array() as Promise<number[]>));
    const done = await Promise.all(doneTensors.map(async (d) => Array.from(await d.data(), (v) => v !== 0)));
    const total = Array.from({ length: batch }, (_, b) => rewards.reduce((sum, row) => sum + row[b]!, 0));
    const report: StepReport = { env: env.name, batch, steps, rewards, total, grad: gradValues, done };
    const badRewards = countNonFinite(rewards.flat());
    const badGrad = countNonFinite(gradValues.flat(2));
    if (badRewards + badGrad > 0) {
      if (mode === 'raise') {
        if (badRewards > 0) throw new NonFiniteError(`${env.name} rewards`, badRewards, steps * batch);
        throw new NonFiniteError(`${env.name} action gradients`, badGrad, steps * batch * env.actDim);
      }
      report.nonFinite = { rewards: badRewards, grad: badGrad };
    }
    return report;
  } finally {
    tf.dispose([...actionTensors, ...rewardTensors, ...doneTensors]);
    tf.dispose(initial);
  }
}

/** Validates `actions` and returns one [batch][actDim] array per step. */
export function parseActions(actions: unknown, actDim: number, steps?: number): number[][][] {
  if (steps !== undefined && (!Number.isInteger(steps) || steps < 1)) throw new ConfigError('steps', steps, 'a positive integer');
  if (!Array.isArray(actions) || actions.length === 0) {
    throw new ConfigError('actions', actions, `a non-empty array: [batch][${actDim}] or [steps][batch][${actDim}]`);
  }
  const perStepGiven = Array.isArray(actions[0]) && Array.isArray((actions[0] as unknown[])[0]);
  const batches = (perStepGiven ? actions : [actions]) as unknown[];
  if (perStepGiven && steps !== undefined && steps !== batches.length) {
    throw new ShapeError(`actions has ${batches.length} per-step batches but steps = ${steps}; give one batch per step or a single batch to repeat.`);
  }
  let batch = -1;
  const parsed = batches.map((rows, k) => {
    const where = perStepGiven ? `actions[${k}]` : 'actions';
    if (!Array.isArray(rows) || rows.length === 0) throw new ShapeError(`${where} must be a non-empty array of per-env actions.`);
    if (batch === -1) batch = rows.length;
    if (rows.length !== batch) throw new ShapeError(`${where} has ${rows.length} envs but actions[0] has ${batch}: every step needs the same batch (ragged array).`);
    return rows.map((row: unknown, b) => {
      if (!Array.isArray(row)) throw new ShapeError(`${where}[${b}] must be an array of ${actDim} numbers.`);
      if (row.length !== actDim) throw new ShapeError(`${where}[${b}] has ${row.length} numbers; this env has actDim = ${actDim}.`);
      return row.map((v: unknown, j) => {
        if (typeof v !== 'number' || !Number.isFinite(v)) throw new ConfigError(`${where}[${b}][${j}]`, v, 'a finite number (env actions live in [-1, 1])');
        return v;
      });
    });
  });
  if (perStepGiven) return parsed;
  return new Array<number[][]>(steps ?? 1).fill(parsed[0]!);
}
