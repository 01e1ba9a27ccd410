// The parts every plot shares: layout, projection (linear or log per axis), grid and tick labels,
// axis titles, legend. Line and scatter plots differ only in what they draw inside the frame.
import { escapeXml } from './escape.js';
import { seriesStyle } from './palette.js';
import { linearTicks, logDecadeTicks, type AxisTicks } from './ticks.js';

export interface Frame {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export const CHAR_WIDTH = 7; // rough width of a 12px sans-serif character, for layout only

/** Throws unless the image leaves room for axes and legend. */
export function checkSize(plot: string, width: number, height: number): void {
  if (!(Number.isFinite(width) && width >= 240 && Number.isFinite(height) && height >= 160)) {
    throw new Error(`${plot} needs width >= 240 and height >= 160 (room for axes and legend); got ${width} x ${height}.`);
  }
}

/**
 * The whole SVG: header, title and description, white background, the frame laid out for the
 * legend, grid and tick labels, axis titles, what `draw` returns (given the projection), the legend,
 * then "no data" when `empty` and the notes (points that could not be drawn).
 */
export function svgDocument(parts: {
  width: number;
  height: number;
  labels: { title: string; xLabel: string; yLabel: string };
  description: string;
  axes: { x: AxisTicks; y: AxisTicks; logX?: boolean; logY?: boolean };
  series: readonly { name: string }[];
  legendSample: 'line' | 'marker';
  draw: (project: Project) => string[];
  empty: boolean;
  notes: readonly string[];
}): string {
  const { width, height, axes, notes } = parts;
  const { frame, legendWidth } = layout(
    width,
    height,
    parts.series.map((s) => s.name),
  );
  const project = projector(frame, axes.x, axes.y, axes);
  const lines = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12" role="img">`,
    `<title>${escapeXml(parts.labels.title)}</title>`,
    `<desc>${escapeXml(parts.description)}</desc>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    gridAndTicks(frame, axes.x, axes.y, project),
    axisTitles(parts.labels, frame, width),
    ...parts.draw(project),
    legend(parts.series, frame, legendWidth, parts.legendSample),
  ];
  if (parts.empty) lines.push(centredText('no data', frame));
  if (notes.length > 0) lines.push(`<text class="note" x="${frame.left}" y="${height - 6}" font-size="10" fill="#666666">${escapeXml(notes.join('; '))}</text>`);
  lines.push('</svg>');
  return `${lines.join('\n')}\n`;
}

/** The plot area for a width × height image with a legend of these names on the right. */
export function layout(width: number, height: number, names: readonly string[]): { frame: Frame; legendWidth: number } {
  const legendWidth = names.length === 0 ? 0 : Math.min(width * 0.35, 36 + CHAR_WIDTH * Math.max(...names.map((name) => name.length)));
  return { frame: { left: 72, right: width - 16 - legendWidth, top: 36, bottom: height - 52 }, legendWidth };
}

/** Ticks covering `values` (decades when `log`); a default unit axis when there are none. */
export function axisFor(values: readonly number[], log: boolean): AxisTicks {
  if (values.length === 0) return log ? logDecadeTicks(1, 10) : linearTicks(0, 1);
  const [low, high] = extent(values);
  return log ? logDecadeTicks(low, high) : linearTicks(low, high);
}

export function extent(values: readonly number[]): [number, number] {
  let low = Number.POSITIVE_INFINITY;
  let high = Number.NEGATIVE_INFINITY;
  for (const value of values) {
    if (value < low) low = value;
    if (value > high) high = value;
  }
  return [low, high];
}

export type Project = (x: number, y: number) => [number, number];

export function projector(frame: Frame, xAxis: AxisTicks, yAxis: AxisTicks, scales: { logX?: boolean; logY?: boolean }): Project {
  const identity = (value: number): number => value;
  const xScale = scales.logX ? Math.log10 : identity;
  const yScale = scales.logY ? Math.log10 : identity;
  const xLow = xScale(xAxis.min);
  const xSpan = xScale(xAxis.max) - xLow;
  const yLow = yScale(yAxis.min);
  const ySpan = yScale(yAxis.max) - yLow;
  return (x, y) => [frame.left + ((xScale(x) - xLow) / xSpan) * (frame.right - frame.left), frame.bottom - ((yScale(y) - yLow) / ySpan) * (frame.bottom - frame.top)];
}

/** A coordinate as short SVG text; refuses non-finite values so NaN can never reach the markup. */
export function coordinate(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`Internal error: non-finite plot coordinate ${value}.`);
  return String(Math.round(value * 100) / 100);
}

export function xy([x, y]: [number, number]): string {
  return `${coordinate(x)} ${coordinate(y)}`;
}

export function gridAndTicks(frame: Frame, xAxis: AxisTicks, yAxis: AxisTicks, project: Project): string {
  const lines: string[] = ['<g class="grid" stroke="#e6e6e6" stroke-width="1">'];
  const labels: string[] = [];
  xAxis.ticks.forEach((tick, index) => {
    const [x] = project(tick, yAxis.min);
    lines.push(`<line x1="${coordinate(x)}" y1="${frame.top}" x2="${coordinate(x)}" y2="${frame.bottom}"/>`);
    labels.push(`<text class="x-tick" x="${coordinate(x)}" y="${frame.bottom + 16}" text-anchor="middle">${escapeXml(xAxis.labels[index] as string)}</text>`);
  });
  yAxis.ticks.forEach((tick, index) => {
    const [, y] = project(xAxis.min, tick);
    lines.push(`<line x1="${frame.left}" y1="${coordinate(y)}" x2="${frame.right}" y2="${coordinate(y)}"/>`);
    labels.push(`<text class="y-tick" x="${frame.left - 6}" y="${coordinate(y + 4)}" text-anchor="end">${escapeXml(yAxis.labels[index] as string)}</text>`);
  });
  lines.push('</g>');
  const box = `<rect class="axes" x="${frame.left}" y="${frame.top}" width="${coordinate(frame.right - frame.left)}" height="${frame.bottom - frame.top}" fill="none" stroke="#333333"/>`;
  return [...lines, box, `<g class="tick-labels" fill="#333333">`, ...labels, '</g>'].join('\n');
}

export function axisTitles(options: { title: string; xLabel: string; yLabel: string }, frame: Frame, width: number): string {
  const middleY = (frame.top + frame.bottom) / 2;
  return [
    `<text class="title" x="${coordinate(width / 2)}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(options.title)}</text>`,
    `<text class="x-label" x="${coordinate((frame.left + frame.right) / 2)}" y="${frame.bottom + 36}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`,
    `<text class="y-label" transform="translate(16 ${coordinate(middleY)}) rotate(-90)" text-anchor="middle">${escapeXml(options.yLabel)}</text>`,
  ].join('\n');
}

