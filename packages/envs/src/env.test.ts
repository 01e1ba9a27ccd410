// The env contract (docs/architecture.md §6) for every registered env: one file because each case loops
// over the whole registry, so a new env is checked by all of them without being named.
import { beforeAll, describe, expect, it } from 'vitest';
import { rolloutReturn } from './rollout.js';
import { tf, Rng, NonFiniteError, ShapeError, UnknownNameError, ConfigError } from '@pathwise/core';
import { useTestBackend, rolloutHost } from './test-support.js';
import { defineEnv, type EnvState } from './env.js';
import { getEnv, listEnvs, makeEnv, registerEnv, BUILTIN_ENV_NAMES } from './registry.js';
import { resetDone, tileState } from './state.js';

beforeAll(() => useTestBackend('cpu'));

/** Deterministic actions in [-1, 1] for any env. */
const pattern = (steps: number, batch: number, actDim: number) =>
  Array.from({ length: steps }, (_, k) => Array.from({ length: batch }, (_, b) => Array.from({ length: actDim }, (_, j) => 0.9 * Math.sin(0.37 * k + 1.1 * b + 0.5 * j))));

describe('registry and listing (docs/architecture.md §6)', () => {
  it('lists exactly the docs/architecture.md env names as {name, obsDim, actDim, episodeLength, description}', () => {
    const listed = listEnvs();
    expect(listed.map((e) => e.name).sort()).toEqual([...BUILTIN_ENV_NAMES].sort());
    for (const info of listed) {
      expect(Object.keys(info).sort()).toEqual(['actDim', 'description', 'episodeLength', 'name', 'obsDim']);
      expect(info.description.length).toBeGreaterThan(10);
    }
    const byName = Object.fromEntries(listed.map((e) => [e.name, e]));
    expect(byName['dejong64']).toMatchObject({ obsDim: 1, actDim: 64, episodeLength: 1 });
    expect(byName['cartpole-swingup']).toMatchObject({ obsDim: 5, actDim: 1, episodeLength: 240 });
    expect(byName['cartpole-pilco']).toMatchObject({ obsDim: 4, actDim: 1, episodeLength: 30 });
    expect(byName['traffic-a']).toMatchObject({ obsDim: 8, actDim: 2, episodeLength: 1000 });
    expect(byName['traffic-d']).toMatchObject({ obsDim: 68, actDim: 2, episodeLength: 1000 });
    expect(byName['traffic-e']).toMatchObject({ obsDim: 44, actDim: 2, episodeLength: 1000 });
  });

  it('an unknown name throws an UnknownNameError that lists the registered envs', () => {
    expect(() => getEnv('cartpole')).toThrow(UnknownNameError);
    try {
      getEnv('cartpole');
    } catch (error) {
      const message = (error as Error).message;
      for (const name of BUILTIN_ENV_NAMES) expect(message).toContain(name);
    }
  });

  it('every env describes its action units and bounds, observation names and reward', () => {
    for (const { name } of listEnvs()) {
      const env = getEnv(name);
      expect(env.action.names).toHaveLength(env.actDim);
      expect(env.action.units).toHaveLength(env.actDim);
      env.action.low.forEach((low, i) => expect(low).toBe(-env.action.high[i]!));
      expect(env.observationNames).toHaveLength(env.obsDim);
      expect(env.rewardDescription.length).toBeGreaterThan(10);
    }
    expect(getEnv('traffic-c').action.high).toEqual([(20 * Math.PI) / 180, 8]);
    expect(getEnv('cartpole-swingup').action.high).toEqual([1000]);
  });

  it('registers a user env, and makeEnv derives configured copies', async () => {
    const custom = registerEnv(
      defineEnv({
        name: 'test-linear',
        description: 'test env: reward = 2a',
        obsDim: 1,
        actDim: 1,
        episodeLength: 3,
        action: { names: ['a'], units: ['1'], low: [-1], high: [1] },
        rewardDescription: 'r = 2a',
        observationNames: ['zero'],
        init: (batch) => ({ x: tf.zeros([batch, 1]) }),
        observe: (s) => tf.clone(s['x']!),
        transition: (s, a) => ({ state: { x: tf.add(s['x']!, a) }, reward: tf.mul(tf.reshape(a, [-1]), 2) }),
      }),
    );
    expect(getEnv('test-linear')).toBe(custom);
    expect(listEnvs().map((e) => e.name)).toContain('test-linear');
    const detached = makeEnv('test-linear', { detached: true });
    expect(detached.options.detached).toBe(true);
    expect(custom.options.detached).toBe(false);
    const { rewards } = await rolloutHost(detached, [[[0.25]], [[2]]]);
    expect(rewards).toEqual([[0.5], [2]]); // clipped to 1 before the transition
  });

  it('rejects bad definitions and options with ConfigErrors', () => {
    const base = getEnv('pendulum');
    expect(() => base.with({ nonFinite: 'ignore' as never })).toThrow(ConfigError);
    expect(() => base.reset(0, new Rng(0))).toThrow(ConfigError);
    expect(() =>
      defineEnv({
        name: 'Bad Name',
        description: '',
        obsDim: 1,
        actDim: 1,
        episodeLength: 1,
        action: { names: ['a'], units: ['1'], low: [-1], high: [1] },
        rewardDescription: '',
        observationNames: ['o'],
        init: () => ({}),
        observe: (s: EnvState) => tf.clone(s['t']!),
        transition: (s: EnvState) => ({ state: {}, reward: tf.clone(s['t']!) }),
      }),
    ).toThrow(ConfigError);
  });
});

