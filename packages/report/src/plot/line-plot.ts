import { axisFor, checkSize, coordinate, svgDocument, xy, type Project } from './frame.js';
import { seriesStyle } from './palette.js';

export interface LineSeries {
  name: string;
  x: readonly number[];
  y: readonly number[];
  /** When given, a translucent band at y ± std. Same length as `y`. */
  std?: readonly number[];
}

export interface LinePlotOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /**
   * Log-scaled y axis with ticks at decades. Points with y ≤ 0 cannot be drawn there: they are
   * dropped (the line breaks), and the plot says so in its `<desc>` and in a visible note.
   */
  logY?: boolean;
  width?: number;
  height?: number;
  series: readonly LineSeries[];
}

interface PlotPoint {
  x: number;
  y: number;
  /** Band edges; absent where no std was given or it is not finite. */
  low?: number;
  high?: number;
}

/** A series split into runs of drawable points; a non-drawable point ends a run. */
interface PreparedSeries {
  name: string;
  runs: PlotPoint[][];
}

/**
 * A dependency-free SVG line plot: nice 1-2-5 ticks (decades on log-y), grid, legend, one
 * `<path class="line">` per series, and a `<path class="band">` for mean ± std where `std` is
 * given (on log-y the lower edge is clamped to the bottom of the axis). Non-finite points are
 * skipped and break the line, so the output never contains NaN. Throws when a series' arrays
 * differ in length.
 */
export function linePlotSvg(options: LinePlotOptions): string {
  const width = options.width ?? 640;
  const height = options.height ?? 400;
  const logY = options.logY ?? false;
  checkSize('linePlotSvg', width, height);
  const notes: string[] = [];
  const prepared = options.series.map((series) => prepareSeries(series, logY, notes));
  const points = prepared.flatMap((series) => series.runs.flat());
  const xAxis = axisFor(
    points.map((point) => point.x),
    false,
  );
  const yValues = points.flatMap((point) => [point.y, point.low, point.high]).filter((value): value is number => value !== undefined && Number.isFinite(value) && (!logY || value > 0));
  const yAxis = axisFor(yValues, logY);

  return svgDocument({
    width,
    height,
    labels: options,
    description: describe(options, prepared, notes),
    axes: { x: xAxis, y: yAxis, logY },
    series: options.series,
    legendSample: 'line',
    draw: (project) => prepared.map((series, index) => seriesMarkup(series, index, project, yAxis.min)),
    empty: points.length === 0,
    notes,
  });
}

function prepareSeries(series: LineSeries, logY: boolean, notes: string[]): PreparedSeries {
  const { name, x, y, std } = series;
  if (x.length !== y.length) throw new Error(`Series '${name}': x has ${x.length} values but y has ${y.length}; they must match.`);
  if (std !== undefined && std.length !== y.length) {
    throw new Error(`Series '${name}': std has ${std.length} values but y has ${y.length}; they must match.`);
  }
  const runs: PlotPoint[][] = [[]];
  let nonFinite = 0;
  let nonPositive = 0;
  x.forEach((xValue, index) => {
    const yValue = y[index] as number;
    const finite = Number.isFinite(xValue) && Number.isFinite(yValue);
    if (!finite) nonFinite += 1;
    else if (logY && yValue <= 0) nonPositive += 1;
    if (!finite || (logY && yValue <= 0)) {
      if ((runs[runs.length - 1] as PlotPoint[]).length > 0) runs.push([]);
      return;
    }
    const spread = std === undefined ? Number.NaN : Math.abs(std[index] as number);
    const point: PlotPoint = { x: xValue, y: yValue };
    if (Number.isFinite(yValue - spread) && Number.isFinite(yValue + spread)) {
      point.low = yValue - spread;
      point.high = yValue + spread;
    }
    (runs[runs.length - 1] as PlotPoint[]).push(point);
  });
  if (nonFinite > 0) notes.push(`'${name}': ${nonFinite} non-finite point(s) skipped`);
  if (nonPositive > 0) notes.push(`'${name}': ${nonPositive} point(s) with y <= 0 dropped (log-y needs positive values)`);
  return { name, runs: runs.filter((run) => run.length > 0) };
}

function seriesMarkup(series: PreparedSeries, index: number, project: Project, yFloor: number): string {
  const { color, dash } = seriesStyle(index);
  const parts = [`<g class="series" data-series="${index}">`];
  const bandRuns = series.runs.flatMap(splitBandRuns);
  if (bandRuns.length > 0) {
    const d = bandRuns.map((run) => bandPathData(run, project, yFloor)).join(' ');
    parts.push(`<path class="band" d="${d}" fill="${color}" fill-opacity="0.18" stroke="none"/>`);
  }
  const lineData = series.runs.map((run) => run.map((point, pointIndex) => `${pointIndex === 0 ? 'M' : 'L'}${xy(project(point.x, point.y))}`).join(' ')).join(' ');
  const dashAttribute = dash === '' ? '' : ` stroke-dasharray="${dash}"`;
  parts.push(`<path class="line" d="${lineData}" fill="none" stroke="${color}" stroke-width="1.75" stroke-linejoin="round"${dashAttribute}/>`);
  // A run of one point has no length to stroke: mark it so a single value is still visible.
  for (const run of series.runs) {
    if (run.length !== 1) continue;
    const [cx, cy] = project((run[0] as PlotPoint).x, (run[0] as PlotPoint).y);
    parts.push(`<circle class="point" cx="${coordinate(cx)}" cy="${coordinate(cy)}" r="2.5" fill="${color}"/>`);
  }
  parts.push('</g>');
  return parts.join('\n');
}

/** Splits a run where the band is undefined (no finite std), so the band breaks but the line does not. */
function splitBandRuns(run: readonly PlotPoint[]): PlotPoint[][] {
  const bandRuns: PlotPoint[][] = [[]];
  for (const point of run) {
    if (point.low === undefined) {
      if ((bandRuns[bandRuns.length - 1] as PlotPoint[]).length > 0) bandRuns.push([]);
    } else {
      (bandRuns[bandRuns.length - 1] as PlotPoint[]).push(point);
    }
  }
  return bandRuns.filter((bandRun) => bandRun.length > 0);
}

/** Upper edge forward, lower edge back, closed. The lower edge never goes below the axis (log-y: ≤ 0). */
function bandPathData(run: readonly PlotPoint[], project: Project, yFloor: number): string {
  const upper = run.map((point) => project(point.x, point.high as number));
  const lower = [...run].reverse().map((point) => project(point.x, Math.max(point.low as number, yFloor)));
  const corners = [...upper, ...lower];
  return `${corners.map((corner, index) => `${index === 0 ? 'M' : 'L'}${xy(corner)}`).join(' ')} Z`;
}

function describe(options: LinePlotOptions, prepared: readonly PreparedSeries[], notes: readonly string[]): string {
  const scale = options.logY ? 'log' : 'linear';
  const summary = `${options.yLabel} (${scale}) against ${options.xLabel}; ${prepared.length} series: ${prepared.map((series) => series.name).join(', ') || 'none'}.`;
  return notes.length > 0 ? `${summary} ${notes.join('; ')}.` : summary;
}