/** One legend row per series: a line sample (line plots) or a marker (scatter plots). */
export function legend(series: readonly { name: string }[], frame: Frame, legendWidth: number, sample: 'line' | 'marker'): string {
  if (series.length === 0) return '<g class="legend"/>';
  const left = frame.right + 12;
  const maxChars = Math.max(4, Math.floor((legendWidth - 36) / CHAR_WIDTH));
  const rows = series.map((entry, index) => {
    const { color, dash } = seriesStyle(index);
    const y = frame.top + 10 + index * 18;
    const name = entry.name.length > maxChars ? `${entry.name.slice(0, maxChars - 1)}…` : entry.name;
    const dashAttribute = dash === '' ? '' : ` stroke-dasharray="${dash}"`;
    const mark =
      sample === 'line'
        ? `<line x1="${coordinate(left)}" y1="${y}" x2="${coordinate(left + 22)}" y2="${y}" stroke="${color}" stroke-width="2"${dashAttribute}/>`
        : markerMarkup(index, left + 11, y, color);
    return [mark, `<text x="${coordinate(left + 28)}" y="${y + 4}">${escapeXml(name)}</text>`].join('\n');
  });
  return ['<g class="legend">', ...rows, '</g>'].join('\n');
}

/** Series past the palette's colours get another marker shape, as line series get a dash pattern. */
export function markerMarkup(index: number, cx: number, cy: number, color: string): string {
  const shape = Math.floor(index / 8) % 2;
  if (shape === 0) return `<circle class="marker" cx="${coordinate(cx)}" cy="${coordinate(cy)}" r="3" fill="${color}"/>`;
  return `<rect class="marker" x="${coordinate(cx - 3)}" y="${coordinate(cy - 3)}" width="6" height="6" fill="${color}"/>`;
}

export function centredText(text: string, frame: Frame): string {
  return `<text class="empty" x="${coordinate((frame.left + frame.right) / 2)}" y="${coordinate((frame.top + frame.bottom) / 2)}" text-anchor="middle" fill="#999999">${escapeXml(text)}</text>`;
}
