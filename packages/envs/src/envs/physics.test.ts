// One file: the physics envs share the float64 reference integrators written below.
// Each env against an independent float64 re-implementation written from the reference's equations
// (the spec formulas for PILCO, the textbook double-pendulum formula, the reference's argmin-based IDM).
import { beforeAll, describe, expect, it } from 'vitest';
import { tf, Rng } from '@pathwise/core';
import { useTestBackend } from '../test-support.js';
import { getEnv } from '../registry.js';
import type { EnvState } from '../env.js';

beforeAll(() => useTestBackend('cpu'));

const clip = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
const wrap = (a: number) => Math.atan2(Math.sin(a), Math.cos(a));

/** Steps the env with per-step action rows and returns the state tensors (as arrays) and rewards. */
async function runEnv(name: string, batch: number, seed: number, actions: (k: number, b: number) => number[], steps: number) {
  const env = getEnv(name);
  let state: EnvState = env.reset(batch, new Rng(seed));
  const initial: Record<string, unknown[]> = Object.fromEntries(await Promise.all(Object.entries(state).map(async ([k, v]) => [k, (await v.array()) as unknown[]])));
  const rewards: number[][] = [];
  const terminated: boolean[][] = [];
  const states: Record<string, unknown[]>[] = [];
  for (let k = 0; k < steps; k++) {
    const a = tf.tensor2d(Array.from({ length: batch }, (_, b) => actions(k, b)).flat(), [batch, env.actDim]);
    const result = env.step(state, a);
    rewards.push(Array.from(await result.reward.data()));
    terminated.push(Array.from(await result.terminated.data(), (v) => v !== 0));
    states.push(Object.fromEntries(await Promise.all(Object.entries(result.state as EnvState).map(async ([key, v]) => [key, (await v.array()) as unknown[]]))));
    tf.dispose([a, state, result.obs, result.nextObs, result.reward, result.terminated, result.truncated, result.nonFinite]);
    state = result.state;
  }
  tf.dispose(state);
  return { initial, rewards, terminated, states };
}

/** The values of `keys` for env b, from state arrays ([B] or [B, 1] tensors). */
function vec(record: Record<string, unknown[]>, keys: string[], b: number): number[] {
  return keys.map((k) => {
    const v = record[k]![b];
    return Array.isArray(v) ? (v[0] as number) : (v as number);
  });
}

function expectClose(got: number, want: number, rtol: number, atol: number, what: string) {
  if (!(Math.abs(got - want) <= atol + rtol * Math.abs(want))) throw new Error(`${what}: got ${got}, want ${want}`);
}

