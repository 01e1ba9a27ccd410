// One file: the numbered invariants share their small trainers and helpers.
// docs/algorithms/gippo.md §6: the invariants of the reference, one test (or more) each.
import { beforeAll, describe, expect, it } from 'vitest';
import '@pathwise/backend-cpu';
import { Rng, parametersOf, tf, useBackend } from '@pathwise/core';
import { defineEnv, getEnv } from '@pathwise/envs';
import { OnPolicyTrainer } from './trainer.js';
import { createTrainer, resolveTrainerConfig } from './plugins.js';
type AlgorithmName = string;
import { AverageMeter } from './meters.js';
import { gae, simulate, type Normalisers } from './rollout.js';
import { mixtureNegLogProb, negLogProb, normaliseAdvantages } from './losses.js';
import { makeCritic, polyak } from './networks.js';
import { inverseVarianceWeight as ivw } from '@pathwise/estimators';
const inverseVarianceWeight = (vLR: number, vRP: number) => ivw(vLR, vRP, { rule: 'gippo' });
import { nextAlpha, type AlphaRuleConfig } from './algorithms/alpha-rule.js';
import { ppoLoss, stablePpo, type PpoBatch } from './algorithms/ppo.js';
import { alphaRegressionLoss, gippoPpoLoss } from './algorithms/gippo.js';

tf.env().set('PROD', true);
beforeAll(async () => {
  await useBackend('cpu');
});

const values = (t: tf.Tensor) => Array.from(t.dataSync());
const small = { actorHidden: [8, 8], criticHidden: [8, 8] };

function trainer(algo: AlgorithmName, env = 'dejong', overrides: Record<string, unknown> = {}, seed = 1): OnPolicyTrainer {
  const config = resolveTrainerConfig(env, algo, { ...small, ...overrides });
  return createTrainer({ env: getEnv(env), algo, config, seed });
}

const noNorm: Normalisers = { valueMean: 0, valueScale: 1 };

