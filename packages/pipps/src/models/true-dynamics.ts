import { tf, type Rng } from '@pathwise/core';
import { CARTPOLE_PILCO_NOISE, makeEnv } from '@pathwise/envs';
import { predictiveNll } from './gp.js';
import type { DynamicsModel, FitReport, ModelState, TransitionData } from './types.js';

/**
 * The true `cartpole-pilco` dynamics plus fixed Gaussian noise (the spec §3.4 proxy, the same
 * system as `cartpoleSystem`) behind the model interface: nothing to fit. A reference for the
 * learned models (what policy search achieves with a perfect mean model).
 */
export class TrueCartpoleModel implements DynamicsModel {
  readonly name = 'true';
  readonly stateDim = 4;
  readonly actionDim = 1;
  readonly rowMultiple = 1;
  private readonly env = makeEnv('cartpole-pilco', { nonFinite: 'off' });
  private readonly noiseStd: tf.Tensor;
  private static readonly keys = ['p', 'phi', 'pDot', 'phiDot'] as const;

  /** `noiseStd` per state dim; default the observation-noise std [0.01, π/180, 0.1, 10π/180]. */
  constructor(noiseStd: readonly number[] = CARTPOLE_PILCO_NOISE) {
    this.noiseStd = tf.tensor1d([...noiseStd]);
  }

  fit(_data: TransitionData, _rng: Rng): FitReport {
    return { loss: NaN, initialLoss: NaN, steps: 0, seconds: 0, details: {} };
  }

  predict(x: tf.Tensor, u: tf.Tensor): { mean: tf.Tensor; std: tf.Tensor } {
    return tf.tidy(() => {
      const columns = tf.unstack(x, 1);
      const state: Record<string, tf.Tensor> = { t: tf.zeros([x.shape[0]!]) };
      TrueCartpoleModel.keys.forEach((k, i) => (state[k] = columns[i]!));
      const next = this.env.step(state, u).state;
      const mean = tf.sub(
        tf.stack(
          TrueCartpoleModel.keys.map((k) => next[k]!),
          1,
        ),
        x,
      );
      return { mean, std: tf.mul(tf.onesLike(x), this.noiseStd) };
    });
  }

  nll(data: TransitionData): number {
    return predictiveNll(this, data);
  }

  state(): ModelState {
    return { kind: 'true' };
  }

  load(_state: ModelState): void {}

  dispose(): void {
    this.noiseStd.dispose();
  }
}
