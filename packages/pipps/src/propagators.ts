import { ConfigError, matMulT, tf } from '@pathwise/core';
import { totalPropagationWeights } from '@pathwise/estimators';
import { choleskyLower } from './cholesky.js';
import { looAdvantage, lrMessage, stepVjp, sumParticles } from './step-vjp.js';
import type { BackwardContext, Message, Outbox, Propagator, StepInput, TapeNode } from './types.js';

/** What every Gaussian sample node keeps: x_t, ε_{t+1}, s_{t+1}, and its output x_{t+1}. */
interface SampleRecord {
  x: tf.Tensor;
  eps: tf.Tensor;
  std: tf.Tensor;
  output: tf.Tensor;
}

function gaussianSample(input: StepInput): SampleRecord {
  const eps = input.rng.normalTensor([input.particles, input.system.stateDim]);
  const { std, output } = tf.tidy(() => {
    const { mean, std } = input.system.predict(input.x, input.views, input.t);
    return { std: tf.clone(std), output: tf.add(mean, tf.mul(std, eps)) };
  });
  return { x: input.x, eps, std, output };
}

function sampleNode(kind: string, t: number, record: SampleRecord, backward: TapeNode['backward'], extra: tf.Tensor[] = []): TapeNode {
  return {
    kind,
    t,
    backward,
    dispose: () => tf.dispose([record.eps, record.std, record.output, ...extra]),
  };
}

/** Passes the return-to-go on to the previous node unchanged (every sample node does). */
function passReturn(inbox: Message): Message {
  return inbox.returnToGo ? { returnToGo: inbox.returnToGo } : {};
}

function zerosFor(record: SampleRecord): tf.Tensor {
  return tf.zerosLike(record.eps);
}

/** Reparameterisation (pathwise) node: the RP message (γ, γ ⊙ ε) is pushed through the step (§2.2). */
export function rpPropagator(): Propagator {
  return {
    name: 'rp',
    pathwiseCost: true,
    forward(input) {
      const record = gaussianSample(input);
      const backward = (inbox: Message, context: BackwardContext): Outbox => {
        const gamma = inbox.dx ?? zerosFor(record);
        const { dx, dViews } = stepVjp(context.system, input.t, record.x, context.views, gamma, tf.mul(gamma, record.eps));
        return { sends: [{ message: { ...passReturn(inbox), dx } }], gradients: sumParticles(dViews) };
      };
      return { output: record.output, node: sampleNode('rp', input.t, record, backward) };
    },
  };
}

/**
 * Likelihood-ratio node with the leave-one-out baseline (§2.3): x_{t+1} is a constant; the θ-part of
 * the VJP of the scores weighted by (G − b)/P is the contribution; nothing flows into x_t.
 */
export function lrPropagator(): Propagator {
  return {
    name: 'lr',
    pathwiseCost: false,
    forward(input) {
      const record = gaussianSample(input);
      const backward = (inbox: Message, context: BackwardContext): Outbox => {
        if (!inbox.returnToGo) return { sends: [] };
        const { dMean, dStd } = lrMessage(looAdvantage(inbox.returnToGo, context.particles), record.eps, record.std);
        const { dViews } = stepVjp(context.system, input.t, record.x, context.views, dMean, dStd);
        return { sends: [{ message: passReturn(inbox) }], gradients: sumParticles(dViews) };
      };
      return { output: record.output, node: sampleNode('lr', input.t, record, backward) };
    },
  };
}

export interface TotalPropagationOptions {
  /**
   * Fixes k_LR at every node instead of inverse-variance weighting (for tests: 0 reproduces RP,
   * 1 the LR θ-gradient, spec §6.1.3).
   */
  fixedKLR?: number;
}

/**
 * Total propagation (§2.5): the LR and RP messages go through one VJP on a 2P batch; their
 * per-particle θ-parts give k_LR = V_RP/(V_LR + V_RP) (one scalar per node, @pathwise/estimators'
 * `totalPropagationWeights`); the θ-gradient and the message into x_t are the k-mixtures, and the
 * mixed message continues backwards in the same pass.
 */
