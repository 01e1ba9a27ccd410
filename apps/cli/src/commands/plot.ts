import type { Command } from 'commander';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PathwiseError } from '@pathwise/core';
import { linePlotSvg, parseCsv, readMetrics, writePlot, type LineSeries, type ParsedRow } from '@pathwise/report/node';
import { rewardPlotSvg } from '@pathwise/runtime';
import { globalOptions, printJson } from '../context.js';

/** The per-epoch curve files a run directory may hold: the whole one, or docs/reproduction's thinned copy. */
const CURVE_FILES = ['metrics.csv', 'metrics.thin.csv'];
const REWARD_COLUMNS = new Set(['reward', 'best_reward']);

interface Curve {
  dir: string;
  file: string;
  label: string;
  rows: ParsedRow[];
}

const hasCurve = (dir: string) => CURVE_FILES.some((name) => existsSync(join(dir, name)));

/**
 * The run directories `dir` stands for: itself when it holds a curve; its seed-<n>/ runs (a `train
 * --seeds` directory); or, for a sweep (grid.json), every run of it that has started.
 */
function runDirs(dir: string): string[] {
  if (hasCurve(dir)) return [dir];
  if (existsSync(dir)) {
    const seeds = readdirSync(dir)
      .filter((name) => /^seed-\d+$/.test(name) && hasCurve(join(dir, name)))
      .sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)));
    if (seeds.length > 0) return seeds.map((name) => join(dir, name));
    if (existsSync(join(dir, 'grid.json'))) {
      let grid: { algos: string[]; envs: string[]; seeds: number[] };
      try {
        grid = JSON.parse(readFileSync(join(dir, 'grid.json'), 'utf8'));
        if (![grid.algos, grid.envs, grid.seeds].every(Array.isArray)) throw new Error('algos, envs or seeds is not a list');
      } catch (error) {
        throw new PathwiseError(`${join(dir, 'grid.json')} is not a sweep grid (${(error as Error).message}).`);
      }
      const runs = grid.envs.flatMap((env) => grid.algos.flatMap((algo) => grid.seeds.map((seed) => join(dir, 'runs', env, algo, `seed-${seed}`))));
      const started = runs.filter(hasCurve);
      if (started.length > 0) return started;
    }
  }
  throw new PathwiseError(`${dir} holds no per-epoch curve (neither ${CURVE_FILES.join(' nor ')}, nor seed-<n>/ runs or a sweep's runs with one): is it a run directory?`);
}

function readCurve(dir: string, label: string | undefined): Curve {
  const file = CURVE_FILES.map((name) => join(dir, name)).find((path) => existsSync(path))!;
  // A live run's metrics.csv may end in a half-written row: readMetrics keeps the complete ones.
  const rows = file.endsWith('metrics.csv') ? readMetrics(dir) : parseCsv(readFileSync(file, 'utf8'));
  return { dir, file, label: label ?? defaultLabel(dir), rows };
}

/** `<algo> (<env>, seed <k>)` from the run's config.json, else the directory. */
function defaultLabel(dir: string): string {
  try {
    const record = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { algo?: unknown; env?: unknown; seed?: unknown };
    if (typeof record.algo === 'string' && typeof record.env === 'string') return `${record.algo} (${record.env}, seed ${String(record.seed)})`;
  } catch {
    // no readable config.json: the directory names the curve
  }
  return dir;
}

function column(curve: Curve, name: string, flag: string): number[] {
  const columns = curve.rows.length > 0 ? Object.keys(curve.rows[0]!) : [];
  if (!columns.includes(name)) throw new PathwiseError(`${curve.file} has no column '${name}' (${flag}); its columns: ${columns.join(', ') || 'none (no rows yet)'}.`);
  return curve.rows.map((row) => Number(row[name]));
}

/** `pathwise plot DIR… --out FILE.svg`: the curves of several runs (any sweeps, finished or not) in one SVG. */
export function registerPlotCommand(program: Command): void {
  program
    .command('plot')
    .description("Overlay the per-epoch curves of run directories (their metrics.csv, or docs' metrics.thin.csv) in one SVG")
    .argument('<dirs...>', 'run directories (a run of `train` or of a sweep), `train --seeds` directories (each seed) or sweep directories (each run started so far)')
    .requiredOption('--out <file>', 'the SVG to write')
    .option('--y <column>', 'the column to plot (reward and best_reward are drawn as −reward on a log axis when every value is negative)', 'reward')
    .option('--x <column>', 'the x column', 'steps')
    .option('--labels <list>', "comma-separated legend labels, one per run (default: '<algo> (<env>, seed <k>)' from config.json)")
    .option('--title <text>', 'the plot title')
    .option('--json', 'print {out, series: [{label, dir, file, points, last: {x, y}, max}]}')
    .action((dirs: string[], flags: { out: string; y: string; x: string; labels?: string; title?: string }, command: Command) => {
      const { json } = globalOptions(command);
      const runs = dirs.flatMap(runDirs);
      const labels = flags.labels?.split(',').map((l) => l.trim());
      if (labels !== undefined && labels.length !== runs.length) {
        throw new PathwiseError(`--labels names ${labels.length} curve${labels.length === 1 ? '' : 's'} for ${runs.length} run${runs.length === 1 ? '' : 's'}; give one label per run.`);
      }
      const curves = runs.map((dir, i) => readCurve(dir, labels?.[i]));
      const series: LineSeries[] = curves.map((curve) => ({ name: curve.label, x: column(curve, flags.x, '--x'), y: column(curve, flags.y, '--y') }));
      const title = flags.title ?? `${flags.y} against ${flags.x}`;
      const xLabel = flags.x === 'steps' ? 'environment steps' : flags.x;
      const svg = REWARD_COLUMNS.has(flags.y) ? rewardPlotSvg(title, series, { xLabel }) : linePlotSvg({ title, xLabel, yLabel: flags.y, series });
      writePlot(flags.out, svg);
      const summary = series.map((s, i) => {
        const finite = s.y.filter((y) => Number.isFinite(y));
        return {
          label: s.name,
          dir: curves[i]!.dir,
          file: curves[i]!.file,
          points: s.y.length,
          last: s.y.length > 0 ? { x: s.x[s.x.length - 1]!, y: s.y[s.y.length - 1]! } : null,
          max: finite.length > 0 ? Math.max(...finite) : null,
        };
      });
      if (json) return printJson({ out: flags.out, series: summary });
      for (const s of summary) process.stdout.write(`${s.label}: ${s.points} points, last ${s.last ? `${s.last.y} at ${flags.x} ${s.last.x}` : '—'}, max ${s.max ?? '—'}\n`);
      process.stdout.write(`plot: ${flags.out}\n`);
    });
}