describe('§6 shared machinery', () => {
  it('3. nlp(u; μ, σ) = ½Σ((u−μ)/σ)² + ½D·log 2π + Σ log σ; u = μ, σ = 1, D = 1 gives 0.9189385', () => {
    expect(negLogProb(tf.tensor2d([[0.3]]), tf.tensor2d([[0.3]]), tf.tensor2d([[0]])).dataSync()[0]).toBeCloseTo(0.9189385, 6);
    const got = negLogProb(tf.tensor2d([[1, -2]]), tf.tensor2d([[0.5, 0]]), tf.tensor2d([[Math.log(2), Math.log(0.5)]])).dataSync()[0]!;
    const want = 0.5 * ((0.5 / 2) ** 2 + (-2 / 0.5) ** 2) + Math.log(2 * Math.PI) + Math.log(2) + Math.log(0.5);
    expect(got).toBeCloseTo(want, 5);
  });

  it('4. advantage normalisation uses the unbiased std and + 1e-8', () => {
    const a = [1, 2, 4, 8, -3];
    const mean = a.reduce((x, y) => x + y) / a.length;
    const std = Math.sqrt(a.reduce((x, y) => x + (y - mean) ** 2, 0) / (a.length - 1));
    values(normaliseAdvantages(tf.tensor1d(a))).forEach((v, i) => expect(v).toBeCloseTo((a[i]! - mean) / (std + 1e-8), 5));
  });

  it('5. GAE: horizon 1 is r + γV(s′) − V(s); multi-step matches a reference loop with done cuts', () => {
    const one = gae([tf.tensor1d([1, 2])], [tf.tensor1d([0.5, -1])], [tf.tensor1d([0.4, 0.2])], [tf.tensor1d([1, 1])], 0.99, 0.95);
    values(one[0]!).forEach((v, i) => expect(v).toBeCloseTo([1 + 0.99 * 0.4 - 0.5, 2 + 0.99 * 0.2 + 1][i]!, 5));
    const rng = new Rng(3);
    const T = 6;
    const B = 3;
    const r = Array.from({ length: T }, () => Array.from({ length: B }, () => rng.normal()));
    const v = Array.from({ length: T }, () => Array.from({ length: B }, () => rng.normal()));
    const vn = Array.from({ length: T }, () => Array.from({ length: B }, () => rng.normal()));
    const d = Array.from({ length: T }, () => Array.from({ length: B }, () => (rng.uniform() < 0.3 ? 1 : 0)));
    const got = gae(
      r.map((x) => tf.tensor1d(x)),
      v.map((x) => tf.tensor1d(x)),
      vn.map((x) => tf.tensor1d(x)),
      d.map((x) => tf.tensor1d(x)),
      0.99,
      0.95,
    );
    for (let j = 0; j < B; j++) {
      let next = 0;
      for (let t = T - 1; t >= 0; t--) {
        const delta = r[t]![j]! + 0.99 * vn[t]![j]! - v[t]![j]!;
        next = delta + 0.99 * 0.95 * (1 - d[t]![j]!) * (t === T - 1 ? 0 : next);
        expect(got[t]!.dataSync()[j]).toBeCloseTo(next, 4);
      }
    }
  });

  it('5. V(s′) is zeroed on early termination only, kept on a time-limit end', () => {
    // A 1-D env whose state counts up; it terminates early in env 0 at step 2, env 1 runs to its limit of 3.
    const env = defineEnv({
      name: 'counter-test',
      description: 'test',
      obsDim: 1,
      actDim: 1,
      episodeLength: 3,
      action: { names: ['a'], units: ['1'], low: [-1], high: [1] },
      rewardDescription: '1 per step',
      observationNames: ['x'],
      init: (batch) => ({ x: tf.ones([batch, 1]) }),
      observe: (s) => s.x!,
      transition: (s) => ({
        state: { x: tf.add(s.x!, 1) },
        reward: tf.ones([s.x!.shape[0]!]),
        terminated: tf.logicalAnd(tf.equal((s as Record<string, tf.Tensor>).t!, 1), tf.equal(tf.range(0, s.x!.shape[0]!), 0)),
      }),
    });
    const rng = new Rng(0);
    const critic = makeCritic(1, [4], 'elu', rng);
    // The dejong actor has obsDim 1 and actDim 1, like this env.
    const matching = trainer('ppo', 'dejong');
    const s2 = tf.tidy(() => {
      const out = simulate({ env, actor: matching.actor, targetCritic: critic, norm: noNorm, gamma: 0.99, lambda: 0.95, state: env.reset(2, rng), steps: 3, rng, resetDone: true });
      return { next: out.nextValues.map((x) => tf.keep(x)), term: out.terminated.map((x) => tf.keep(x)), done: out.dones.map((x) => tf.keep(x)) };
    });
    const next = s2.next.map(values);
    expect(values(s2.term[1]!)).toEqual([1, 0]);
    expect(next[1]![0]).toBe(0); // env 0 terminated early at step index 1: V(s′) = 0
    expect(next[1]![1]).not.toBe(0); // env 1 goes on
    expect(values(s2.done[2]!)).toEqual([0, 1]); // env 1 hits its time limit (3 steps); env 0 restarted
    expect(next[2]![1]).not.toBe(0); // a time-limit end keeps V(s′)
    matching.dispose();
  });

  it('2. function problems: observation 0, every step ends the episode as a time limit, V(s′) = V(s) is kept', () => {
    const t = trainer('gippo');
    const env = getEnv('dejong');
    const rng = new Rng(1);
    const out = tf.tidy(() => {
      const sim = simulate({ env, actor: t.actor, targetCritic: t.targetCritic, norm: noNorm, gamma: 0.99, lambda: 0.95, state: env.reset(8, rng), steps: 3, rng, resetDone: true });
      return {
        obs: sim.rawObs.map((x) => tf.keep(x)),
        dones: sim.dones.map((x) => tf.keep(x)),
        terminated: sim.terminated.map((x) => tf.keep(x)),
        values: sim.values.map((x) => tf.keep(x)),
        next: sim.nextValues.map((x) => tf.keep(x)),
        adv: sim.advantages.map((x) => tf.keep(x)),
        rewards: sim.rewards.map((x) => tf.keep(x)),
      };
    });
    for (let k = 0; k < 3; k++) {
      expect(values(out.obs[k]!).every((v) => v === 0)).toBe(true);
      expect(values(out.dones[k]!)).toEqual(new Array(8).fill(1));
      expect(values(out.terminated[k]!)).toEqual(new Array(8).fill(0));
      expect(values(out.next[k]!)).toEqual(values(out.values[k]!));
      // A = r + γV(s′) − V(s) = r − 0.01·V.
      values(out.adv[k]!).forEach((a, i) => expect(a).toBeCloseTo(values(out.rewards[k]!)[i]! - 0.01 * values(out.values[k]!)[i]!, 4));
    }
    t.dispose();
  });

  it('6. linear schedule: lr(1) = lr₀ − (lr₀ − 1e-5)/2000; PPO never decays', async () => {
    const lr = trainer('lr');
    const m = await lr.epoch();
    expect(m.actor_lr).toBeCloseTo(1e-3 - (1e-3 - 1e-5) / 2000, 12);
    expect(m.critic_lr).toBeCloseTo(1e-3 - (1e-3 - 1e-5) / 2000, 12);
    lr.dispose();
    const ppo = trainer('ppo');
    const p = await ppo.epoch();
    expect(p.critic_lr).toBe(1e-3);
    ppo.dispose();
  });

  it('7. AverageMeter: m₁, then 0.36·m₁ + 0.64·m₂ with 64 episodes per epoch', () => {
    const meter = new AverageMeter(100);
    meter.update(new Array(64).fill(2));
    expect(meter.mean).toBe(2);
    meter.update(new Array(64).fill(5));
    expect(meter.mean).toBeCloseTo(0.36 * 2 + 0.64 * 5, 12);
    meter.update([]);
    expect(meter.mean).toBeCloseTo(0.36 * 2 + 0.64 * 5, 12);
  });

  it('8. target critic after one update = 0.2·old + 0.8·critic', () => {
    const rng = new Rng(2);
    const target = makeCritic(2, [4], 'elu', rng, 'a');
    const critic = makeCritic(2, [4], 'elu', rng, 'b');
    const before = parametersOf(target).map(values);
    polyak(target, critic, 0.2);
    parametersOf(target).forEach((p, i) => values(p).forEach((v, k) => expect(v).toBeCloseTo(0.2 * before[i]![k]! + 0.8 * values(parametersOf(critic)[i]!)[k]!, 6)));
  });

  it('9. one epoch = 64 samples and 64 critic steps (16 × 4 minibatches of 16)', async () => {
    const t = trainer('lr');
    const m = await t.epoch();
    expect(m.steps).toBe(64);
    expect(t.criticAdam.stepCount).toBe(64);
    expect(t.config.epochs).toBe(2001);
    t.dispose();
  });
});

