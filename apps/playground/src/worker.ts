/// <reference lib="webworker" />
// The compute worker: owns tfjs and every tensor, so training never blocks the page. One job at a
// time; requests are answered with a `reply`, progress arrives as `event`s.
import { algorithms, tf } from '@pathwise/core';
import type { Catalogue, Job, JobEvent, Request, UseBackendResult, WorkerMessage } from './protocol.js';
import { activate, reportBackend } from './jobs/backends.js';
import { JobControl, StopRequested } from './jobs/control.js';
import { runCartpoleJob, runFunctionJob } from './jobs/train.js';
import { runEstimatorJob } from './jobs/estimators.js';
import { runViLogreg, runViQuadratic } from './jobs/vi.js';
import { firstRollout } from './jobs/trainers.js';
import { getEnv, probeRollout } from '@pathwise/envs';
import { runBench } from './jobs/bench.js';
import { listEstimators } from '@pathwise/estimators';
import { RAW_DATASETS } from '@pathwise/vi-analysis';

const scope = self as unknown as DedicatedWorkerGlobalScope;
let control: JobControl | undefined;

const post = (message: WorkerMessage) => scope.postMessage(message);
const emit = (event: JobEvent) => post({ type: 'event', event });

function requireIdle(what: string): void {
  if (control) throw new Error(`A run is in progress; stop it before ${what}.`);
}

async function useBackendRequest(name: Parameters<typeof activate>[0]): Promise<UseBackendResult> {
  if (control?.state === 'running') {
    throw new Error(`A run is in progress on ${tf.getBackend()}: pause it (the run moves to ${name} through a checkpoint) or stop it first.`);
  }
  if (control?.state === 'paused') {
    if (!control.migrate) throw new Error('This job cannot move between backends; stop it first.');
    let result: UseBackendResult = { active: tf.getBackend() };
    await control.migrate(async () => {
      result = await activate(name);
    });
    return { ...result, migrated: true };
  }
  return activate(name);
}

async function runJob(job: Job): Promise<string> {
  requireIdle('starting another');
  const current = new JobControl();
  control = current;
  emit({ kind: 'status', state: 'running', message: `${job.kind} on ${tf.getBackend()}` });
  try {
    switch (job.kind) {
      case 'function':
        await runFunctionJob(job, current, emit);
        break;
      case 'cartpole':
        await runCartpoleJob(job, current, emit);
        break;
      case 'estimators':
        await runEstimatorJob(job, current, (result) => emit({ kind: 'estimators', result }));
        break;
      case 'vi-quadratic':
        emit({ kind: 'vi-quadratic', result: await runViQuadratic(job, current) });
        break;
      case 'vi-logreg':
        emit({ kind: 'vi-logreg', result: await runViLogreg(job, current, (message) => emit({ kind: 'progress', message })) });
        break;
    }
    emit({ kind: 'status', state: 'done', message: `${job.kind} finished on ${tf.getBackend()}` });
    return 'done';
  } catch (error) {
    if (error instanceof StopRequested) {
      emit({ kind: 'status', state: 'stopped', message: 'stopped' });
      return 'stopped';
    }
    emit({ kind: 'status', state: 'error', message: String(error instanceof Error ? error.message : error) });
    throw error;
  } finally {
    control = undefined;
  }
}

async function handle(request: Request): Promise<unknown> {
  switch (request.type) {
    case 'catalogue':
      return {
        algorithms: algorithms.names(),
        estimators: listEstimators().map(({ name, unbiased, description }) => ({ name, unbiased, description })),
        // Logistic regression needs a classification data set (diabetes is a regression set).
        datasets: Object.keys(RAW_DATASETS).filter((name) => name !== 'diabetes'),
      } satisfies Catalogue;
    case 'report':
      return reportBackend(request.name);
    case 'use-backend':
      return useBackendRequest(request.name);
    case 'start':
      return runJob(request.job);
    case 'pause':
      control?.pause();
      return control?.state ?? 'idle';
    case 'resume':
      control?.resume();
      if (control) emit({ kind: 'status', state: 'running', message: `running on ${tf.getBackend()}` });
      return control?.state ?? 'idle';
    case 'stop':
      control?.stop();
      return 'stopping';
    case 'probe': {
      requireIdle('probing');
      await activate(request.spec.backend);
      const before = tf.memory().numTensors;
      const start = performance.now();
      const peek = await firstRollout(request.spec.env, request.spec);
      const ms = performance.now() - start;
      return {
        backend: tf.getBackend(),
        kernel: getEnv(request.spec.env).kernelOn(),
        rewards: Array.from(peek.rewards),
        actions: Array.from(peek.actions),
        actionGradients: Array.from(peek.actionGradients),
        ms,
        leakedTensors: tf.memory().numTensors - before,
      };
    }
    case 'bench':
      requireIdle('benchmarking');
      return runBench(request.spec);
    case 'rollout':
      requireIdle('probing');
      await activate(request.spec.backend);
      return probeRollout(request.spec.envs, request.spec.steps);
  }
}

scope.onmessage = (message: MessageEvent<{ id: number; request: Request }>) => {
  const { id, request } = message.data;
  handle(request).then(
    (value) => post({ type: 'reply', id, ok: true, value }),
    (error: unknown) => post({ type: 'reply', id, ok: false, error: error instanceof Error ? error.message : String(error) }),
  );
};
