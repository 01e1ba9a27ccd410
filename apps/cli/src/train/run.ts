// One training run into a run directory (docs/architecture.md §6): config.json, metrics.csv/.jsonl, summary.json,
// reward.svg and checkpoint/. Resumable: a resumed run continues exactly as the uninterrupted one.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, PathwiseError } from '@pathwise/core';
import { getEnv } from '@pathwise/envs';
import { OnPolicyTrainer, metricColumns, resolveTrainerConfig, type AlgorithmName, type TrainerConfig, type TrainerState } from '@pathwise/gippo';
import {
  CONFIG_JSON,
  MetricsWriter,
  metricsColumns,
  readCheckpoint,
  readMetrics,
  writeCheckpoint,
  writeJsonAtomic,
  writePlot,
  writeSummary,
  isRunFinished,
  type RunSummary,
} from '@pathwise/report/node';
import { setupBackend } from '../context.js';
import { rewardPlotSvg } from './combine.js';

export interface RunOptions {
  algo: AlgorithmName;
  env: string;
  seed: number;
  backend: string;
  out: string;
  /** Config overrides (file keys, reference aliases accepted). */
  overrides?: Record<string, unknown>;
  /** Continue the run in `out` from its checkpoint. */
  resume?: boolean;
  /** Called after every epoch (progress bars, workers). */
  onEpoch?: (epoch: number, total: number, reward: number) => void;
  /** Polled between epochs: true stops the run after checkpointing (SIGINT/SIGTERM). */
  shouldStop?: () => boolean;
}

export interface RunResult {
  summary?: RunSummary;
  /** The run stopped early (signal) with a checkpoint to resume from. */
  interrupted: boolean;
  dir: string;
}

interface ResolvedRunConfig {
  algo: AlgorithmName;
  env: string;
  seed: number;
  backend: string;
  config: TrainerConfig;
}

const TRAINER_FILE = 'trainer.json';
const PROGRESS_FILE = 'progress.json';

/** Reads a JSON or YAML config file into plain overrides. */
export async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  if (!existsSync(path)) throw new ConfigError('--config', path, 'an existing .json, .yaml or .yml file');
  const text = readFileSync(path, 'utf8');
  try {
    const parsed = /\.ya?ml$/i.test(path) ? (await import('yaml')).parse(text) : JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('the top level is not a mapping');
    return parsed as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError('--config', path, `valid JSON or YAML with a mapping at the top (${(error as Error).message})`);
  }
}

/** Trains one seed into `options.out`. */
export async function runTraining(options: RunOptions): Promise<RunResult> {
  const dir = options.out;
  let resolved: ResolvedRunConfig;
  if (options.resume) {
    const configPath = join(dir, CONFIG_JSON);
    if (!existsSync(configPath)) throw new PathwiseError(`Cannot resume: ${configPath} does not exist (is ${dir} a run directory?).`);
    resolved = JSON.parse(readFileSync(configPath, 'utf8')) as ResolvedRunConfig;
    if (isRunFinished(dir)) {
      return { summary: JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as RunSummary, interrupted: false, dir };
    }
  } else {
    if (existsSync(join(dir, CONFIG_JSON))) {
      throw new PathwiseError(`${dir} already holds a run: pass --resume to continue it, or choose another --out.`);
    }
    const config = resolveTrainerConfig(options.env, options.algo, options.overrides ?? {});
    resolved = { algo: options.algo, env: options.env, seed: options.seed, backend: options.backend, config };
  }
  const backend = await setupBackend(resolved.backend);
  if (!options.resume) {
    resolved.backend = backend;
    mkdirSync(dir, { recursive: true });
    writeJsonAtomic(join(dir, CONFIG_JSON), resolved);
  } else if (backend !== resolved.backend) {
    throw new PathwiseError(`This run was made on '${resolved.backend}'; resume it on the same backend (--backend ${resolved.backend}) to continue it exactly.`);
  }

  const { config } = resolved;
  const env = getEnv(resolved.env);
  const trainer = new OnPolicyTrainer({ env, algo: resolved.algo, config, seed: resolved.seed });
  const columns = metricsColumns(metricColumns(resolved.algo));
  let wallBefore = 0;
  let writer: MetricsWriter;
  const checkpoint = options.resume ? readCheckpoint(dir) : undefined;
  if (checkpoint) {
    trainer.load(JSON.parse(checkpoint[TRAINER_FILE] as string) as TrainerState);
    wallBefore = (JSON.parse(checkpoint[PROGRESS_FILE] as string) as { wall_s: number }).wall_s;
    writer = MetricsWriter.resume(dir, columns, trainer.epochCount);
  } else {
    writer = MetricsWriter.create(dir, columns, { overwrite: Boolean(options.resume) });
  }

  const start = performance.now();
  const wall = () => wallBefore + (performance.now() - start) / 1000;
  const save = async () => {
    writeCheckpoint(dir, {
      [TRAINER_FILE]: JSON.stringify(await trainer.state()),
      [PROGRESS_FILE]: JSON.stringify({ epoch: trainer.epochCount, wall_s: wall() }),
    });
  };
  let interrupted = false;
  try {
    while (trainer.epochCount < config.epochs) {
      const metrics = await trainer.epoch();
      writer.append({ ...metrics, wall_s: wall() });
      options.onEpoch?.(metrics.epoch, config.epochs, metrics.reward);
      // Let signal handlers and worker messages run: backends that answer reads at once would
      // otherwise keep this loop in microtasks until the run ends.
      await new Promise((resolve) => setImmediate(resolve));
      if (metrics.epoch % config.checkpointEvery === 0) await save();
      if (options.shouldStop?.() && trainer.epochCount < config.epochs) {
        interrupted = true;
        break;
      }
    }
    await save();
  } finally {
    writer.close();
  }
  if (interrupted) {
    trainer.dispose();
    return { interrupted: true, dir };
  }
  const rows = readMetrics(dir);
  const rewards = rows.map((r) => Number(r.reward));
  writePlot(
    join(dir, 'reward.svg'),
    rewardPlotSvg(`${resolved.algo} on ${resolved.env} (seed ${resolved.seed}, ${backend})`, [
      { name: resolved.algo, x: rows.map((r) => Number(r.steps)), y: rewards },
    ]),
  );
  const summary: RunSummary = {
    algo: resolved.algo,
    env: resolved.env,
    seed: resolved.seed,
    backend,
    epochs: trainer.epochCount,
    final_reward: rewards[rewards.length - 1] ?? Number.NaN,
    best_reward: trainer.bestReward,
    wall_s: wall(),
  };
  writeSummary(dir, summary);
  trainer.dispose();
  return { summary, interrupted: false, dir };
}