/** Central-difference check of d loss / d variable at a few entries. */
async function checkVariableGradient(loss: () => tf.Scalar, variable: tf.Variable, analytic: tf.Tensor, entries: number[], eps = 1e-2): Promise<void> {
  const base = Float32Array.from(variable.dataSync());
  const got = values(analytic);
  for (const i of entries) {
    const at = (delta: number) => {
      const shifted = Float32Array.from(base);
      shifted[i] = shifted[i]! + delta;
      variable.assign(tf.tensor(shifted, variable.shape));
      const v = loss();
      const out = v.dataSync()[0]!;
      v.dispose();
      return out;
    };
    const fd = (at(eps) - at(-eps)) / (2 * eps);
    variable.assign(tf.tensor(base, variable.shape));
    expect(Math.abs(got[i]! - fd), `entry ${i}: analytic ${got[i]} vs fd ${fd}`).toBeLessThan(2e-3 + 3e-2 * Math.abs(fd));
  }
}

describe('§6 algorithms', () => {
  it('10. the LR loss gradient matches finite differences (= −mean Â∇log π)', async () => {
    const t = trainer('lr');
    const obs = tf.zeros([5, 1]);
    const actions = tf.tensor2d([[0.3], [-0.2], [1.1], [0.05], [-0.7]]);
    const adv = tf.tensor1d([1, -0.5, 0.3, 2, -1.2]);
    const { lrLoss } = await import('./algorithms/pg.js');
    const params = parametersOf(t.actor);
    const { grads } = tf.variableGrads(() => lrLoss(t, obs, actions, adv), params);
    for (const p of [params[0]!, params[params.length - 2]!]) await checkVariableGradient(() => lrLoss(t, obs, actions, adv), p, grads[p.name]!, [0, 1, 2]);
    t.dispose();
  });

  it('11. RP gradient (horizon 1) = −mean ∂r/∂u·∂u/∂θ: matches finite differences with the noise held fixed', async () => {
    const t = trainer('rp');
    const env = getEnv('dejong');
    const rng = new Rng(5);
    const noise = [rng.normalTensor([64, 1])];
    const state = env.reset(64, rng);
    const { rpLoss } = await import('./algorithms/pg.js');
    const loss = () => tf.tidy(() => rpLoss(simulate({ env, actor: t.actor, targetCritic: t.targetCritic, norm: noNorm, gamma: 0.99, lambda: 0.95, state, steps: 1, noise, rng, resetDone: false })));
    const params = parametersOf(t.actor);
    const { grads } = tf.variableGrads(loss, params);
    const head = params[params.length - 2]!;
    await checkVariableGradient(loss, head, grads[head.name]!, [0, 3, 7]);
    // And it equals −mean ∂r/∂u · ∂u/∂θ assembled by hand through the reward's action gradient.
    const direct = tf.tidy(() => {
      const [mean, logStd] = tf.split(t.actor.apply(tf.zeros([64, 1])), 2, 1);
      const u = tf.add(mean!, tf.mul(tf.exp(logStd!), noise[0]!));
      // ∂r/∂u at the sampled actions, held constant: then −mean (∂r/∂u)·u(θ) has the RP gradient.
      const drdu = tf.grad((x: tf.Tensor) => tf.sum(env.step(state, tf.tanh(x)).reward))(u);
      return tf.variableGrads(() => {
        const [m, s] = tf.split(t.actor.apply(tf.zeros([64, 1])), 2, 1);
        return tf.neg(tf.mean(tf.sum(tf.mul(tf.add(m!, tf.mul(tf.exp(s!), noise[0]!)), drdu), 1))) as tf.Scalar;
      }, [head]).grads[head.name]!;
    });
    values(direct).forEach((v, k) => expect(v).toBeCloseTo(values(grads[head.name]!)[k]!, 4));
    t.dispose();
  });

  it('12. LR+RP weights: k_LR = v_RP/(v_LR + v_RP + 1e-8) ∈ [0, 1], pure RP when v_RP = 0, ≈ pure LR when v_LR = 0', () => {
    expect(inverseVarianceWeight(3, 1)).toBeCloseTo(0.25, 8);
    expect(inverseVarianceWeight(5, 0)).toBe(0);
    expect(inverseVarianceWeight(0, 2)).toBeCloseTo(1, 8);
    const rng = new Rng(1);
    for (let i = 0; i < 200; i++) {
      const k = inverseVarianceWeight(rng.uniform() * 10 ** (rng.int(10) - 5), rng.uniform() * 10 ** (rng.int(10) - 5));
      expect(k).toBeGreaterThanOrEqual(0);
      expect(k).toBeLessThanOrEqual(1);
    }
  });

  it('13. PPO loss at θ = θ_old is −mean Â = 0 for normalised advantages', async () => {
    const t = trainer('ppo');
    const norm = t.frozenNormalisers();
    let batch: PpoBatch | undefined;
    tf.tidy(() => {
      const sim = t.simulate(norm);
      const b = t.batchFrom(sim);
      batch = {
        obs: tf.keep(b.obs),
        actions: tf.keep(b.actions),
        advantages: tf.keep(b.normalisedAdvantages),
        nlpOld: tf.keep(negLogProb(b.actions, b.mean, b.logStd)),
      };
    });
    const value = ppoLoss(t, batch!)(0).dataSync()[0]!;
    expect(Math.abs(value)).toBeLessThan(1e-6);
    t.dispose();
  });

  it('14. GI-PPO with α = 0 leaves the actor unchanged by the regression and matches PPO on the same samples', async () => {
    const opts = { alpha: 0, lrSchedule: 'constant' };
    const gi = trainer('gippo', 'dejong', opts, 7);
    const ppo = trainer('ppo', 'dejong', { lrSchedule: 'constant' }, 7);
    for (let e = 0; e < 3; e++) {
      const m = await gi.epoch();
      await ppo.epoch();
      expect(m.oorr).toBe(0);
      expect(m.bias).toBe(0);
      expect(m.alpha).toBe(0);
    }
    parametersOf(gi.actor).forEach((p, i) => {
      const a = values(p);
      const b = values(parametersOf(ppo.actor)[i]!);
      a.forEach((v, k) => expect(v).toBeCloseTo(b[k]!, 5));
    });
    gi.dispose();
    ppo.dispose();
  });

  it('15. mixture identity: −log(½π_old + ½π_α) = log 2 − log(1 + π_α/π_old) + nlp_old; equals nlp_old when π_α = π_old', () => {
    const nlpOld = [0.3, 2.5, -1.2, 4];
    const nlpAlpha = [0.3, 1.1, 0.4, 7.5];
    const got = values(mixtureNegLogProb(tf.tensor1d(nlpOld), tf.tensor1d(nlpAlpha)));
    got.forEach((v, i) => expect(v).toBeCloseTo(-Math.log(0.5 * Math.exp(-nlpOld[i]!) + 0.5 * Math.exp(-nlpAlpha[i]!)), 5));
    expect(got[0]).toBeCloseTo(0.3, 6);
  });

  it('16. a minibatch with any |log π_α − log π_old| > 4 uses π_α as the behaviour density', async () => {
    const t = trainer('gippo');
    const obs = tf.zeros([64, 1]);
    const actions = new Rng(2).normalTensor([64, 1]);
    const adv = normaliseAdvantages(new Rng(3).normalTensor([64]));
    const nlpOld = tf.tidy(() => {
      const [m, s] = tf.split(t.actor.apply(obs), 2, 1);
      return negLogProb(actions, m!, s!);
    });
    const shift = (d: number) => tf.add(nlpOld, tf.concat([tf.fill([63], 0.1), tf.tensor1d([d])]));
    for (const [delta, fallback] of [
      [5, true],
      [3, false],
    ] as const) {
      const nlpAlpha = shift(delta);
      const loss = (await gippoPpoLoss(t, { obs, actions, advantages: adv, nlpOld, nlpAlpha }))(0).dataSync()[0]!;
      const behaviour = fallback ? nlpAlpha : mixtureNegLogProb(nlpOld, nlpAlpha);
      // θ = θ_old here, so nlp_θ = nlp_old and log-ratio = behaviour − nlp_old.
      const ratio = tf.exp(tf.clipByValue(tf.sub(behaviour, nlpOld), -16, 16));
      const want = tf.mean(tf.maximum(tf.mul(tf.neg(adv), ratio), tf.mul(tf.neg(adv), tf.clipByValue(ratio, 0.8, 1.2)))).dataSync()[0]!;
      expect(loss).toBeCloseTo(want, 5);
    }
    t.dispose();
  });

  it('17. the first α-regression gradient is −2α·∇θ mean_i A(s_i, μ_θ + σ_θ ε_i)', () => {
    const t = trainer('gippo');
    const env = getEnv('dejong');
    const rng = new Rng(9);
    const alpha = 0.05;
    const obs = tf.zeros([64, 1]);
    const noise = rng.normalTensor([64, 1]) as tf.Tensor2D;
    const state = env.reset(64, rng);
    const params = parametersOf(t.actor);
    const reparameterised = () => {
      const [m, s] = tf.split(t.actor.apply(obs), 2, 1);
      return tf.add(m!, tf.mul(tf.exp(s!), noise));
    };
    // A(s, u) = r(tanh u) + const for the function problems: its u-gradient is the reward's.
    const reward = (u: tf.Tensor) => env.step(state, tf.tanh(u)).reward;
    const u = reparameterised();
    const g = tf.grad((x: tf.Tensor) => tf.sum(reward(x)))(u);
    const targets = tf.add(u, tf.mul(g, alpha));
    const regression = tf.variableGrads(() => alphaRegressionLoss(t, { obs: obs as tf.Tensor2D, noise }, targets), params).grads;
    const rp = tf.variableGrads(() => tf.mean(reward(reparameterised())) as tf.Scalar, params).grads;
    for (const p of params) {
      const a = values(regression[p.name]!);
      const b = values(rp[p.name]!).map((x) => -2 * alpha * x);
      a.forEach((v, k) => expect(v).toBeCloseTo(b[k]!, 4));
    }
    t.dispose();
  });
});