describe('cartpole-swingup matches a float64 dflex-style articulation step', () => {
  // Masses and inertia from the URDF collision boxes at dflex's default density 1000.
  const mc = 1000 * 0.5 * 0.5 * 0.2;
  const mp = 1000 * 0.05 * 0.05 * 1.0;
  const l = 0.5;
  const inertia = (mp / 12) * (0.05 ** 2 + 1.0 ** 2);
  const step = (s: number[], a: number): { s: number[]; r: number } => {
    let [x, th, xd, thd] = s as [number, number, number, number];
    const f = 1000 * clip(a, -1, 1);
    const h11 = mc + mp + 0.01;
    const h12 = mp * l * Math.cos(th);
    const h22 = inertia + mp * l * l + 0.01;
    const det = h11 * h22 - h12 * h12;
    const h = 1 / 240;
    for (let i = 0; i < 4; i++) {
      const tau1 = f + mp * l * Math.sin(th) * thd * thd - xd - 100 * (x - clip(x, -4, 4));
      const tau2 = mp * 9.81 * l * Math.sin(th) - thd;
      const xdd = (h22 * tau1 - h12 * tau2) / det;
      const thdd = (h11 * tau2 - h12 * tau1) / det;
      xd += xdd * h;
      thd += thdd * h;
      x += xd * h;
      th += thd * h;
    }
    return { s: [x, th, xd, thd], r: -(wrap(th) ** 2 + 0.1 * thd ** 2 + 0.05 * x ** 2 + 0.1 * xd ** 2) };
  };

  it('60 steps from stochastic starts, with a push that drives the cart past its soft limit at |x| = 4', async () => {
    const actions = (k: number, b: number) => [b === 0 ? Math.sin(0.3 * k) : 1.2];
    const out = await runEnv('cartpole-swingup', 2, 3, actions, 60);
    for (let b = 0; b < 2; b++) {
      const keys = ['x', 'theta', 'xDot', 'thetaDot'];
      let s = vec(out.initial, keys, b);
      for (let k = 0; k < 60; k++) {
        const ref = step(s, actions(k, b)[0]!);
        s = ref.s;
        expectClose(out.rewards[k]![b]!, ref.r, 2e-3, 1e-3, `reward b${b} k${k}`);
        const got = vec(out.states[k]!, keys, b);
        s.forEach((v: number, i: number) => expectClose(got[i]!, v, 2e-3, 1e-3, `state b${b} k${k} i${i}`));
      }
      if (b === 1) expect(Math.abs(s[0]!)).toBeGreaterThan(4); // the soft limit was exercised
    }
  });

  it('starts hanging (θ = -π ± π/2) with x within ±π/2, or exactly at rest without stochastic init', async () => {
    const out = await runEnv('cartpole-swingup', 64, 1, () => [0], 1);
    for (let b = 0; b < 64; b++) {
      const [x, th, xd, thd] = vec(out.initial, ['x', 'theta', 'xDot', 'thetaDot'], b) as [number, number, number, number];
      expect(Math.abs(x)).toBeLessThanOrEqual(Math.PI / 2);
      expect(Math.abs(th + Math.PI)).toBeLessThanOrEqual(Math.PI / 2);
      expect(Math.max(Math.abs(xd), Math.abs(thd))).toBeLessThanOrEqual(0.25);
    }
  });
});

describe('cartpole-pilco matches the PIPPS demo equations (spec §4.1)', () => {
  const step = (s: number[], u: number): { s: number[]; r: number } => {
    let [p, phi, pd, phid] = s as [number, number, number, number];
    const g = 9.82,
      mc = 0.5,
      mp = 0.5,
      l = 0.5,
      b = 0.1;
    const M = mc + mp;
    const F = clip(10 * u, -10, 10);
    for (let i = 0; i < 10; i++) {
      const sn = Math.sin(phi),
        cs = Math.cos(phi);
      const pdd = (-2 * mp * l * phid ** 2 * sn + 3 * mp * g * sn * cs + 4 * F - 4 * b * pd) / (4 * M - 3 * mp * cs ** 2);
      const phidd = (-3 * mp * l * phid ** 2 * sn * cs + 6 * M * g * sn + 6 * (F - b * pd) * cs) / (4 * l * M - 3 * mp * l * cs ** 2);
      [p, phi, pd, phid] = [p + pd * 0.01, phi + phid * 0.01, pd + pdd * 0.01, phid + phidd * 0.01];
    }
    return { s: [p, phi, pd, phid], r: -(1 - Math.exp(-0.5 * (p * p + phi * phi))) };
  };

  it('30 steps (one episode) under a swinging force', async () => {
    const actions = (k: number, b: number) => [b === 0 ? Math.cos(0.7 * k) : 0.3];
    const out = await runEnv('cartpole-pilco', 2, 5, actions, 30);
    for (let b = 0; b < 2; b++) {
      const keys = ['p', 'phi', 'pDot', 'phiDot'];
      let s = vec(out.initial, keys, b);
      expect(Math.abs(s[1]! - Math.PI)).toBeLessThan(0.1);
      for (let k = 0; k < 30; k++) {
        const ref = step(s, actions(k, b)[0]!);
        s = ref.s;
        expectClose(out.rewards[k]![b]!, ref.r, 1e-3, 1e-4, `reward b${b} k${k}`);
        const got = vec(out.states[k]!, keys, b);
        s.forEach((v: number, i: number) => expectClose(got[i]!, v, 1e-3, 1e-3, `state b${b} k${k} i${i}`));
      }
    }
  });

  it('observation noise is drawn at reset: same seed, same noisy observations; noise 0 gives the true state', async () => {
    const { cartpolePilcoEnv } = await import('./cartpole-pilco.js');
    const noisy = cartpolePilcoEnv({ observationNoise: 1 });
    const observe = async (seed: number) => {
      const state = noisy.reset(2, new Rng(seed));
      const obs = (await noisy.observe(state).array()) as number[][];
      const truth = (await tf.stack([state.p, state.phi, state.pDot, state.phiDot], 1).array()) as number[][];
      tf.dispose(state);
      return { obs, truth };
    };
    const a = await observe(9);
    const b = await observe(9);
    expect(a.obs).toEqual(b.obs);
    const diff = a.obs[0]!.map((v, i) => v - a.truth[0]![i]!);
    expect(Math.abs(diff[3]!)).toBeGreaterThan(1e-4); // φ̇ noise std is 10π/180
    const clean = getEnv('cartpole-pilco');
    const state = clean.reset(1, new Rng(9));
    expect(await clean.observe(state).array()).toEqual(
      await tf
        .stack(
          ['p', 'phi', 'pDot', 'phiDot'].map((k) => state[k]!),
          1,
        )
        .array(),
    );
    tf.dispose(state);
  });
});

