// Test and bench support: the official MuJoCo WebAssembly build (npm `mujoco-js`, a dev dependency)
// loaded in Node, and a runner that steps one of our models in MuJoCo with the integration set to
// match ours (Euler, our substep as its timestep, implicit Euler damping off, our armature and
// damping). Not part of the package's public entry.
import type { Model } from './model.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
export type MujocoModule = any;

const loading = new Map<string, Promise<MujocoModule | undefined>>();

/**
 * The MuJoCo wasm module, or undefined (with the reason on `mujocoUnavailable`) when mujoco-js is not
 * installed. `name` is the module to import (another name lets tests check the fallback).
 */
export function loadMujoco(name = 'mujoco-js'): Promise<MujocoModule | undefined> {
  let promise = loading.get(name);
  if (promise !== undefined) return promise;
  promise = (async () => {
    try {
      const module = (await import(/* @vite-ignore */ name)) as { default: () => Promise<MujocoModule> };
      const mujoco = await module.default();
      mujoco.FS.mkdir('/models');
      mujoco.FS.mount(mujoco.MEMFS, { root: '.' }, '/models');
      return mujoco;
    } catch (error) {
      mujocoUnavailable = `${name} could not be loaded (${(error as Error).message.split('\n')[0]}); mujoco-js is a dev dependency of @pathwise/physics`;
      return undefined;
    }
  })();
  loading.set(name, promise);
  return promise;
}

export let mujocoUnavailable: string | undefined;

let files = 0;

export interface MujocoSettings {
  /** Our substep. */
  timestep: number;
  contacts: boolean;
  limits: boolean;
}

/** A MuJoCo model and data for `xml`, with the integration and passive terms set to match `model`. */
export class MujocoTwin {
  readonly m: any;
  readonly d: any;

  constructor(
    readonly mujoco: MujocoModule,
    xml: string,
    readonly model: Model,
    settings: MujocoSettings,
  ) {
    const path = `/models/m${files++}.xml`;
    mujoco.FS.writeFile(path, xml);
    this.m = mujoco.MjModel.loadFromXML(path);
    this.d = new mujoco.MjData(this.m);
    const opt = this.m.opt;
    opt.timestep = settings.timestep;
    opt.integrator = 0; // mjINT_EULER: v += h·a, then q += h·v (semi-implicit), as ours
    let flags = 1 << 15; // mjDSBL_EULERDAMP: damping explicit, as ours
    if (!settings.contacts) flags |= 1 << 4; // mjDSBL_CONTACT
    if (!settings.limits) flags |= 1 << 3; // mjDSBL_LIMIT
    opt.disableflags = flags;
    opt.gravity[0] = model.gravity[0];
    opt.gravity[1] = model.gravity[1];
    opt.gravity[2] = model.gravity[2];
    if (this.m.nv !== model.nv || this.m.nq !== model.nq) throw new Error(`MuJoCo has nq ${this.m.nq}, nv ${this.m.nv}; ours ${model.nq}, ${model.nv}`);
    for (let k = 0; k < model.nv; k++) {
      this.m.dof_armature[k] = model.dofs[k]!.armature;
      this.m.dof_damping[k] = model.dofs[k]!.damping;
    }
  }

  /** Sets MuJoCo's state from ours (q relative to each joint's ref). */
  setState(q: ArrayLike<number>, qd: ArrayLike<number>): void {
    for (let i = 0; i < this.model.nq; i++) this.d.qpos[i] = q[i]! + this.model.qposRef[i]!;
    for (let i = 0; i < this.model.nv; i++) this.d.qvel[i] = qd[i]!;
    this.d.time = 0;
  }

  /** Our state from MuJoCo's. */
  getState(): { q: number[]; qd: number[] } {
    return { q: Array.from({ length: this.model.nq }, (_, i) => this.d.qpos[i] - this.model.qposRef[i]!), qd: Array.from(this.d.qvel as Float64Array) };
  }

  /** `substeps` MuJoCo steps with our actuation as applied generalised forces (our actuator order and gears). */
  step(ctrl: ArrayLike<number>, substeps: number): void {
    for (let k = 0; k < this.model.nv; k++) this.d.qfrc_applied[k] = 0;
    this.model.actuators.forEach((a, u) => (this.d.qfrc_applied[a.dof] += a.gear * ctrl[u]!));
    for (let s = 0; s < substeps; s++) this.mujoco.mj_step(this.m, this.d);
  }

  dispose(): void {
    this.d.delete();
    this.m.delete();
  }
}

/**
 * MuJoCo's forward-only throughput on one of our models (one env, one thread): control steps per
 * second, each `options.substeps` calls of mj_step at our substep, contacts and limits on, random
 * controls held for a step. At least `minSeconds` of stepping after a warm-up.
 */
export async function mujocoStepRate(xml: string, model: Model, options: { dt: number; substeps: number }, minSeconds = 1, moduleName?: string): Promise<{ steps_per_s: number } | { error: string }> {
  const mujoco = await loadMujoco(moduleName);
  if (mujoco === undefined) return { error: mujocoUnavailable ?? 'mujoco-js is not installed' };
  const twin = new MujocoTwin(mujoco, xml, model, { timestep: options.dt / options.substeps, contacts: true, limits: true });
  try {
    const ctrl = new Float64Array(model.actuators.length);
    let seed = 1;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
    twin.setState(model.q0, new Float64Array(model.nv));
    const run = (steps: number) => {
      for (let s = 0; s < steps; s++) {
        for (let u = 0; u < ctrl.length; u++) ctrl[u] = random();
        twin.step(ctrl, options.substeps);
      }
    };
    run(20);
    let steps = 0;
    const start = performance.now();
    while (performance.now() - start < minSeconds * 1000) {
      run(20);
      steps += 20;
    }
    return { steps_per_s: Math.round(steps / ((performance.now() - start) / 1000)) };
  } finally {
    twin.dispose();
  }
}