describe('§6 the α rule', () => {
  const config: AlphaRuleConfig = { alphaInterval: 0.4, alphaUpdateFactor: 1.1, maxAlpha: 1, maxOorr: 0.5, lrMultiplier: 1.5 };
  const pass = { converged: true, detMin: 1, detMax: 1, oorr: 0, bias: 1, biasScore: 0, lrAlpha: 1e-3 };

  it('18. a pure mean shift (σ unchanged) gives determinants 1 and α grows', () => {
    expect(nextAlpha({ ...pass, alpha: 0.1 }, config).alpha).toBeCloseTo(0.11, 12);
    expect(nextAlpha({ ...pass, alpha: 0.1, detMin: 0.59 }, config).alpha).toBeCloseTo(0.1 / 1.1, 12);
    expect(nextAlpha({ ...pass, alpha: 0.1, detMax: 1.41 }, config).alpha).toBeCloseTo(0.1 / 1.1, 12);
  });

  it('19. α_next ∈ {αβ, α/β, α} ∩ (0, α_max]; no lower bound; lr_α only decreases, with floor 1e-5', () => {
    const rng = new Rng(4);
    for (let i = 0; i < 500; i++) {
      const alpha = 10 ** (-10 * rng.uniform());
      const input = {
        alpha,
        lrAlpha: 10 ** (-6 * rng.uniform()),
        converged: rng.uniform() < 0.7,
        detMin: 0.5 + rng.uniform() * 0.6,
        detMax: 0.9 + rng.uniform() * 0.6,
        oorr: rng.uniform(),
        bias: rng.normal(),
        biasScore: 2 * rng.normal(),
      };
      const out = nextAlpha(input, config);
      const allowed = [alpha * 1.1, alpha / 1.1, alpha].map((a) => Math.min(a, 1));
      expect(allowed.some((a) => Math.abs(a - out.alpha) <= 1e-15 * a)).toBe(true);
      expect(out.alpha).toBeGreaterThan(0);
      expect(out.lrAlpha).toBeLessThanOrEqual(Math.max(input.lrAlpha, 1e-5));
      if (input.converged) expect(out.lrAlpha).toBe(input.lrAlpha);
      else expect(out.lrAlpha).toBe(Math.max(input.lrAlpha / 1.5, 1e-5));
    }
  });

  it('20. the OORR and bias criteria override with α/β regardless of the determinant step', () => {
    expect(nextAlpha({ ...pass, alpha: 0.5, oorr: 0.51 }, config).alpha).toBeCloseTo(0.5 / 1.1, 12);
    expect(nextAlpha({ ...pass, alpha: 0.5, bias: -1, biasScore: -1.01 }, config).alpha).toBeCloseTo(0.5 / 1.1, 12);
    expect(nextAlpha({ ...pass, alpha: 0.5, bias: -1, biasScore: -0.99 }, config).alpha).toBeCloseTo(0.55, 12);
    expect(nextAlpha({ ...pass, alpha: 0.5, bias: 1, biasScore: -3 }, config).alpha).toBeCloseTo(0.55, 12);
    expect(nextAlpha({ ...pass, alpha: 0.5, converged: false, oorr: 0.9 }, config).alpha).toBeCloseTo(0.5 / 1.1, 12);
  });

  it('21. with every criterion passing, α grows from 1e-5 to α_max = 1 in ⌈ln 1e5 / ln 1.1⌉ = 121 epochs', () => {
    let alpha = 1e-5;
    let epochs = 0;
    while (alpha < 1) {
      alpha = nextAlpha({ ...pass, alpha }, config).alpha;
      epochs++;
    }
    expect(alpha).toBe(1);
    expect(epochs).toBe(Math.ceil(Math.log(1e5) / Math.log(1.1)));
    expect(epochs).toBe(121);
  });
});

