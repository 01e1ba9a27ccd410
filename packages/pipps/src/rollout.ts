import { ConfigError, tf, type Rng } from '@pathwise/core';
import { ParticleTape } from './tape.js';
import { particleViews } from './step-vjp.js';
import type { BackwardContext, Message, Outbox, ParticleSystem, Propagator, TapeNode } from './types.js';

/**
 * Loss node of step t: adds c_t to the return-to-go and, when the node that produced x_t is
 * pathwise, the cost gradient (1/P) ∂c_t/∂x_t to the message (spec §5.3).
 */
function lossNode(system: ParticleSystem, x: tf.Tensor, t: number, horizon: number, cost: tf.Tensor, pathwise: boolean): TapeNode {
  return {
    kind: 'loss',
    t,
    backward(inbox: Message, context: BackwardContext): Outbox {
      const returnToGo = inbox.returnToGo ? tf.add(inbox.returnToGo, cost) : cost;
      let dx = inbox.dx;
      if (pathwise) {
        const costGradient = tf.grad((xt: tf.Tensor) => tf.div(tf.sum(system.cost(xt, t, horizon)), context.particles))(x);
        dx = dx ? tf.add(dx, costGradient) : costGradient;
      }
      return { sends: [{ message: { returnToGo, ...(dx ? { dx } : {}) } }] };
    },
    dispose: () => cost.dispose(),
  };
}

export interface PippsOptions {
  particles: number;
  horizon: number;
  rng: Rng;
  /** The estimator of every stochastic node, or a choice per step t (node producing x_{t+1}). */
  propagator: Propagator | ((t: number) => Propagator);
}

export interface PippsResult {
  /** ∂Ĵ/∂θ, one tensor per parameter of the system (the caller disposes them). */
  gradients: tf.Tensor[];
  /** Ĵ = (1/P) Σ_i Σ_{t=1..T} c_t^i. */
  objective: number;
  /** k_LR of each total-propagation node, in forward order (empty without TP nodes). */
  kLR: number[];
}

/**
 * Rolls P particles out for T steps through the system (spec §1.2), recording one node per sample
 * and per cost on a tape, then runs the backward pass: one gradient estimate of ∂J/∂θ. Reads the
 * device twice (objective and k_LR), both after the backward pass.
 */
export function pippsGradient(system: ParticleSystem, options: PippsOptions): PippsResult {
  const { particles: P, horizon: T, rng } = options;
  if (!Number.isInteger(P) || P < 2) throw new ConfigError('particles', P, 'an integer >= 2 (the leave-one-out baseline needs two)');
  if (!Number.isInteger(T) || T < 1) throw new ConfigError('horizon', T, 'an integer >= 1');
  const choose = typeof options.propagator === 'function' ? options.propagator : () => options.propagator as Propagator;
  const views = particleViews(system.params, P);
  const x0 = system.initial(P, rng);
  const tape = new ParticleTape();
  const costs: tf.Tensor[] = [];
  try {
    let x = x0;
    for (let t = 0; t < T; t++) {
      const propagator = choose(t);
      const { output, node } = propagator.forward({ system, x, t, views, rng, particles: P });
      tape.push(node);
      x = output;
      if (system.hasCost && !system.hasCost(t + 1, T)) continue;
      const cost = tf.tidy(() => system.cost(x, t + 1, T));
      costs.push(cost);
      tape.push(lossNode(system, x, t + 1, T, cost, propagator.pathwiseCost));
    }
    const objectiveTensor = tf.tidy(() => (costs.length ? tf.div(tf.sum(tf.stack(costs)), P) : tf.scalar(0)));
    const { gradients, diagnostics } = tape.backward({ particles: P, system, views });
    const objective = objectiveTensor.dataSync()[0]!;
    objectiveTensor.dispose();
    const kLR = diagnostics['kLR'] ? Array.from(diagnostics['kLR'].dataSync()) : [];
    tf.dispose(Object.values(diagnostics));
    return { gradients, objective, kLR };
  } finally {
    tape.dispose();
    tf.dispose([...views, x0]);
  }
}

/** Concatenates per-parameter gradients into one host float64 vector (one device read). */
export function gradientToHost(gradients: tf.Tensor[]): Float64Array {
  const flat = tf.tidy(() => tf.concat(gradients.map((g) => tf.reshape(g, [-1]))));
  try {
    return Float64Array.from(flat.dataSync());
  } finally {
    flat.dispose();
  }
}

/** Host mean of the finite values seen (k_LR of many passes); NaN before any. */
export class FiniteMean {
  private sum = 0;
  private count = 0;
  /** Its running sum and count, for a checkpoint; `FiniteMean.from` restores it. */
  toJSON(): { sum: number; count: number } {
    return { sum: this.sum, count: this.count };
  }
  static from(state: { sum: number; count: number }): FiniteMean {
    const mean = new FiniteMean();
    mean.sum = state.sum;
    mean.count = state.count;
    return mean;
  }
  add(values: Iterable<number>): void {
    for (const v of values) {
      if (Number.isFinite(v)) {
        this.sum += v;
        this.count++;
      }
    }
  }
  get value(): number {
    return this.count > 0 ? this.sum / this.count : NaN;
  }
}
