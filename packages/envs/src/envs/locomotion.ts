import { tf } from '@pathwise/core';
import type { Rng } from '@pathwise/core';
import { recordStep, runBackward, runForward, type Field, type Model, type Node, type StepOptions, type Tape } from '@pathwise/physics';
import { defineEnv, type Env, type EnvOptions } from '../env.js';
import type { FusedStep } from '../fused.js';

// The SHAC / DiffRL locomotion envs on @pathwise/physics. The step is one fused tfjs kernel whose
// forward runs the simulator over the batch (a tape over batch-wide float64 vectors, chunk by chunk)
// and whose gradient recomputes the step from its saved inputs and replays the tape backwards. There
// is no op-by-op tfjs form: the kernel is the implementation (`opReference: false`), checked against
// MuJoCo (@pathwise/physics) and finite differences (locomotion.test.ts).

/** What a locomotion env adds to its model: observation, reward and early end, all on the tape but the end. */
export interface LocomotionSpec {
  name: string;
  description: string;
  model: Model;
  step: StepOptions;
  episodeLength: number;
  observationNames: readonly string[];
  rewardDescription: string;
  constants: Record<string, number | string | boolean>;
  /** Observation after the step, from the new coordinates, velocities and the (clipped) action. */
  observe(tape: Tape, q: Node[], qd: Node[], action: Node[]): Node[];
  reward(tape: Tape, obs: Node[], action: Node[]): Node;
  /** Early end from one env's observation. */
  terminated(obs: Float32Array, offset: number): boolean;
  /** A fresh start: writes q (nq) and qd (nv) of one env. */
  init(rng: Rng, q: Float32Array, qd: Float32Array, stochastic: boolean): void;
  /** The observation carries the last action (the ant's does): the state keeps it. */
  actionInObservation: boolean;
}

export interface LocomotionOptions extends EnvOptions {
  /** DiffRL's `stochastic_init` (true in the SHAC and GI-PPO configs); false: every episode starts at the rest pose. */
  stochasticInit?: boolean;
}

type State = { q: tf.Tensor; qd: tf.Tensor } & Record<string, tf.Tensor>;

export function locomotionEnv(spec: LocomotionSpec, options: LocomotionOptions = {}): Env<State> {
  const { model } = spec;
  const stochastic = options.stochasticInit ?? true;
  const nu = model.actuators.length;
  const obsDim = spec.observationNames.length;
  const stepProgram = (tape: Tape, [q, qd, action]: Node[][]): Node[][] => {
    const next = recordStep(tape, model, q!, qd!, action!, spec.step);
    const obs = spec.observe(tape, next.q, next.qd, action!);
    return [next.q, next.qd, obs, [spec.reward(tape, obs, action!)]];
  };
  const observeProgram = (tape: Tape, [q, qd, action]: Node[][]): Node[][] => [spec.observe(tape, q!, qd!, action!)];
  // The kernel's inputs as tape fields: coordinates, velocities, the clipped action.
  const stepInputs = (state: readonly Float32Array[], action: Float32Array): Field[] => [
    { data: state[0]!, width: model.nq },
    { data: state[1]!, width: model.nv },
    { data: action, width: nu },
  ];
  const stateKeys = spec.actionInObservation ? ['q', 'qd', 'action'] : ['q', 'qd'];

  const fused: FusedStep = {
    stateKeys,
    obsDim,
    exactOn: [],
    defaultOn: [],
    opReference: false,
    // No shader form of the simulator yet: on webgl and webgpu these envs refuse with BackendUnavailableError.
    gpu: false,
    forward({ batch, state, action }, out) {
      const reward = new Float32Array(batch);
      runForward(stepProgram, batch, stepInputs(state, action), [
        { data: out.state[0]!, width: model.nq },
        { data: out.state[1]!, width: model.nv },
        { data: out.obs, width: obsDim },
        { data: reward, width: 1 },
      ]);
      out.reward.set(reward);
      if (spec.actionInObservation) out.state[2]!.set(action);
      for (let i = 0; i < batch; i++) if (spec.terminated(out.obs, i * obsDim)) out.terminated[i] = 1;
    },
    backward({ batch, state, action }, dy, grad) {
      runBackward(
        stepProgram,
        batch,
        stepInputs(state, action),
        [
          { data: dy.state[0]!, width: model.nq },
          { data: dy.state[1]!, width: model.nv },
          { data: dy.obs, width: obsDim },
          { data: dy.reward, width: 1 },
        ],
        [
          { data: grad.state[0]!, width: model.nq },
          { data: grad.state[1]!, width: model.nv },
          { data: grad.action, width: nu },
        ],
      );
      if (spec.actionInObservation) {
        // The stored action is the clipped action itself; the previous one is not read.
        const carried = dy.state[2]!;
        for (let j = 0; j < grad.action.length; j++) grad.action[j] = grad.action[j]! + carried[j]!;
        grad.state[2]!.fill(0);
      }
    },
  };

  return defineEnv<State>(
    {
      name: spec.name,
      description: spec.description,
      obsDim,
      actDim: nu,
      episodeLength: spec.episodeLength,
      action: {
        names: model.actuators.map((a) => a.name),
        units: model.actuators.map(() => 'N·m'),
        low: model.actuators.map((a) => -a.gear),
        high: model.actuators.map((a) => a.gear),
      },
      rewardDescription: spec.rewardDescription,
      observationNames: spec.observationNames,
      constants: { ...spec.constants, stochasticInit: stochastic },
      init: (batch: number, rng: Rng) => {
        const q = new Float32Array(batch * model.nq);
        const qd = new Float32Array(batch * model.nv);
        for (let i = 0; i < batch; i++) spec.init(rng, q.subarray(i * model.nq, (i + 1) * model.nq), qd.subarray(i * model.nv, (i + 1) * model.nv), stochastic);
        const state: Record<string, tf.Tensor> = { q: tf.tensor2d(q, [batch, model.nq]), qd: tf.tensor2d(qd, [batch, model.nv]) };
        if (spec.actionInObservation) state['action'] = tf.zeros([batch, nu]);
        return state as State;
      },
      // On the host, not differentiable (a reset's observation carries no gradient; a step's does).
      observe: (state) => {
        const batch = state.q.shape[0]!;
        const obs = new Float32Array(batch * obsDim);
        const action = spec.actionInObservation ? (state['action']!.dataSync() as Float32Array) : new Float32Array(batch * nu);
        runForward(
          observeProgram,
          batch,
          [
            { data: state.q.dataSync() as Float32Array, width: model.nq },
            { data: state.qd.dataSync() as Float32Array, width: model.nv },
            { data: action, width: nu },
          ],
          [{ data: obs, width: obsDim }],
        );
        return tf.tensor2d(obs, [batch, obsDim]);
      },
      fused,
    },
    options,
  );
}
