import { antModel, hopperModel, DIFFRL_STEP, HOPPER_DIFFRL, ANT_DIFFRL, ONE, ZERO, type Node, type Tape } from '@pathwise/physics';
import type { Rng } from '@pathwise/core';
import { locomotionEnv, type LocomotionOptions } from './locomotion.js';

// The SHAC / DiffRL Hopper and Ant (NVlabs/DiffRL envs/hopper.py, envs/ant.py): their observations,
// rewards, early ends and random starts, on the @pathwise/physics models of the same robots. Every
// constant and its source is in the envs README. DiffRL's world is y-up (dflex); we simulate z-up and
// report DiffRL's observations: its world is ours turned by −90° about x, (x, y, z) ↦ (x, z, −y).

export const HOPPER = {
  episodeLength: 1000,
  terminationHeight: -0.45,
  terminationHeightTolerance: 0.15,
  terminationAngle: Math.PI / 6,
  heightRewardScale: 1.0,
  actionPenalty: -1e-1,
  actionStrength: HOPPER_DIFFRL.actionStrength,
  dt: DIFFRL_STEP.dt,
  substeps: DIFFRL_STEP.substeps,
} as const;

export const ANT = {
  episodeLength: 1000,
  terminationHeight: 0.27,
  actionPenalty: 0.0,
  jointVelocityObsScale: 0.1,
  upRewardScale: 0.1,
  startHeight: 0.75,
  startJointQ: [0.0, 1.0, 0.0, -1.0, 0.0, -1.0, 0.0, 1.0],
  targetX: 10000.0,
  actionStrength: ANT_DIFFRL.actionStrength,
  dt: DIFFRL_STEP.dt,
  substeps: DIFFRL_STEP.substeps,
} as const;

/** U(−half, half). */
const centred = (rng: Rng, half: number) => half * (2 * rng.uniform() - 1);

function actionSquares(t: Tape, action: Node[]): Node {
  return action.reduce<Node>((sum, a) => t.fma(a, a, sum), ZERO);
}

export function hopperEnv(options: LocomotionOptions = {}) {
  const h = HOPPER;
  return locomotionEnv(
    {
      name: 'hopper',
      description: 'SHAC/DiffRL Hopper: planar one-legged hopper (6 dofs, 3 motors), penalty ground contact, 1000 steps of 1/60 s',
      model: hopperModel(),
      step: DIFFRL_STEP,
      episodeLength: h.episodeLength,
      observationNames: ['rootz', 'rooty', 'thigh', 'leg', 'foot', 'rootx_dot', 'rootz_dot', 'rooty_dot', 'thigh_dot', 'leg_dot', 'foot_dot'],
      rewardDescription:
        'r = ẋ + height + angle − 0.1·Σa², height = clip(z + 0.3, −1, 0.3) made −200·h² where negative, angle = 1 − (θ/(π/6))²; z, θ the root slide and hinge; ends early when z < −0.45',
      constants: { ...h, source: 'NVlabs/DiffRL envs/hopper.py; Gymnasium hopper_v5.xml with dflex parse_mjcf arguments (packages/physics README)' },
      observe: (_t, q, qd) => [...q.slice(1), ...qd],
      reward: (t, obs, action) => {
        const heightDiff = t.addc(obs[0]!, -(h.terminationHeight + h.terminationHeightTolerance));
        const clipped = t.maxc(t.minc(heightDiff, 0.3), -1);
        const below = t.minc(clipped, 0);
        const height = t.fma(t.mul(below, below), t.constant(-200), t.mulc(t.maxc(clipped, 0), h.heightRewardScale));
        const angle = t.addc(t.mulc(t.mul(obs[1]!, obs[1]!), -1 / (h.terminationAngle * h.terminationAngle)), 1);
        return t.fma(actionSquares(t, action), t.constant(h.actionPenalty), t.add(t.add(obs[5]!, height), angle));
      },
      terminated: (obs, at) => obs[at]! < h.terminationHeight,
      init: (rng, q, qd, stochastic) => {
        q.fill(0);
        qd.fill(0);
        if (!stochastic) return;
        // DiffRL: root x, z += U(−0.05, 0.05); root angle U(−0.05, 0.05); joints += U(−0.05, 0.05); all velocities U(−0.05, 0.05).
        for (let i = 0; i < 6; i++) q[i] = centred(rng, 0.05);
        for (let i = 0; i < 6; i++) qd[i] = centred(rng, 0.05);
      },
      actionInObservation: false,
    },
    options,
  );
}

// DiffRL's start orientation turns the z-up model into its y-up world: q_dflex = q_C ⊗ q with q_C a
// −90° turn about x, (cos(−π/4), sin(−π/4), 0, 0).
const C = Math.SQRT1_2;