export function tpPropagator(options: TotalPropagationOptions = {}): Propagator {
  const fixed = options.fixedKLR;
  if (fixed !== undefined && !(fixed >= 0 && fixed <= 1)) throw new ConfigError('fixedKLR', fixed, 'a number in [0, 1]');
  return {
    name: 'tp',
    pathwiseCost: true,
    forward(input) {
      const record = gaussianSample(input);
      const backward = (inbox: Message, context: BackwardContext): Outbox => {
        const P = context.particles;
        const gamma = inbox.dx ?? zerosFor(record);
        const advantage = inbox.returnToGo ? looAdvantage(inbox.returnToGo, P) : tf.zeros([P]);
        const lr = lrMessage(advantage, record.eps, record.std);
        const twice = (v: tf.Tensor) => tf.concat([v, v], 0);
        const { dx, dViews } = stepVjp(
          context.system,
          input.t,
          twice(record.x),
          context.views.map(twice),
          tf.concat([lr.dMean, gamma], 0),
          tf.concat([lr.dStd, tf.mul(gamma, record.eps)], 0),
        );
        const first = (v: tf.Tensor) => tf.slice(v, 0, P);
        const second = (v: tf.Tensor) => tf.slice(v, P, P);
        const hLR = dViews.map(first);
        const hRP = dViews.map(second);
        let kLR: tf.Scalar;
        if (fixed === undefined) kLR = totalPropagationWeights(hLR, hRP).kLR;
        else kLR = tf.scalar(fixed);
        const kRP = tf.sub(1, kLR);
        const mix = (a: tf.Tensor, b: tf.Tensor) => tf.add(tf.mul(kLR, a), tf.mul(kRP, b));
        const gradients = hLR.map((h, i) => mix(tf.sum(h, 0), tf.sum(hRP[i]!, 0)));
        const message: Message = { ...passReturn(inbox), dx: mix(first(dx), second(dx)) };
        return { sends: [{ message }], gradients, diagnostics: { kLR } };
      };
      return { output: record.output, node: sampleNode('tp', input.t, record, backward) };
    },
  };
}

export interface GaussianResamplingOptions {
  /** Added to the diagonal of the particle covariance before the Cholesky factorisation (default 1e-6). */
  jitter?: number;
}

/**
 * Gaussian resampling (§2.6): the RP sample z is replaced by x = μ̂ + L ξ with μ̂, L L^T the particle
 * mean and (Bessel, symmetrised, jittered) covariance; the backward pass is pathwise through μ̂ and L
 * (autodiff through an unrolled D×D Cholesky) and then through the step. Needs P > D.
 */
export function grPropagator(options: GaussianResamplingOptions = {}): Propagator {
  const jitter = options.jitter ?? 1e-6;
  return {
    name: 'gr',
    pathwiseCost: true,
    forward(input) {
      const P = input.particles;
      if (P <= input.system.stateDim) throw new ConfigError('particles', P, `more than the state dimension ${input.system.stateDim} for Gaussian resampling`);
      const eps = input.rng.normalTensor([P, input.system.stateDim]);
      const xi = input.rng.normalTensor([P, input.system.stateDim]);
      const resampled = (x: tf.Tensor, views: readonly tf.Tensor[]) => {
        const { mean, std } = input.system.predict(x, views, input.t);
        return resample(tf.add(mean, tf.mul(std, eps)), xi, jitter);
      };
      const output = tf.tidy(() => resampled(input.x, input.views));
      const backward = (inbox: Message, context: BackwardContext): Outbox => {
        const gamma = inbox.dx ?? tf.zerosLike(eps);
        const [dx, ...dViews] = tf.grads((x: tf.Tensor, ...v: tf.Tensor[]) => resampled(x, v))([input.x, ...context.views], gamma);
        return { sends: [{ message: { ...passReturn(inbox), dx: dx! } }], gradients: sumParticles(dViews) };
      };
      const node: TapeNode = { kind: 'gr', t: input.t, backward, dispose: () => tf.dispose([eps, xi, output]) };
      return { output, node };
    },
  };
}

/** x_j = μ̂ + L ξ_j with μ̂, Σ̂ = L L^T the particle mean and covariance of z [P, D]. */
export function resample(z: tf.Tensor, xi: tf.Tensor, jitter = 1e-6): tf.Tensor {
  const [P, D] = z.shape as [number, number];
  const mu = tf.mean(z, 0, true);
  const centred = tf.sub(z, mu);
  const cov = tf.div(matMulT(centred, centred, true, false), P - 1);
  const symmetric = tf.add(tf.mul(tf.add(cov, tf.transpose(cov)), 0.5), tf.mul(tf.eye(D), jitter));
  return tf.add(mu, matMulT(xi, choleskyLower(symmetric), false, true));
}

export type PropagatorName = 'rp' | 'lr' | 'tp' | 'gr';
export const PROPAGATOR_NAMES: readonly PropagatorName[] = ['rp', 'lr', 'tp', 'gr'];

export function makePropagator(name: string): Propagator {
  switch (name) {
    case 'rp':
      return rpPropagator();
    case 'lr':
      return lrPropagator();
    case 'tp':
      return tpPropagator();
    case 'gr':
      return grPropagator();
    default:
      throw new ConfigError('propagator', name, PROPAGATOR_NAMES.join(', '));
  }
}
