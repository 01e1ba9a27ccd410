import { axisFor, checkSize, coordinate, markerMarkup, svgDocument, xy, type Project } from './frame.js';
import { seriesStyle } from './palette.js';
import type { AxisTicks } from './ticks.js';

export interface ScatterSeries {
  name: string;
  x: readonly number[];
  y: readonly number[];
  /** When given, a vertical error bar at y ± yError (e.g. a standard error). Same length as `y`. */
  yError?: readonly number[];
}

export interface ScatterPlotOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Log-scaled axes (ticks at decades); points with a value ≤ 0 on a log axis are dropped, and the plot says so. */
  logX?: boolean;
  logY?: boolean;
  /** Draw the line y = x (e.g. predicted against measured), over the range both axes share. */
  identityLine?: boolean;
  width?: number;
  height?: number;
  series: readonly ScatterSeries[];
}

interface ScatterPoint {
  x: number;
  y: number;
  low?: number;
  high?: number;
}

/**
 * A dependency-free SVG scatter plot with the line plot's axes, ticks, grid and legend: one marker
 * per finite point, optional vertical error bars (the lower end clamped to the axis on log-y), an
 * optional y = x line. Never emits NaN; throws when a series' arrays differ in length.
 */
export function scatterPlotSvg(options: ScatterPlotOptions): string {
  const width = options.width ?? 640;
  const height = options.height ?? 400;
  const logX = options.logX ?? false;
  const logY = options.logY ?? false;
  checkSize('scatterPlotSvg', width, height);
  const notes: string[] = [];
  const prepared = options.series.map((series) => preparePoints(series, logX, logY, notes));
  const points = prepared.flat();
  const xValues = points.map((point) => point.x);
  const yValues = points.flatMap((point) => [point.y, point.low, point.high]).filter((value): value is number => value !== undefined && Number.isFinite(value) && (!logY || value > 0));
  let xAxis = axisFor(xValues, logX);
  let yAxis = axisFor(yValues, logY);
  // With a y = x line on like axes, one range for both, so the diagonal runs corner to corner.
  if (options.identityLine && logX === logY && points.length > 0) {
    const shared = axisFor([...xValues, ...yValues], logX);
    xAxis = shared;
    yAxis = shared;
  }
  return svgDocument({
    width,
    height,
    labels: options,
    description: describe(options, prepared, notes),
    axes: { x: xAxis, y: yAxis, logX, logY },
    series: options.series,
    legendSample: 'marker',
    draw: (project) => [
      ...(options.identityLine && points.length > 0 ? [identityMarkup(xAxis, yAxis, project)] : []),
      ...prepared.map((series, index) => seriesMarkup(series, index, project, yAxis.min)),
    ],
    empty: points.length === 0,
    notes,
  });
}

function preparePoints(series: ScatterSeries, logX: boolean, logY: boolean, notes: string[]): ScatterPoint[] {
  const { name, x, y, yError } = series;
  if (x.length !== y.length) throw new Error(`Series '${name}': x has ${x.length} values but y has ${y.length}; they must match.`);
  if (yError !== undefined && yError.length !== y.length) throw new Error(`Series '${name}': yError has ${yError.length} values but y has ${y.length}; they must match.`);
  const out: ScatterPoint[] = [];
  let nonFinite = 0;
  let nonPositive = 0;
  x.forEach((xValue, index) => {
    const yValue = y[index] as number;
    if (!(Number.isFinite(xValue) && Number.isFinite(yValue))) {
      nonFinite += 1;
      return;
    }
    if ((logX && xValue <= 0) || (logY && yValue <= 0)) {
      nonPositive += 1;
      return;
    }
    const point: ScatterPoint = { x: xValue, y: yValue };
    const error = yError === undefined ? Number.NaN : Math.abs(yError[index] as number);
    if (Number.isFinite(yValue - error) && Number.isFinite(yValue + error)) {
      point.low = yValue - error;
      point.high = yValue + error;
    }
    out.push(point);
  });
  if (nonFinite > 0) notes.push(`'${name}': ${nonFinite} non-finite point(s) skipped`);
  if (nonPositive > 0) notes.push(`'${name}': ${nonPositive} point(s) <= 0 on a log axis dropped`);
  return out;
}

function identityMarkup(xAxis: AxisTicks, yAxis: AxisTicks, project: Project): string {
  const low = Math.max(xAxis.min, yAxis.min);
  const high = Math.min(xAxis.max, yAxis.max);
  if (!(high > low)) return '';
  return `<path class="identity" d="M${xy(project(low, low))} L${xy(project(high, high))}" fill="none" stroke="#888888" stroke-width="1" stroke-dasharray="4 3"/>`;
}

function seriesMarkup(points: readonly ScatterPoint[], index: number, project: Project, yFloor: number): string {
  const { color } = seriesStyle(index);
  const parts = [`<g class="series" data-series="${index}">`];
  for (const point of points) {
    const [cx, cy] = project(point.x, point.y);
    if (point.low !== undefined && point.high !== undefined) {
      const [, top] = project(point.x, point.high);
      const [, bottom] = project(point.x, Math.max(point.low, yFloor));
      parts.push(`<line class="error-bar" x1="${coordinate(cx)}" y1="${coordinate(top)}" x2="${coordinate(cx)}" y2="${coordinate(bottom)}" stroke="${color}" stroke-width="1"/>`);
    }
    parts.push(markerMarkup(index, cx, cy, color));
  }
  parts.push('</g>');
  return parts.join('\n');
}

function describe(options: ScatterPlotOptions, prepared: readonly ScatterPoint[][], notes: readonly string[]): string {
  const scale = (log: boolean | undefined) => (log ? 'log' : 'linear');
  const counts = options.series.map((series, index) => `${series.name} (${prepared[index]!.length})`).join(', ') || 'none';
  const summary = `${options.yLabel} (${scale(options.logY)}) against ${options.xLabel} (${scale(options.logX)}); points per series: ${counts}.`;
  return notes.length > 0 ? `${summary} ${notes.join('; ')}.` : summary;
}
