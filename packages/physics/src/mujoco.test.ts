// Our simulator against MuJoCo (the official wasm build, npm mujoco-js) on the same MJCF files.
// MuJoCo is set to integrate as we do: semi-implicit Euler at our substep, damping explicit
// (mjDSBL_EULERDAMP), our armature and damping per dof, actuation as applied generalised forces. With
// contacts and limits off the two compute the same continuous dynamics with the same discretisation,
// so they agree to rounding; the remaining difference is float64 round-off amplified along the
// trajectory. Contact differs by design (MuJoCo's soft constraints vs dflex's penalty springs), so
// there the check is the resting height of free bodies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMjcf } from './mjcf.js';
import { hopperModel, antModel, DIFFRL_STEP, DIFFRL_MUJOCO_XML } from './models/diffrl.js';
import { loadMujoco, MujocoTwin, type MujocoModule } from './mujoco-harness.js';
import { randomState, rollout, seeded } from './test-support.js';
import type { Model } from './model.js';
import type { StepOptions } from './sim.js';

const HOPPER_XML = DIFFRL_MUJOCO_XML.hopper;
// DiffRL's Ant builds its masses at density 1000 (the file says 5): MuJoCo gets the same file with that density.
const ANT_XML_DIFFRL = DIFFRL_MUJOCO_XML.ant;

let mujoco: MujocoModule;
beforeAll(async () => {
  mujoco = await loadMujoco();
  if (mujoco === undefined) throw new Error('mujoco-js is a dev dependency of @pathwise/physics: run pnpm install');
});
const twins: MujocoTwin[] = [];
afterAll(() => twins.forEach((t) => t.dispose()));

function twin(xml: string, model: Model, options: StepOptions): MujocoTwin {
  const t = new MujocoTwin(mujoco, xml, model, { timestep: options.dt / options.substeps, contacts: options.contacts, limits: options.limits });
  twins.push(t);
  return t;
}

describe('masses and inertias from geoms, as MuJoCo computes them', () => {
  it.each([
    ['hopper', HOPPER_XML, () => hopperModel()],
    ['ant', ANT_XML_DIFFRL, () => antModel()],
  ] as const)('%s: total mass and the composite inertia about the root', (_, xml, make) => {
    const model = make();
    const t = twin(xml, model, { ...DIFFRL_STEP, contacts: false, limits: false });
    const ours = model.links.reduce((s, l) => s + l.mass, 0);
    const theirs = Array.from(t.m.body_mass as Float64Array).reduce((s, m) => s + m, 0);
    expect(Math.abs(ours - theirs) / theirs).toBeLessThan(1e-12);
    // The inertias are checked by the trajectories below: a 1e-6 error in one would show there.
  });
});

/** Max |ours − MuJoCo| over `steps` control steps from random states, coordinates and velocities. */
function compare(xml: string, model: Model, options: StepOptions, seed: number, steps: number, speed: number, cases: number): { q: number; qd: number } {
  const rand = seeded(seed);
  const t = twin(xml, model, options);
  let worstQ = 0;
  let worstQd = 0;
  for (let c = 0; c < cases; c++) {
    const { q, qd } = randomState(model, rand, speed);
    const ctrl = model.actuators.map(() => 2 * rand() - 1);
    const ours = rollout(model, options, Float64Array.from(q), Float64Array.from(qd), Float64Array.from(ctrl), steps);
    t.setState(q, qd);
    for (let s = 0; s < steps; s++) {
      t.step(ctrl, options.substeps);
      const theirs = t.getState();
      for (let i = 0; i < model.nq; i++) worstQ = Math.max(worstQ, Math.abs(ours[s]!.q[i]! - theirs.q[i]!));
      for (let i = 0; i < model.nv; i++) worstQd = Math.max(worstQd, Math.abs(ours[s]!.qd[i]! - theirs.qd[i]!));
    }
  }
  return { q: worstQ, qd: worstQd };
}

