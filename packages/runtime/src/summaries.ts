// Summaries and reward plots of finished runs: one seed, several seeds, sweep cells.
import { join } from 'node:path';
import { linePlotSvg, readMetrics, seedDirName, seedStats, type LineSeries, type MultiSeedSummary, type RunSummary } from '@pathwise/report/node';

/** Mean ± std (over seeds, N−1) of the reward curves of several run directories, aligned by epoch. */
export function meanCurve(name: string, dirs: string[]): LineSeries {
  const runs = dirs.map((dir) => readMetrics(dir));
  const length = Math.min(...runs.map((rows) => rows.length));
  const x: number[] = [];
  const y: number[] = [];
  const std: number[] = [];
  for (let i = 0; i < length; i++) {
    const stats = seedStats(runs.map((rows) => Number(rows[i]!.reward)));
    x.push(Number(runs[0]![i]!.steps));
    y.push(stats.mean);
    std.push(stats.std);
  }
  return { name, x, y, ...(dirs.length > 1 ? { std } : {}) };
}

/** The several-seed summary.json (docs/architecture.md §6). */
export function combineSummaries(summaries: RunSummary[], wallS: number): MultiSeedSummary {
  const first = summaries[0]!;
  return {
    algo: first.algo,
    env: first.env,
    backend: first.backend,
    epochs: first.epochs,
    seeds: summaries.map((s) => s.seed),
    best_reward: seedStats(summaries.map((s) => s.best_reward)),
    final_reward: seedStats(summaries.map((s) => s.final_reward)),
    wall_s: wallS,
  };
}

/** The run directory of one seed of a several-seed run. */
export function seedDir(root: string, seed: number): string {
  return join(root, seedDirName(seed));
}

/**
 * A reward-curve plot. When every reward is negative (function optimisation: the optimum is 0), the
 * curves are shown as −reward on a log axis, where 1e-3 and 1e-9 are told apart.
 */
export function rewardPlotSvg(title: string, series: LineSeries[], { xLabel = 'environment steps' }: { xLabel?: string } = {}): string {
  const allNegative = series.every((s) => s.y.every((y) => !Number.isFinite(y) || y < 0));
  if (!allNegative) return linePlotSvg({ title, xLabel, yLabel: 'smoothed episode reward', series });
  return linePlotSvg({
    title,
    xLabel,
    yLabel: '−(smoothed episode reward), log scale',
    logY: true,
    series: series.map((s) => ({ ...s, y: s.y.map((y) => -y) })),
  });
}
