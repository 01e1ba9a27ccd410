import '@pathwise/backend-cpu';
import { ConfigError, tf, useBackend } from '@pathwise/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { PIPPS_METRICS_COLUMNS, resolvePippsConfig, trainPipps, type PippsCheckpoint, type PippsMetricsRow, type TrainPippsOptions } from './train.js';

tf.env().set('PROD', true);

const tiny = { trials: 2, particles: 10, horizon: 5, policySteps: 3, evalEpisodes: 3, seed: 4, gp: { steps: 10 } } as const;
const withoutWall = (rows: PippsMetricsRow[]) => rows.map(({ wall_s: _wall, ...rest }) => rest);

describe('trainPipps (model-based policy search, spec §4.2)', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('runs 2 tiny trials with the GP and TP: metrics rows, growing data, no tensor leaks across policy steps and trials', async () => {
    const counts: Array<[number, number, number]> = [];
    const checkpoints: PippsCheckpoint[] = [];
    const before = tf.memory().numTensors;
    const result = await trainPipps(
      { ...tiny, method: 'tp', model: 'gp' },
      {
        onPolicyStep: (trial, step) => counts.push([trial, step, tf.memory().numTensors]),
        onTrial: (_row, checkpoint) => void checkpoints.push(checkpoint),
      },
    );
    expect(tf.memory().numTensors).toBe(before);
    expect(result.finished).toBe(true);
    expect(result.rows.map((r) => r.trial)).toEqual([1, 2]);
    for (const row of result.rows) {
      expect(Object.keys(row)).toEqual([...PIPPS_METRICS_COLUMNS]);
      expect(row.policy_steps).toBe(3);
      expect(row.eval_cost_mean).toBeGreaterThan(0);
      expect(row.eval_cost_mean).toBeLessThanOrEqual(30);
      expect(row.eval_cost_std).toBeGreaterThan(0);
      expect(Number.isFinite(row.model_nll)).toBe(true);
    }
    // One random episode, then one more per learned trial after the first (30 transitions each).
    expect(checkpoints.map((c) => c.data.count)).toEqual([30, 60]);
    expect(result.details.map((d) => d.nonfinite_steps)).toEqual([0, 0]);
    expect(result.details[0]!.mean_k_lr).toBeGreaterThanOrEqual(0);
    // The live-tensor count is the same at every policy step of every trial.
    expect(new Set(counts.map(([, , n]) => n)).size, JSON.stringify(counts)).toBe(1);
    expect(result.checkpoint.trajectory!.predictedMean).toHaveLength(tiny.horizon + 1);
    expect(result.checkpoint.trajectory!.real).toHaveLength(31);
  });

  it('an interrupted run resumed from its (JSON round-tripped) checkpoint gives the same metrics as the uninterrupted run', async () => {
    const runs: TrainPippsOptions[] = [
      { ...tiny, method: 'rp', model: 'gp' },
      { ...tiny, method: 'lr', model: 'ensemble', particles: 10, ensemble: { members: 5, hidden: [16], steps: 20 } },
    ];
    for (const options of runs) {
      const full = await trainPipps(options);
      let saved: string | undefined;
      const first = await trainPipps(options, { onTrial: (_row, checkpoint) => void (saved = JSON.stringify(checkpoint)), shouldStop: () => true });
      expect(first.finished).toBe(false);
      expect(first.rows).toHaveLength(1);
      const resumed = await trainPipps(options, { resume: JSON.parse(saved!) as PippsCheckpoint });
      expect(resumed.finished).toBe(true);
      expect(withoutWall(resumed.rows)).toEqual(withoutWall(full.rows));
      expect(resumed.checkpoint.policy).toEqual(full.checkpoint.policy);
      expect(resumed.rows[1]!.wall_s).toBeGreaterThan(resumed.rows[0]!.wall_s);
      // A different seed gives different numbers, so the equality above is not vacuous.
      const other = await trainPipps({ ...options, trials: 1, seed: 5 });
      expect(other.rows[0]!.eval_cost_mean).not.toBe(full.rows[0]!.eval_cost_mean);
      // Resuming with a different configuration is refused.
      await expect(trainPipps({ ...options, horizon: 6 }, { resume: JSON.parse(saved!) as PippsCheckpoint })).rejects.toThrow(/horizon/);
    }
  });

  it('rejects unknown methods and models, listing the known ones', () => {
    expect(() => resolvePippsConfig({ method: 'xx' as never })).toThrow(/tp|rp/);
    expect(() => resolvePippsConfig({ model: 'nn' as never })).toThrow(/gp, ensemble, true/);
    expect(() => resolvePippsConfig({ model: 'ensemble', particles: 12 })).toThrow(ConfigError);
  });
});