describe('free flight and joint swinging without contact: trajectories match MuJoCo over 50 steps (800 substeps)', () => {
  const options: StepOptions = { ...DIFFRL_STEP, massMatrixEvery: 1, contacts: false, limits: false };
  it('hopper (planar root, three hinges), torques from random controls', () => {
    const err = compare(HOPPER_XML, hopperModel(), options, 1, 50, 2, 3);
    console.log(`hopper vs MuJoCo, 50 steps: max |Δq| ${err.q.toExponential(2)}, max |Δq̇| ${err.qd.toExponential(2)}`);
    expect(err.q).toBeLessThan(1e-11);
    expect(err.qd).toBeLessThan(1e-10);
  });
  it('ant (free joint with quaternion, eight hinges), torques from random controls', () => {
    const err = compare(ANT_XML_DIFFRL, antModel(), options, 2, 50, 2, 3);
    console.log(`ant vs MuJoCo, 50 steps: max |Δq| ${err.q.toExponential(2)}, max |Δq̇| ${err.qd.toExponential(2)}`);
    expect(err.q).toBeLessThan(1e-11);
    expect(err.qd).toBeLessThan(1e-10);
  });
});

// Resting height: free bodies released touching the ground. dflex's contact damping is proportional to
// the penetration depth (fd = kd·min(v_n, 0)·|d|), so a lone body barely dissipates and keeps
// oscillating about its equilibrium (depth m g / (n ke)) with the initial sag as amplitude; we compare
// the mean height over the last second with MuJoCo's resting height (its soft contact, default
// solref/solimp).
const DROP_XML = (geom: string, z: number) => `<mujoco><worldbody><geom type="plane" size="5 5 0.1"/><body pos="0 0 ${z}"><freejoint/>${geom}</body></worldbody></mujoco>`;
const BODIES = [
  ['sphere r 0.1', '<geom type="sphere" size="0.1"/>', 0.1],
  ['capsule lying flat, r 0.05, half-length 0.2', '<geom type="capsule" fromto="-0.2 0 0 0.2 0 0" size="0.05"/>', 0.05],
  [
    'cross of four capsules and a sphere (ant-like)',
    '<geom type="sphere" size="0.15"/><geom type="capsule" fromto="0 0 0 0.3 0.3 -0.1" size="0.05"/><geom type="capsule" fromto="0 0 0 -0.3 0.3 -0.1" size="0.05"/><geom type="capsule" fromto="0 0 0 0.3 -0.3 -0.1" size="0.05"/><geom type="capsule" fromto="0 0 0 -0.3 -0.3 -0.1" size="0.05"/>',
    0.15,
  ],
] as const;

describe('with contact: resting heights of free bodies at the penalty equilibrium, within 4 mm of MuJoCo', () => {
  const options: StepOptions = { ...DIFFRL_STEP, massMatrixEvery: 1 };
  it.each(BODIES)('%s', (name, geom, z) => {
    const xml = DROP_XML(geom, z);
    const model = loadMjcf(xml, { contact: { ke: 2e4, kd: 1e3, kf: 1e3, mu: 0.9 } });
    const t = twin(xml, model, options);
    const q = Float64Array.from(model.q0);
    const qd = new Float64Array(model.nv);
    const steps = 180;
    const ours = rollout(model, options, q, qd, new Float64Array(0), steps);
    expect(ours.every((s) => s.q.every(Number.isFinite) && s.qd.every(Number.isFinite))).toBe(true);
    const last = ours.slice(steps - 60);
    const mean = last.reduce((sum, s) => sum + s.q[2]!, 0) / last.length;
    t.setState(q, qd);
    t.step([], options.substeps * steps);
    const theirs = t.getState().q[2]!;
    // Our equilibrium: the n touching spheres share the weight, each sinking m g / (n ke).
    const mass = model.links.reduce((sum, l) => sum + l.mass, 0);
    const touching = model.links[0]!.contacts.filter((c) => Math.abs(z + c.pos[2] - c.radius) < 1e-9).length;
    const sag = (mass * 9.81) / (touching * model.contact.ke);
    console.log(
      `${name}: mean resting z ours ${mean.toFixed(5)} m (penalty equilibrium ${(z - sag).toFixed(5)}), MuJoCo ${theirs.toFixed(5)} m, |Δz| ${(Math.abs(mean - theirs) * 1000).toFixed(2)} mm`,
    );
    expect(Math.abs(mean - (z - sag))).toBeLessThan(1e-4);
    // MuJoCo's soft contact rests within 0.5 mm of touching; ours sinks by the sag (≤ 3 mm here).
    expect(Math.abs(mean - theirs)).toBeLessThan(4e-3);
  });
});