export function antEnv(options: LocomotionOptions = {}) {
  const a = ANT;
  const model = antModel();
  return locomotionEnv(
    {
      name: 'ant',
      description: 'SHAC/DiffRL Ant: quadruped (free torso + 8 hinges), penalty ground contact, 1000 steps of 1/60 s',
      model,
      step: DIFFRL_STEP,
      episodeLength: a.episodeLength,
      observationNames: [
        'height',
        'quat_x',
        'quat_y',
        'quat_z',
        'quat_w',
        'vel_x',
        'vel_y',
        'vel_z',
        'ang_vel_x',
        'ang_vel_y',
        'ang_vel_z',
        ...model.actuators.map((x) => x.name),
        ...model.actuators.map((x) => `${x.name}_dot`),
        'up',
        'heading',
        ...model.actuators.map((x) => `${x.name}_action`),
      ],
      rewardDescription: 'r = v_x + 0.1·up + heading + (height − 0.27), in DiffRL’s y-up frame; ends early when the torso height < 0.27',
      constants: { ...a, startJointQ: a.startJointQ.join(' '), source: 'NVlabs/DiffRL envs/ant.py; Gym ant.xml with dflex parse_mjcf arguments (packages/physics README)' },
      observe: (t, q, qd, action) => {
        const [px, py, pz, w, x, y, z] = q as [Node, Node, Node, Node, Node, Node, Node];
        // Normalised quaternion (the state is stored in float32).
        const inv = t.div(ONE, t.sqrt(t.fma(w, w, t.fma(x, x, t.fma(y, y, t.mul(z, z))))));
        const [qw, qx, qy, qz] = [t.mul(w, inv), t.mul(x, inv), t.mul(y, inv), t.mul(z, inv)];
        // q_C ⊗ q in dflex's (x, y, z, w) order.
        const dq = [t.lin2(qx, qw, C, -C), t.lin2(qy, qz, C, C), t.lin2(qz, qy, C, -C), t.lin2(qw, qx, C, C)];
        // Rotation entries used below: R00, R10, R22 and the body-to-world angular velocity.
        const R = (i: number, j: number): Node => rotationEntry(t, qw, qx, qy, qz, i, j);
        const [wbx, wby, wbz] = [qd[3]!, qd[4]!, qd[5]!];
        const omega = [0, 1, 2].map((i) => t.fma(R(i, 2), wbz, t.fma(R(i, 1), wby, t.mul(R(i, 0), wbx))));
        const toX = t.addc(t.neg(px), a.targetX);
        const norm = t.sqrt(t.fma(toX, toX, t.mul(py, py)));
        const heading = t.div(t.fnma(R(1, 0), py, t.mul(R(0, 0), toX)), norm);
        return [
          pz,
          ...dq,
          qd[0]!,
          qd[2]!,
          t.neg(qd[1]!),
          omega[0]!,
          omega[2]!,
          t.neg(omega[1]!),
          ...q.slice(7),
          ...qd.slice(6).map((v) => t.mulc(v, a.jointVelocityObsScale)),
          R(2, 2),
          heading,
          ...action,
        ];
      },
      reward: (t, obs, action) => {
        const sum = t.add(t.add(obs[5]!, t.mulc(obs[27]!, a.upRewardScale)), t.add(obs[28]!, t.addc(obs[0]!, -a.terminationHeight)));
        return t.fma(actionSquares(t, action), t.constant(a.actionPenalty), sum);
      },
      terminated: (obs, at) => obs[at]! < a.terminationHeight,
      init: (rng, q, qd, stochastic) => {
        q.set([0, 0, a.startHeight, 1, 0, 0, 0, ...a.startJointQ]);
        qd.fill(0);
        if (!stochastic) return;
        // DiffRL: position += U(−0.1, 0.1)³; orientation turned by U(−π/24, π/24) about a random axis
        // (normalised U(−0.5, 0.5)³, in the body frame); joints += U(−0.2, 0.2); velocities U(−0.25, 0.25).
        for (let i = 0; i < 3; i++) q[i] = q[i]! + centred(rng, 0.1);
        const angle = centred(rng, Math.PI / 24);
        const axis = [rng.uniform() - 0.5, rng.uniform() - 0.5, rng.uniform() - 0.5];
        const n = Math.hypot(axis[0]!, axis[1]!, axis[2]!) || 1;
        const s = Math.sin(angle / 2) / n;
        q.set([Math.cos(angle / 2), axis[0]! * s, axis[1]! * s, axis[2]! * s], 3);
        for (let i = 7; i < 15; i++) q[i] = q[i]! + centred(rng, 0.2);
        for (let i = 0; i < 14; i++) qd[i] = centred(rng, 0.25);
      },
      actionInObservation: true,
    },
    options,
  );
}

/** Entry (i, j) of the rotation matrix of a unit quaternion. */
function rotationEntry(t: Tape, w: Node, x: Node, y: Node, z: Node, i: number, j: number): Node {
  const p = (u: Node, v: Node) => t.mul(u, v);
  switch (i * 3 + j) {
    case 0:
      return t.lin2(p(y, y), p(z, z), -2, -2, 1);
    case 1:
      return t.lin2(p(x, y), p(w, z), 2, -2);
    case 2:
      return t.lin2(p(x, z), p(w, y), 2, 2);
    case 3:
      return t.lin2(p(x, y), p(w, z), 2, 2);
    case 4:
      return t.lin2(p(x, x), p(z, z), -2, -2, 1);
    case 5:
      return t.lin2(p(y, z), p(w, x), 2, -2);
    case 6:
      return t.lin2(p(x, z), p(w, y), 2, -2);
    case 7:
      return t.lin2(p(y, z), p(w, x), 2, 2);
    default:
      return t.lin2(p(x, x), p(y, y), -2, -2, 1);
  }
}