describe('step contract', () => {
  it('a wrong action shape throws a ShapeError naming the expected shape', () => {
    const env = getEnv('traffic-b');
    const state = env.reset(3, new Rng(0));
    const wrongDim = tf.zeros([3, 1]);
    const wrongBatch = tf.zeros([2, 2]);
    const flat = tf.zeros([6]);
    expect(() => env.step(state, wrongDim)).toThrow(ShapeError);
    expect(() => env.step(state, wrongBatch)).toThrow(/\[3, 2\]/);
    expect(() => env.step(state, flat)).toThrow(ShapeError);
    tf.dispose([state, wrongDim, wrongBatch, flat]);
  });

  it.each([...BUILTIN_ENV_NAMES])('%s: same seed, same trajectory (bitwise); obs and reward shapes', async (name) => {
    const env = getEnv(name);
    const actions = pattern(6, 3, env.actDim);
    const a = await rolloutHost(env, actions, 42);
    const b = await rolloutHost(env, actions, 42);
    expect(a).toEqual(b);
    expect(a.obs[0]).toHaveLength(3);
    expect(a.obs[0]![0]).toHaveLength(env.obsDim);
    expect(a.rewards.flat().every(Number.isFinite)).toBe(true);
  });

  it('different seeds give different starts where the reset is random', async () => {
    for (const name of ['cartpole-swingup', 'cartpole-pilco', 'pendulum', 'double-pendulum']) {
      const env = getEnv(name);
      const actions = pattern(2, 2, env.actDim);
      expect(await rolloutHost(env, actions, 1)).not.toEqual(await rolloutHost(env, actions, 2));
    }
  });

  it('truncates exactly at episodeLength and reports the next observation', async () => {
    const env = getEnv('cartpole-pilco');
    let state: EnvState = env.reset(2, new Rng(0));
    const action = tf.zeros([2, 1]);
    const truncatedAt: number[] = [];
    for (let k = 1; k <= 31; k++) {
      const result = env.step(state, action);
      if ((await result.truncated.data())[0]) truncatedAt.push(k);
      expect(await result.obs.array()).toEqual(await result.nextObs.array());
      expect(await result.nextObs.array()).toEqual(await env.observe(result.state).array());
      tf.dispose(state);
      const { state: next, ...rest } = result;
      tf.dispose(rest);
      state = next;
    }
    expect(truncatedAt).toEqual([30, 31]); // without a reset the counter keeps going past the limit
    tf.dispose([state, action]);
  });
});

describe('NaN/Inf guards', () => {
  // An env whose reward is log(a): NaN for a < 0, -Inf at a = 0.
  const logEnv = defineEnv({
    name: 'test-log',
    description: 'test env: reward = log(a)',
    obsDim: 1,
    actDim: 1,
    episodeLength: 10,
    action: { names: ['a'], units: ['1'], low: [-1], high: [1] },
    rewardDescription: 'r = log a',
    observationNames: ['a'],
    init: (batch) => ({ a: tf.zeros([batch, 1]) }),
    observe: (s) => tf.clone(s['a']!),
    transition: (_s, a) => ({ state: { a: tf.clone(a) }, reward: tf.log(tf.reshape(a, [-1])) }),
  });
  const actions = () => tf.tensor2d([[0.5], [-0.5], [0]]);

  it("'flag' (default) marks the envs and terminates them", async () => {
    const state = logEnv.reset(3, new Rng(0));
    const a = actions();
    const result = logEnv.step(state, a);
    expect(Array.from(await result.nonFinite!.data())).toEqual([0, 1, 1]);
    expect(Array.from(await result.terminated.data())).toEqual([0, 1, 1]);
    tf.dispose([state, a, result]);
  });

  it("'raise' throws a NonFiniteError with the count, and leaks nothing", () => {
    const env = logEnv.with({ nonFinite: 'raise' });
    const state = env.reset(3, new Rng(0));
    const a = actions();
    const before = tf.memory().numTensors;
    expect(() => env.step(state, a)).toThrow(NonFiniteError);
    expect(() => env.step(state, a)).toThrow(/2 non-finite value\(s\) .* out of 3/);
    expect(tf.memory().numTensors).toBe(before);
    const fine = tf.tensor2d([[0.5], [0.2], [1]]);
    expect(() => tf.dispose(env.step(state, fine))).not.toThrow();
    tf.dispose([state, a, fine]);
  });

  it("'off' does no check", async () => {
    const env = logEnv.with({ nonFinite: 'off' });
    const state = env.reset(3, new Rng(0));
    const a = actions();
    const result = env.step(state, a);
    expect(result.nonFinite).toBeUndefined();
    expect(Array.from(await result.terminated.data())).toEqual([0, 0, 0]);
    tf.dispose([state, a, result]);
  });

  it('a NaN action in a physics env is flagged (pendulum)', async () => {
    const env = getEnv('pendulum');
    const state = env.reset(2, new Rng(0));
    const a = tf.tensor2d([[0.1], [NaN]]);
    const result = env.step(state, a);
    expect(Array.from(await result.nonFinite!.data())).toEqual([0, 1]);
    tf.dispose([state, a, result]);
  });
});

