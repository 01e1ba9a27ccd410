// The traffic env's reset distribution, observation layout and episode end against the co-author's
// definition (laurayuzheng/DiffRL envs/traffic/single_pace_car/{env,simulation}.py; the row-by-row check is
// docs/reproduction/gippo-traffic.md). The dynamics are checked in physics.test.ts.
import { beforeAll, describe, expect, it } from 'vitest';
import { tf, Rng } from '@pathwise/core';
import { useTestBackend } from '../test-support.js';
import { getEnv } from '../registry.js';
import { TRAFFIC_SCENARIOS, type TrafficScenario } from './traffic.js';
import type { EnvState } from '../env.js';

beforeAll(() => useTestBackend('cpu'));

const rows = async (t: tf.Tensor) => (await t.array()) as number[][];
type Six = [number[][], number[][], number[][], number[][], number[][], number[][]];
const KEYS = ['pos', 'vel', 'x', 'y', 'heading', 'speed'];
const stateRows = async (state: EnvState) => (await Promise.all(KEYS.map((k) => rows(state[k]!)))) as Six;

/** The reference's reset: ⌊N/L⌋ IDM vehicles per lane, the remainder to the first lanes, 2·length = 10 m apart from x = 0. */
function referenceLayout(lanes: number, vehicles: number) {
  const lane: number[] = [];
  const x: number[] = [];
  const front: number[] = [];
  for (let l = 0; l < lanes; l++) {
    const count = Math.floor(vehicles / lanes) + (l < vehicles % lanes ? 1 : 0);
    for (let j = 0; j < count; j++) {
      lane.push(l);
      x.push(j * 2 * 5);
    }
    front.push(count > 0 ? (count - 1) * 10 : 0);
  }
  return { lane, x, front };
}

describe('traffic: reset, observation and episode end as in the co-author env', () => {
  it.each(Object.keys(TRAFFIC_SCENARIOS) as TrafficScenario[])(
    'traffic-%s: IDM vehicles at rest 10 m apart; pace car at rest, heading 0, 50 m ahead of the last vehicle of a uniform lane',
    async (s) => {
      const { lanes, vehicles } = TRAFFIC_SCENARIOS[s];
      const ref = referenceLayout(lanes, vehicles);
      const env = getEnv(`traffic-${s}`);
      const batch = 200;
      const state = env.reset(batch, new Rng(7)) as EnvState;
      const [pos, vel, x, y, heading, speed] = await stateRows(state);
      const seen = new Set<number>();
      for (let b = 0; b < batch; b++) {
        expect(pos[b]).toEqual(ref.x);
        expect(vel[b]!.every((v) => v === 0)).toBe(true);
        const lane = Math.round(y[b]![0]! / 4);
        expect(y[b]![0]).toBe(4 * lane);
        expect(lane).toBeGreaterThanOrEqual(0);
        expect(lane).toBeLessThan(lanes);
        expect(x[b]![0]).toBe(ref.front[lane]! + 50);
        expect([heading[b]![0], speed[b]![0]]).toEqual([0, 0]);
        seen.add(lane);
      }
      expect(seen.size).toBe(lanes); // th.randint(0, num_lane) per env: every lane occurs in 200 draws
      tf.dispose(state);
    },
  );

  it('observation = [Δx (N+1), Δy (N+1), vx (N+1), vy (N+1)], pace car first, IDM lanes at y = 4l, world velocities', async () => {
    const env = getEnv('traffic-b');
    let state = env.reset(2, new Rng(1)) as EnvState;
    for (let k = 0; k < 30; k++) {
      const a = tf.tensor2d([
        [0.5, 1],
        [-0.3, 0.6],
      ]);
      const r = env.step(state, a);
      tf.dispose([a, state, r.obs, r.reward, r.terminated, r.truncated, r.nonFinite]);
      state = r.state as EnvState;
      if (k < 29) r.nextObs.dispose();
      else {
        const obs = await rows(r.nextObs);
        const [pos, vel, x, y, h, v] = await stateRows(state);
        const laneY = referenceLayout(2, 4).lane.map((l) => 4 * l);
        for (let b = 0; b < 2; b++) {
          const [px, py, hb, vb] = [x[b]![0]!, y[b]![0]!, h[b]![0]!, v[b]![0]!];
          const expected = [0, ...pos[b]!.map((p) => p - px), 0, ...laneY.map((ly) => ly - py), vb * Math.cos(hb), ...vel[b]!, vb * Math.sin(hb), 0, 0, 0, 0];
          obs[b]!.forEach((o, i) => expect(o).toBeCloseTo(expected[i]!, 4));
        }
        r.nextObs.dispose();
      }
    }
    tf.dispose(state);
  });

  it('traffic-a, pace car holding ~9 m/s: 1000 steps, then truncated (not terminated) with the ordinary reward', async () => {
    const env = getEnv('traffic-a');
    let state = env.reset(1, new Rng(0)) as EnvState;
    let last = { reward: NaN, terminated: true, truncated: false, step: -1 };
    for (let k = 0; k < 1000; k++) {
      const a = tf.tensor2d([[0, k < 38 ? 1 : 0]]); // 38 · 8 · 0.03 = 9.1 m/s
      const r = env.step(state, a);
      const [reward, terminated, truncated] = await Promise.all([r.reward.data(), r.terminated.data(), r.truncated.data()]);
      tf.dispose([a, state, r.obs, r.nextObs, r.reward, r.terminated, r.truncated, r.nonFinite]);
      state = r.state as EnvState;
      expect(terminated[0]).toBe(0);
      last = { reward: reward[0]!, terminated: terminated[0] !== 0, truncated: truncated[0] !== 0, step: k + 1 };
      if (last.truncated) break;
    }
    expect(last.step).toBe(1000);
    expect(last.terminated).toBe(false);
    // the IDM vehicle has settled behind the pace car at ≈ 9.1 m/s: r = 1 − |9.1 − 10|/10 ≈ 0.91
    expect(last.reward).toBeGreaterThan(0.85);
    expect(last.reward).toBeLessThan(0.95);
    tf.dispose(state);
  });
});
