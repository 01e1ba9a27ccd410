import { loadMjcf } from '../mjcf.js';
import type { Model } from '../model.js';
import type { StepOptions } from '../sim.js';
import { HOPPER_XML } from './hopper-xml.js';
import { ANT_XML } from './ant-xml.js';

// The SHAC / DiffRL (NVlabs/DiffRL) Hopper and Ant: the Gymnasium models with the values DiffRL's env
// builders pass to dflex's MJCF loader (envs/hopper.py, envs/ant.py: parse_mjcf arguments; see the
// package README for every constant and its source). dflex's loader reads a joint's own `damping`
// attribute (else its `damping` argument), ignores default classes, applies `armature` to every joint
// and adds limit_kd as viscous damping at all times; mass comes from the geoms at `density`.

/** The integration DiffRL's envs use: dt 1/60 s, 16 substeps, the mass matrix once per step (MM_caching_frequency 16 in the SHAC configs). */
export const DIFFRL_STEP: StepOptions = { dt: 1 / 60, substeps: 16, massMatrixEvery: 16, contacts: true, limits: true };

export const HOPPER_DIFFRL = {
  density: 1000,
  jointDamping: 2.0,
  limitKd: 10,
  limitKe: 1000,
  armature: 1.0,
  contact: { ke: 2e4, kd: 1e3, kf: 1e3, mu: 0.9 },
  actionStrength: 200,
} as const;

export const ANT_DIFFRL = {
  density: 1000,
  jointDamping: 1.0,
  limitKd: 10,
  limitKe: 1000,
  armature: 0.05,
  contact: { ke: 4e4, kd: 1e4, kf: 3e3, mu: 0.75 },
  actionStrength: 200,
} as const;

/** The MJCF MuJoCo loads for the same robots: the shipped files, the Ant at DiffRL's density (1000, the file says 5). */
export const DIFFRL_MUJOCO_XML = { hopper: HOPPER_XML, ant: ANT_XML.replace('density="5.0"', 'density="1000"') } as const;

/** DiffRL's Hopper: 6 dofs (rootx, rootz, rooty, thigh, leg, foot), 3 motors of gear 200 on the hinges. */
export function hopperModel(): Model {
  const c = HOPPER_DIFFRL;
  return loadMjcf(HOPPER_XML, {
    density: c.density,
    armature: c.armature,
    damping: { default: c.jointDamping, extra: c.limitKd },
    limitKe: c.limitKe,
    gear: c.actionStrength,
    contact: c.contact,
  });
}

/** DiffRL's Ant: a free torso and 8 hinges; action k drives hinge k in tree order (hip_1, ankle_1, …, ankle_4), gear 200. */
export function antModel(): Model {
  const c = ANT_DIFFRL;
  const model = loadMjcf(ANT_XML, {
    density: c.density,
    armature: c.armature,
    damping: { default: c.jointDamping, extra: c.limitKd },
    limitKe: c.limitKe,
    contact: c.contact,
  });
  // DiffRL writes the actions into joint_act[6:], i.e. the hinges in tree order, not Gym's motor order.
  model.actuators = model.links.filter((link) => link.joint === 'hinge').map((link) => ({ name: link.name, dof: link.dofAdr, gear: c.actionStrength, ctrlLow: -1, ctrlHigh: 1 }));
  return model;
}