describe('memory: no tensor leaks', () => {
  it.each([...BUILTIN_ENV_NAMES])('%s: numTensors flat across 100 steps', (name) => {
    const env = getEnv(name);
    const rng = new Rng(0);
    let state: EnvState = env.reset(2, rng);
    const action = tf.tensor2d(pattern(1, 2, env.actDim)[0]!);
    const advance = () => {
      const result = env.step(state, action);
      const done = tf.logicalOr(result.terminated, result.truncated);
      const next = resetDone(env, result.state, done, rng);
      tf.dispose([state, result, done]);
      state = next;
    };
    advance(); // the first call may create cached constants
    const before = tf.memory().numTensors;
    for (let k = 0; k < 100; k++) advance();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([state, action]);
  });

  it('gradient rollouts leak nothing either', () => {
    const env = getEnv('traffic-c');
    const state = env.reset(2, new Rng(0));
    const actions = pattern(5, 2, 2).map((rows) => tf.tensor2d(rows));
    const run = () => tf.tidy(() => tf.grads((...acts: tf.Tensor[]) => rolloutReturn(env, state, acts))(actions));
    tf.dispose(run());
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) tf.dispose(run());
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([state, ...actions]);
  });
});

describe('detached mode', () => {
  it.each(['cartpole-swingup', 'traffic-b', 'ackley'])('%s: same values, exactly zero gradient', async (name) => {
    const env = getEnv(name);
    const detached = env.with({ detached: true });
    const state = env.reset(2, new Rng(1));
    const actions = pattern(3, 2, env.actDim).map((rows) => tf.tensor2d(rows));
    const total =
      (e: typeof env) =>
      (...acts: tf.Tensor[]) => {
        let s: EnvState = state;
        let sum: tf.Tensor = tf.scalar(0);
        for (const a of acts) {
          const r = e.step(s, a);
          sum = tf.add(sum, tf.sum(r.reward));
          s = r.state;
        }
        return sum as tf.Scalar;
      };
    const attached = tf.valueAndGrads(total(env))(actions);
    const cut = tf.valueAndGrads(total(detached))(actions);
    expect(await cut.value.data()).toEqual(await attached.value.data());
    const attachedAbs = (await Promise.all(attached.grads.map((g) => g.data()))).flatMap((d) => Array.from(d, Math.abs));
    expect(attachedAbs.some((g) => g > 0)).toBe(true);
    for (const g of cut.grads) expect(Array.from(await g.data()).every((v) => v === 0)).toBe(true);
    tf.dispose([state, ...actions, attached.value, cut.value, ...attached.grads, ...cut.grads]);
  });
});

describe('resetDone and tileState', () => {
  it('resets only the finished envs, and gradients flow only into the kept ones', async () => {
    const env = getEnv('pendulum');
    const rng = new Rng(5);
    const state = env.reset(3, rng);
    const fresh = env.reset(3, new Rng(5).fork(0)); // an unrelated draw, only to check shapes
    const done = tf.tensor1d([true, false, true], 'bool');
    const before = (await state['theta']!.array()) as number[];
    const merged = resetDone(env, state, done, rng);
    const after = (await merged['theta']!.array()) as number[];
    expect(after[1]).toBe(before[1]);
    expect(after[0]).not.toBe(before[0]);
    expect(Array.from(await merged['t']!.data())).toEqual([0, 0, 0]);
    const g = tf.grad((theta: tf.Tensor) => tf.sum(resetDone(env, { ...state, theta }, done, new Rng(1))['theta']!))(state['theta']!);
    expect(Array.from(await g.data())).toEqual([0, 1, 0]);
    // tensors of higher rank get a reshaped mask (traffic's [B, N] and [B, 1] state)
    const traffic = getEnv('traffic-b');
    const tState = traffic.reset(3, new Rng(2));
    const moved = { ...tState, pos: tf.add(tState['pos']!, 100) };
    const tMerged = resetDone(traffic, moved, done, new Rng(3));
    const pos = (await tMerged['pos']!.array()) as number[][];
    expect(pos[1]).toEqual(((await moved.pos.array()) as number[][])[1]);
    expect(pos[0]).toEqual(((await tState['pos']!.array()) as number[][])[0]);
    tf.dispose([tState, moved.pos, tMerged]);
    const tiled = tileState(state, 2);
    expect(tiled['theta']!.shape).toEqual([6]);
    expect(((await tiled['theta']!.array()) as number[])[3]).toBe(before[0]);
    expect(() => resetDone(env, state, tf.tensor1d([true], 'bool'), rng)).toThrow(ShapeError);
    tf.dispose([state, fresh, done, merged, g, tiled]);
  });
});
