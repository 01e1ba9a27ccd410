import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hopperModel, antModel, DIFFRL_STEP } from './models/diffrl.js';
import { HOPPER_XML } from './models/hopper-xml.js';
import { ANT_XML } from './models/ant-xml.js';
import { loadMjcf } from './mjcf.js';
import { rollout } from './test-support.js';

describe('shipped models', () => {
  it('the embedded MJCF strings are the files in assets/ (MIT, with the licence beside them)', () => {
    const asset = (name: string) => readFileSync(new URL(`../assets/${name}`, import.meta.url), 'utf8');
    expect(HOPPER_XML).toBe(asset('hopper_v5.xml'));
    expect(ANT_XML).toBe(asset('ant.xml'));
    expect(asset('LICENSE-gymnasium.txt')).toContain('MIT');
  });

  it('hopper: 6 dofs, 3 motors on the hinges; ant: 15 coordinates, 14 dofs, 8 motors', () => {
    const h = hopperModel();
    expect([h.nq, h.nv, h.actuators.map((a) => a.dof)]).toEqual([6, 6, [3, 4, 5]]);
    expect(h.dofs.map((d) => d.name)).toEqual(['rootx', 'rootz', 'rooty', 'thigh_joint', 'leg_joint', 'foot_joint']);
    // dflex: the file's damping="0" on the root joints, else 2.0, plus limit_kd 10 always.
    expect(h.dofs.map((d) => d.damping)).toEqual([10, 10, 10, 12, 12, 12]);
    const a = antModel();
    expect([a.nq, a.nv, a.actuators.map((x) => x.dof)]).toEqual([15, 14, [6, 7, 8, 9, 10, 11, 12, 13]]);
    expect(a.links[0]!.contacts.length).toBe(1 + 4 * 2);
  });

  it('an unknown default class, joint or geom type is refused with what exists', () => {
    expect(() => loadMjcf('<mujoco><worldbody><body><joint class="x"/></body></worldbody></mujoco>')).toThrow(/unknown default class "x"/);
    expect(() => loadMjcf('<mujoco><worldbody><body><joint type="ball"/></body></worldbody></mujoco>')).toThrow(/hinge, slide, free/);
    expect(() => loadMjcf('<mujoco><worldbody><body><joint/><geom type="box" size="1 1 1"/></body></worldbody></mujoco>')).toThrow(/capsule, sphere, plane/);
    expect(() => loadMjcf('<mujoco><worldbody><body name="b"><joint name="j"/></body></worldbody><actuator><motor joint="k"/></actuator></mujoco>')).toThrow(/joints: j/);
  });
});

describe('drops with contact settle without blowing up (zero actions, 10 s)', () => {
  it.each([
    ['hopper', hopperModel(), [0, 0.2, 0, 0, 0, 0]],
    ['ant', antModel(), [0, 0, 0.75, 1, 0, 0, 0, 0, 1, 0, -1, 0, -1, 0, 1]],
  ] as const)('%s', (name, model, q0) => {
    const steps = 600;
    const states = rollout(model, DIFFRL_STEP, Float64Array.from(q0), new Float64Array(model.nv), new Float64Array(model.actuators.length), steps);
    expect(states.every((s) => s.q.every(Number.isFinite) && s.qd.every(Number.isFinite))).toBe(true);
    const height = model.links[0]!.joint === 'free' ? 2 : 1;
    const peak = Math.max(...states.map((s) => s.q[height]!));
    const lastSpeed = Math.max(...Array.from(states[steps - 1]!.qd, Math.abs));
    console.log(
      `${name} drop: highest root height ${peak.toFixed(3)} (start ${q0[height]}), final root height ${states[steps - 1]!.q[height]!.toFixed(3)}, final max |q̇| ${lastSpeed.toExponential(1)}`,
    );
    expect(peak).toBeLessThanOrEqual(q0[height]! + 1e-9);
    expect(lastSpeed).toBeLessThan(0.05);
  });
});
