// Training jobs: the function problems (several algorithms side by side) and the cart-pole swing-up.
import { Rng, tf } from '@pathwise/core';
import { getEnv } from '@pathwise/envs';
import { rolloutGradients, simulate, type OnPolicyTrainer } from '@pathwise/gippo';
import type { CartpoleJob, FunctionJob, JobEvent, Row } from '../protocol.js';
import type { JobControl } from './control.js';
import { makeTrainer } from './trainers.js';

type Emit = (event: JobEvent) => void;

interface Run {
  algo: string;
  trainer: OnPolicyTrainer;
  wallMs: number;
}

/** Lets a paused run continue on another backend: checkpoint, switch, rebuild, load. */
function installMigration(control: JobControl, runs: Run[], rebuild: (run: Run) => OnPolicyTrainer): void {
  control.migrate = async (switchBackend) => {
    const states = await Promise.all(runs.map((run) => run.trainer.state()));
    runs.forEach((run) => run.trainer.dispose());
    await switchBackend();
    runs.forEach((run, i) => {
      run.trainer = rebuild(run);
      run.trainer.load(states[i]);
    });
  };
}

function rowOf(run: Run, metrics: Record<string, number>): Row {
  return { ...metrics, wall_s: run.wallMs / 1000 };
}

async function timedEpoch(run: Run): Promise<Record<string, number>> {
  const start = performance.now();
  const metrics = (await run.trainer.epoch()) as unknown as Record<string, number>;
  run.wallMs += performance.now() - start;
  return metrics;
}

/** f over the action range of a one-dimensional function env (−reward at a grid of actions). */
async function landscape(envName: string, points = 401): Promise<Extract<JobEvent, { kind: 'landscape' }>> {
  const env = getEnv(envName);
  const grid = Array.from({ length: points }, (_, i) => -1 + (2 * i) / (points - 1));
  const state = env.reset(points, new Rng(0));
  const actions = tf.tensor2d(grid, [points, 1]);
  const result = env.step(state, actions);
  const rewards = await result.reward.data();
  tf.dispose([state, actions, result]);
  const bound = env.action.high[0]!;
  return { kind: 'landscape', xs: grid.map((a) => a * bound), values: Array.from(rewards, (r) => -r), bound };
}

export async function runFunctionJob(job: FunctionJob, control: JobControl, emit: Emit): Promise<void> {
  const settings = { seed: job.seed, epochs: job.epochs, actors: job.actors, hidden: job.hidden, criticIterations: job.criticIterations };
  const runs: Run[] = job.algos.map((algo) => ({ algo, trainer: makeTrainer(job.env, algo, settings), wallMs: 0 }));
  installMigration(control, runs, (run) => makeTrainer(job.env, run.algo as FunctionJob['algos'][number], settings));
  const oneDimensional = getEnv(job.env).actDim === 1;
  // The landscape plot follows GI-PPO when it runs (its α-targets), else the first algorithm.
  const plotted = job.algos.includes('gippo') ? 'gippo' : job.algos[0];
  let bound = 1;
  if (oneDimensional) {
    const event = await landscape(job.env);
    bound = event.bound;
    emit(event);
  }
  try {
    for (let epoch = 1; epoch <= job.epochs; epoch++) {
      for (const run of runs) {
        await control.checkpoint(() => emit({ kind: 'status', state: 'paused', message: `paused after epoch ${epoch - 1}` }));
        if (oneDimensional && run.algo === plotted) {
          const peek = await rolloutGradients(run.trainer, { restore: true });
          const alpha = run.trainer.update.live?.().alpha ?? 0;
          const u = Array.from(peek.actions);
          emit({
            kind: 'samples',
            epoch,
            alpha,
            actions: u.map((v) => bound * Math.tanh(v)),
            targets: u.map((v, i) => bound * Math.tanh(v + alpha * peek.actionGradients[i]!)),
            rewards: Array.from(peek.rewards),
          });
        }
        emit({ kind: 'metrics', run: run.algo, row: rowOf(run, await timedEpoch(run)) });
      }
    }
  } finally {
    control.migrate = undefined;
    runs.forEach((run) => run.trainer.dispose());
  }
}

/** One episode of the current (stochastic) policy in a single env: [x, cos θ, sin θ] per step. */
async function recordEpisode(trainer: OnPolicyTrainer, rng: Rng): Promise<{ frames: Array<[number, number, number]>; episodeReturn: number }> {
  const norm = trainer.frozenNormalisers();
  const { obs, rewards } = tf.tidy(() => {
    const sim = simulate({
      env: trainer.env,
      actor: trainer.actor,
      targetCritic: trainer.targetCritic,
      norm,
      gamma: trainer.config.gamma,
      lambda: trainer.config.lambda,
      state: trainer.env.reset(1, rng),
      steps: trainer.env.episodeLength,
      rng,
      resetDone: false,
    });
    return { obs: tf.concat(sim.rawObs, 0), rewards: tf.concat(sim.rewards, 0) };
  });
  const [o, r] = await Promise.all([obs.data(), rewards.data()]);
  tf.dispose([obs, rewards]);
  norm.obsMean?.dispose();
  norm.obsScale?.dispose();
  const width = trainer.env.obsDim;
  const frames: Array<[number, number, number]> = [];
  for (let t = 0; t < o.length / width; t++) frames.push([o[t * width]!, o[t * width + 1]!, o[t * width + 2]!]);
  return { frames, episodeReturn: Array.from(r).reduce((a, b) => a + b, 0) };
}

export async function runCartpoleJob(job: CartpoleJob, control: JobControl, emit: Emit): Promise<void> {
  const envName = 'cartpole-swingup';
  const settings = { seed: job.seed, epochs: job.epochs, actors: job.actors, hidden: job.hidden, criticIterations: job.criticIterations };
  const run: Run = { algo: job.algo, trainer: makeTrainer(envName, job.algo, settings), wallMs: 0 };
  installMigration(control, [run], () => makeTrainer(envName, job.algo, settings));
  // Its own stream, so recording episodes does not change the training run.
  const animationRng = new Rng(job.seed).fork(7);
  // The env's default kernel ('auto'): the fused step on webgl and webgpu, the op-by-op one on cpu and wasm for this env.
  const animate = async (epoch: number) => emit({ kind: 'cartpole', epoch, ...(await recordEpisode(run.trainer, animationRng)), backend: tf.getBackend(), kernel: run.trainer.env.kernelOn() });
  try {
    await animate(0);
    for (let epoch = 1; epoch <= job.epochs; epoch++) {
      await control.checkpoint(() => emit({ kind: 'status', state: 'paused', message: `paused after epoch ${epoch - 1}` }));
      emit({ kind: 'metrics', run: run.algo, row: rowOf(run, await timedEpoch(run)) });
      if (epoch % job.animateEvery === 0 || epoch === job.epochs) await animate(epoch);
    }
  } finally {
    control.migrate = undefined;
    run.trainer.dispose();
  }
}
