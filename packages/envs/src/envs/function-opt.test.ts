import { beforeAll, describe, expect, it } from 'vitest';
import { tf, Rng } from '@pathwise/core';
import { useTestBackend } from '../test-support.js';
import { stepReport } from '../step-report.js';
import { getEnv } from '../registry.js';

beforeAll(() => useTestBackend('cpu'));

const relClose = (got: number, want: number, rtol = 1e-4) => expect(Math.abs(got - want)).toBeLessThanOrEqual(rtol * Math.abs(want));

/** Reward and d reward/du for pre-tanh u, through stepReport with a = tanh(u) (docs/algorithms/gippo.md §1). */
async function atPreTanh(env: string, us: number[]): Promise<{ reward: number; dReward: number[] }> {
  const actions = [us.map((u) => Math.tanh(u))];
  const report = await stepReport({ env, actions, steps: 1 });
  const dReward = report.grad[0]![0]!.map((g, i) => g * (1 - Math.tanh(us[i]!) ** 2));
  return { reward: report.rewards[0]![0]!, dReward };
}

describe('function optimisation (gippo §1 reference values)', () => {
  // u, De Jong reward, dr/du, Ackley reward, dr/du — the spec's table.
  const table: [number, number, number, number, number][] = [
    [0.1, -0.2604062252, -5.173565024, -11.40560119, -251.0768941],
    [0.5, -5.598144549, -19.05425072, -19.88326957, -241.1342953],
    [1.0, -15.20502462, -16.7693519, -19.96570349, 61.49507805],
    [-0.3, -2.224633628, 13.97704303, -19.37086919, -2.688687267],
  ];

  it.each(table)('u = %f: De Jong and Ackley rewards and d/du', async (u, dejong, dDejong, ackley, dAckley) => {
    const d = await atPreTanh('dejong', [u]);
    relClose(d.reward, dejong);
    relClose(d.dReward[0]!, dDejong);
    const a = await atPreTanh('ackley', [u]);
    relClose(a.reward, ackley);
    relClose(a.dReward[0]!, dAckley);
  });

  it('De Jong gradient equals -2B² tanh(u)(1 - tanh²u)', async () => {
    for (const u of [-1.7, -0.6585, 0.2, 0.9]) {
      const d = await atPreTanh('dejong', [u]);
      relClose(d.dReward[0]!, -2 * 5.12 ** 2 * Math.tanh(u) * (1 - Math.tanh(u) ** 2));
    }
  });

  it.each([
    [1, 3.62538494],
    [0.5, 4.25365403],
    [32.768, 21.57031115],
  ])('Ackley f(%f) = %f (action x / 32.768)', async (x, f) => {
    const report = await stepReport({ env: 'ackley', actions: [[x / 32.768]] });
    relClose(report.rewards[0]![0]!, -f);
  });

  it('64-D values: all u = 0.1 and u = linspace(-1, 1, 64)', async () => {
    const constant = new Array<number>(64).fill(0.1);
    const linspace = Array.from({ length: 64 }, (_, i) => -1 + (2 * i) / 63);
    relClose((await atPreTanh('dejong64', constant)).reward, -16.66599841);
    relClose((await atPreTanh('ackley64', constant)).reward, -11.40560119);
    relClose((await atPreTanh('dejong64', linspace)).reward, -409.0227209);
    relClose((await atPreTanh('ackley64', linspace)).reward, -21.15607292);
  });

  it('Ackley has a finite (zero) gradient at exactly x = 0, in 1-D and 64-D', async () => {
    const one = await stepReport({ env: 'ackley', actions: [[0]] });
    expect(one.rewards[0]![0]).toBeCloseTo(0, 5);
    expect(one.grad[0]![0]![0] === 0).toBe(true); // ±0
    const many = await stepReport({ env: 'ackley64', actions: [new Array<number>(64).fill(0)] });
    expect(many.grad[0]![0]!.every((g) => g === 0)).toBe(true);
    // Plain autograd through tf.sqrt would give NaN here: the guard is what makes it finite.
    const naive = tf.tidy(() =>
      tf
        .grad((x: tf.Tensor) => tf.sum(tf.sqrt(tf.mean(tf.square(x)))))(tf.zeros([1, 4]))
        .dataSync(),
    );
    expect(Number.isNaN(naive[0])).toBe(true);
  });

  it('observation is zero, every step is a time-limit end, never a termination', async () => {
    const env = getEnv('ackley64');
    const state = env.reset(3, new Rng(0));
    const action = tf.fill([3, 64], 0.3);
    const result = env.step(state, action);
    expect(await result.nextObs.array()).toEqual([[0], [0], [0]]);
    expect(Array.from(await result.truncated.data())).toEqual([1, 1, 1]);
    expect(Array.from(await result.terminated.data())).toEqual([0, 0, 0]);
    tf.dispose([state, action, result]);
  });

  it('clips actions to [-1, 1]: beyond the bound the reward is flat and the gradient 0', async () => {
    const report = await stepReport({ env: 'dejong', actions: [[1.5], [1], [-3]] });
    relClose(report.rewards[0]![0]!, -(5.12 ** 2));
    relClose(report.rewards[0]![2]!, -(5.12 ** 2));
    expect(report.grad[0]![0]![0] === 0 && report.grad[0]![2]![0] === 0).toBe(true);
    expect(report.grad[0]![1]![0]).toBeCloseTo(-2 * 5.12 ** 2, 2); // at the bound itself the gradient still flows
  });
});