describe('stable PPO retry loop (reference quirks, §2.5)', () => {
  function scripted(t: OnPolicyTrainer, perTry: Array<[number, number]>) {
    // The loss value is scripted per try: [first mini-epoch, last mini-epoch]; its gradient is zero.
    let call = 0;
    const perTryCalls = t.config.miniEpochs;
    const params = parametersOf(t.actor);
    return (_k: number) => {
      const attempt = Math.floor(call / perTryCalls);
      const epoch = call % perTryCalls;
      call++;
      const [first, last] = perTry[Math.min(attempt, perTry.length - 1)]!;
      const value = epoch === 0 ? first : epoch === perTryCalls - 1 ? last : (first + last) / 2;
      return tf.add(tf.mul(tf.addN(params.map((p) => tf.sum(p))), 0), value) as tf.Scalar;
    };
  }
  const dummyBatch = (): PpoBatch => ({ obs: tf.zeros([64, 1]), actions: tf.zeros([64, 1]), advantages: tf.zeros([64]), nlpOld: tf.zeros([64]) });

  it('a failed try sets both rates to init/1.5; success restores the stored rate; the optimiser keeps init/1.5 for one step', async () => {
    const t = trainer('ppo');
    const stage = { lr: t.config.actorLr };
    const init = stage.lr;
    await stablePpo(
      t,
      stage,
      dummyBatch(),
      scripted(t, [
        [1, 2],
        [2, 1],
      ]),
    );
    expect(stage.lr).toBe(init);
    expect(t.actorAdam.lr).toBeCloseTo(init / 1.5, 15);
    await stablePpo(t, stage, dummyBatch(), scripted(t, [[2, 1]]));
    expect(t.actorAdam.lr).toBe(init);
    t.dispose();
  });

  it('when all 8 tries fail the stored rate stays at init/1.5 and compounds across epochs', async () => {
    const t = trainer('ppo');
    const stage = { lr: t.config.actorLr };
    const init = stage.lr;
    await stablePpo(t, stage, dummyBatch(), scripted(t, [[1, 2]]));
    expect(stage.lr).toBeCloseTo(init / 1.5, 15);
    await stablePpo(t, stage, dummyBatch(), scripted(t, [[1, 2]]));
    expect(stage.lr).toBeCloseTo(init / 1.5 / 1.5, 15);
    t.dispose();
  });
});