describe('pendulum matches gym Pendulum-v1', () => {
  it('20 steps including the speed clip', async () => {
    const actions = (k: number, b: number) => [b === 0 ? 1 : Math.sin(k)];
    const out = await runEnv('pendulum', 2, 2, actions, 20);
    for (let b = 0; b < 2; b++) {
      let [th, thd] = vec(out.initial, ['theta', 'thetaDot'], b) as [number, number];
      for (let k = 0; k < 20; k++) {
        const u = 2 * clip(actions(k, b)[0]!, -1, 1);
        const norm = ((((th + Math.PI) % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI)) - Math.PI;
        const cost = norm ** 2 + 0.1 * thd ** 2 + 0.001 * u ** 2;
        thd = clip(thd + (((3 * 10) / 2) * Math.sin(th) + 3 * u) * 0.05, -8, 8);
        th = th + thd * 0.05;
        expectClose(out.rewards[k]![b]!, -cost, 1e-4, 1e-4, `reward b${b} k${k}`);
        expectClose(vec(out.states[k]!, ['theta'], b)[0]!, th, 1e-4, 1e-4, `theta b${b} k${k}`);
      }
    }
  });
});

describe('double-pendulum', () => {
  // myphysicslab's closed form (point masses, angles from the downward vertical), no torque.
  const accel = (z: number[]) => {
    const [t1, t2, w1, w2] = z as [number, number, number, number];
    const g = 9.81,
      m1 = 1,
      m2 = 1,
      l1 = 1,
      l2 = 1;
    const d = t1 - t2;
    const den = 2 * m1 + m2 - m2 * Math.cos(2 * d);
    const a1 = (-g * (2 * m1 + m2) * Math.sin(t1) - m2 * g * Math.sin(t1 - 2 * t2) - 2 * Math.sin(d) * m2 * (w2 * w2 * l2 + w1 * w1 * l1 * Math.cos(d))) / (l1 * den);
    const a2 = (2 * Math.sin(d) * (w1 * w1 * l1 * (m1 + m2) + g * (m1 + m2) * Math.cos(t1) + w2 * w2 * l2 * m2 * Math.cos(d))) / (l2 * den);
    return [w1, w2, a1, a2];
  };
  const rk4 = (z: number[], h: number) => {
    const add = (a: number[], b: number[], s: number) => a.map((v, i) => v + s * b[i]!);
    const k1 = accel(z),
      k2 = accel(add(z, k1, h / 2)),
      k3 = accel(add(z, k2, h / 2)),
      k4 = accel(add(z, k3, h));
    return z.map((v, i) => v + (h / 6) * (k1[i]! + 2 * k2[i]! + 2 * k3[i]! + k4[i]!));
  };

  it('matches the textbook equations with zero torque for 10 steps', async () => {
    const out = await runEnv('double-pendulum', 2, 4, () => [0], 10);
    for (let b = 0; b < 2; b++) {
      const keys = ['theta1', 'theta2', 'omega1', 'omega2'];
      let z = vec(out.initial, keys, b);
      for (let k = 0; k < 10; k++) {
        for (let i = 0; i < 4; i++) z = rk4(z, 0.0125);
        const got = vec(out.states[k]!, keys, b);
        z.forEach((v: number, i: number) => expectClose(got[i]!, v, 1e-3, 1e-3, `b${b} k${k} i${i}`));
        expectClose(out.rewards[k]![b]!, (-Math.cos(z[0]!) - Math.cos(z[1]!)) / 2, 1e-3, 1e-4, `reward b${b} k${k}`);
      }
    }
  });

  it('conserves energy without torque over a whole 200-step episode (RK4)', async () => {
    const env = getEnv('double-pendulum');
    let state: EnvState = env.reset(4, new Rng(11));
    const energy = async (s: EnvState) =>
      (
        (await tf
          .stack(
            ['theta1', 'theta2', 'omega1', 'omega2'].map((k) => s[k]!),
            1,
          )
          .array()) as number[][]
      ).map(([t1, t2, w1, w2]) => 0.5 * 2 * w1! ** 2 + 0.5 * w2! ** 2 + w1! * w2! * Math.cos(t1! - t2!) - 2 * 9.81 * Math.cos(t1!) - 9.81 * Math.cos(t2!));
    const e0 = await energy(state);
    const zero = tf.zeros([4, 1]);
    for (let k = 0; k < 200; k++) {
      const { state: next, ...rest } = env.step(state, zero);
      tf.dispose([state, rest]);
      state = next;
    }
    const e1 = await energy(state);
    e0.forEach((e, i) => expect(Math.abs(e1[i]! - e)).toBeLessThan(5e-3 * (Math.abs(e) + 10)));
    tf.dispose([state, zero]);
  });
});

describe('traffic matches an argmin-based IDM + bicycle reference away from the smoothing bands', () => {
  interface Sim {
    pos: number[];
    vel: number[];
    lane: number[];
    car: [number, number, number, number];
  }
  // The reference picks, for each IDM vehicle, the closest vehicle ahead in its lane (pace car included
  // when its nearest lane centre is within 2 m). No leader: free road.
  const step = (sim: Sim, a: number[], lanes: number): { reward: number; terminated: boolean } => {
    const [px, py, h, v] = sim.car;
    const near = Math.round(py / 4);
    const paceLane = near >= 0 && near < lanes && Math.abs(py - 4 * near) < 2 ? near : -1;
    const n = sim.pos.length;
    const acc = sim.pos.map((x, i) => {
      let best = Infinity;
      let leaderVel = 0;
      for (let j = 0; j <= n; j++) {
        if (j === i) continue;
        const lane = j === n ? paceLane : sim.lane[j];
        if (lane !== sim.lane[i]) continue;
        const diff = (j === n ? px : sim.pos[j]!) - x;
        if (diff >= 0 && diff < best) {
          best = diff;
          leaderVel = j === n ? v : sim.vel[j]!;
        }
      }
      const vi = sim.vel[i]!;
      const interaction = best === Infinity ? 0 : (Math.max(1.5 + 0.4 * vi + (vi * (vi - leaderVel)) / (2 * Math.sqrt(35 * 25)), 0) / Math.max(best - 5, 1e-3)) ** 2;
      return 35 * (1 - (vi / 20) ** 4 - interaction);
    });
    sim.pos = sim.pos.map((x, i) => x + sim.vel[i]! * 0.03);
    sim.vel = sim.vel.map((vi, i) => Math.max(vi + acc[i]! * 0.03, 0));
    const delta = clip(a[0]!, -1, 1) * ((20 * Math.PI) / 180);
    const beta = Math.atan(0.5 * Math.tan(delta));
    sim.car = [px + v * Math.cos(h + beta) * 0.03, py + v * Math.sin(h + beta) * 0.03, h + ((v * Math.sin(beta)) / 2.5) * 0.03, v + 8 * clip(a[1]!, -1, 1) * 0.03];
    const [nx, ny] = sim.car;
    const dists = sim.pos.map((x, i) => Math.hypot(nx - x, ny - 4 * sim.lane[i]!));
    const laneNow = Math.round(ny / 4);
    const outOfLane = !(laneNow >= 0 && laneNow < lanes && Math.abs(ny - 4 * laneNow) < 2);
    const terminated = Math.min(...dists) < 2.5 || Math.min(...dists) > 100 || sim.pos.some((x) => x > nx) || outOfLane;
    const dev = sim.vel.reduce((s, vi) => s + Math.abs(vi - 10), 0) / n;
    return { reward: terminated ? -1 : 1 - Math.min(dev / 10, 1), terminated };
  };

  const carKeys = ['x', 'y', 'heading', 'speed'];
  const compare = async (name: string, lanes: number, laneOf: number[], actions: (k: number) => number[], steps: number, seed: number) => {
    const out = await runEnv(name, 1, seed, (k) => actions(k), steps);
    const sim: Sim = {
      pos: (out.initial['pos']![0] as number[]).slice(),
      vel: (out.initial['vel']![0] as number[]).slice(),
      lane: laneOf,
      car: vec(out.initial, carKeys, 0) as Sim['car'],
    };
    const events: boolean[] = [];
    let nearedEdge = false;
    for (let k = 0; k < steps; k++) {
      // Lane membership is a smoothstep within 0.25 m of a lane edge: from the first time the pace car
      // comes that close, the IDM vehicles may differ slightly from the hard switch, so only the pace
      // car (whose motion does not depend on them) and the termination step are compared after that.
      const edge = Math.abs(sim.car[1] - 4 * Math.round((sim.car[1] - 2) / 4) - 2);
      nearedEdge ||= edge < 0.3;
      const ref = step(sim, actions(k), lanes);
      events.push(ref.terminated);
      expect(out.terminated[k]![0]).toBe(ref.terminated);
      if (ref.terminated) break; // the reference resets here; the state after a termination is not compared
      const car = vec(out.states[k]!, carKeys, 0);
      sim.car.forEach((v, i) => expectClose(car[i]!, v, 2e-3, 2e-3, `${name} car k${k} i${i}`));
      if (nearedEdge) continue;
      expectClose(out.rewards[k]![0]!, ref.reward, 2e-3, 2e-3, `${name} reward k${k}`);
      const vel = out.states[k]!['vel']![0] as number[];
      sim.vel.forEach((v, i) => expectClose(vel[i]!, v, 2e-3, 2e-3, `${name} vel k${k} i${i}`));
    }
    return events;
  };

  it('traffic-c, pace car accelerating in its lane: the IDM platoon follows (300 steps, no termination)', async () => {
    const events = await compare('traffic-c', 3, [0, 0, 0, 1, 1, 1, 2, 2, 2], (k) => [0.02 * Math.sin(0.05 * k), k < 60 ? 0.9 : 0.1], 300, 1);
    expect(events.some((e) => e)).toBe(false);
  });

  it('traffic-a, pace car standing still: the IDM vehicle closes in and stops behind it (IDM keeps s0)', async () => {
    const events = await compare('traffic-a', 1, [0], () => [0, 0], 300, 0);
    expect(events.some((e) => e)).toBe(false);
  });

  it('traffic-d, pace car reversing into the platoon: the episode ends at the same step', async () => {
    const events = await compare('traffic-d', 4, [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3], () => [0, -1], 300, 3);
    expect(events.at(-1)).toBe(true);
  });

  it('traffic-b, steering hard: the pace car leaves the road at the same step', async () => {
    const events = await compare('traffic-b', 2, [0, 0, 1, 1], (k) => [k < 40 ? 1 : 0, 0.8], 300, 2);
    expect(events.at(-1)).toBe(true);
  });
});
