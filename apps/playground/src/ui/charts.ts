// SVG charts. Line plots come from @pathwise/report (the same renderer as the CLI's reward.svg);
// bars, histograms and the landscape are small enough to draw here.
import { escapeXml, linePlotSvg, SERIES_PALETTE, type LineSeries } from '@pathwise/report';

export const palette = SERIES_PALETTE as readonly string[];
const colour = (i: number) => palette[i % palette.length]!;

export function lineChart(title: string, xLabel: string, yLabel: string, series: LineSeries[], logY = false): string {
  const drawable = series.filter((s) => s.x.length > 0);
  if (drawable.length === 0) return emptyChart(title);
  return linePlotSvg({ title, xLabel, yLabel, series: drawable, logY, width: 520, height: 300 });
}

export function emptyChart(title: string, width = 520, height = 300): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}"><text x="${width / 2}" y="${height / 2}" text-anchor="middle" class="muted">${escapeXml(title)}: no data yet</text></svg>`;
}

interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

const frame = (width = 520, height = 300): Frame => ({ width, height, left: 64, right: width - 16, top: 34, bottom: height - 48 });

function scale(domain: [number, number], range: [number, number], log = false): (v: number) => number {
  const f = log ? Math.log10 : (v: number) => v;
  const [d0, d1] = [f(domain[0]), f(domain[1])];
  const span = d1 - d0 || 1;
  return (v) => range[0] + ((f(v) - d0) / span) * (range[1] - range[0]);
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e4) ? v.toExponential(1) : Number(v.toPrecision(3)).toString();
}

function axes(f: Frame, title: string, y: (v: number) => number, yTicks: number[], xLabel = ''): string {
  const ticks = yTicks
    .map((t) => `<line x1="${f.left}" x2="${f.right}" y1="${y(t)}" y2="${y(t)}" class="grid"/><text x="${f.left - 6}" y="${y(t) + 4}" text-anchor="end" class="tick">${fmt(t)}</text>`)
    .join('');
  return `<text x="${f.width / 2}" y="20" text-anchor="middle" class="title">${escapeXml(title)}</text>${ticks}<line x1="${f.left}" x2="${f.left}" y1="${f.top}" y2="${f.bottom}" class="axis"/><line x1="${f.left}" x2="${f.right}" y1="${f.bottom}" y2="${f.bottom}" class="axis"/><text x="${(f.left + f.right) / 2}" y="${f.height - 6}" text-anchor="middle" class="label">${escapeXml(xLabel)}</text>`;
}

function niceTicks(lo: number, hi: number, log: boolean): number[] {
  if (log) {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) out.push(10 ** e);
    return out;
  }
  const step = 10 ** Math.floor(Math.log10((hi - lo) / 4 || 1));
  const mult = [1, 2, 5, 10].find((m) => (hi - lo) / (m * step) <= 6) ?? 10;
  const s = mult * step;
  const out: number[] = [];
  for (let t = Math.ceil(lo / s) * s; t <= hi + 1e-12; t += s) out.push(Number(t.toPrecision(12)));
  return out;
}

/** Grouped bars: one group per label, one bar per series. Log scale drops non-positive values. */
export function barChart(title: string, labels: string[], series: Array<{ name: string; values: number[] }>, log = false): string {
  const f = frame(560, 300);
  const all = series.flatMap((s) => s.values).filter((v) => Number.isFinite(v) && (!log || v > 0));
  if (all.length === 0) return emptyChart(title, f.width, f.height);
  let lo = log ? Math.min(...all) / 2 : Math.min(0, ...all);
  let hi = log ? Math.max(...all) * 2 : Math.max(0, ...all) * 1.1 || 1;
  if (log) [lo, hi] = [10 ** Math.floor(Math.log10(lo)), 10 ** Math.ceil(Math.log10(hi))];
  const y = scale([lo, hi], [f.bottom, f.top], log);
  const groupWidth = (f.right - f.left) / labels.length;
  const barWidth = (groupWidth * 0.8) / series.length;
  let bars = '';
  labels.forEach((label, g) => {
    series.forEach((s, k) => {
      const v = s.values[g]!;
      if (!Number.isFinite(v) || (log && v <= 0)) return;
      const x = f.left + g * groupWidth + groupWidth * 0.1 + k * barWidth;
      const base = log ? f.bottom : y(0);
      const top = y(v);
      bars += `<rect x="${x}" y="${Math.min(top, base)}" width="${Math.max(barWidth - 1, 1)}" height="${Math.abs(base - top)}" fill="${colour(k)}"><title>${escapeXml(`${s.name} · ${label}: ${fmt(v)}`)}</title></rect>`;
    });
    bars += `<text x="${f.left + (g + 0.5) * groupWidth}" y="${f.bottom + 14}" text-anchor="middle" class="tick">${escapeXml(label)}</text>`;
  });
  const legend = series
    .map(
      (s, k) =>
        `<rect x="${f.left + 8 + k * 120}" y="${f.bottom + 24}" width="10" height="10" fill="${colour(k)}"/><text x="${f.left + 22 + k * 120}" y="${f.bottom + 33}" class="tick">${escapeXml(s.name)}</text>`,
    )
    .join('');
  return svg(f, axes(f, title, y, niceTicks(lo, hi, log)) + bars + (series.length > 1 ? legend : ''));
}

/** One estimator's bias per coordinate: mean − exact and the standard error of the mean. */
export interface BiasSeries {
  name: string;
  coordinates: string[];
  bias: number[];
  se: number[];
}

/** z = bias/SE; 0 when both are 0 (an exact, deterministic estimate), ±∞ when only the SE is 0. */
export function biasZ(bias: number, se: number): number {
  if (se > 0) return bias / se;
  return bias === 0 ? 0 : Math.sign(bias) * Infinity;
}

/**
 * Bias as z-scores (mean − exact)/SE, one dot per coordinate, one column per estimator, with the
 * band |z| < `band` shaded. An unbiased estimator's dots fall inside it (|z| ≥ 5 has probability
 * ~6e-7 per coordinate under Monte Carlo noise alone), so a dot outside is bias, not noise. Dots past
 * the axis (e.g. z = ±∞ when the SE is 0) are drawn at its edge as open circles.
 */
export function biasZChart(title: string, series: BiasSeries[], band = 5): string {
  const f = frame(560, 300);
  if (series.length === 0) return emptyChart(title, f.width, f.height);
  const zs = series.map((s) => s.bias.map((b, j) => biasZ(b, s.se[j]!)));
  const finite = zs.flat().filter(Number.isFinite);
  const wanted = Math.max(band + 1, ...finite.map((z) => Math.abs(z) * 1.1));
  const magnitude = 10 ** Math.floor(Math.log10(wanted));
  const limit = [1, 2, 5, 10].map((m) => m * magnitude).find((v) => v >= wanted)!;
  const y = scale([-limit, limit], [f.bottom, f.top]);
  const shade = `<rect x="${f.left}" y="${y(band)}" width="${f.right - f.left}" height="${y(-band) - y(band)}" class="z-band"><title>|z| &lt; ${band}: consistent with Monte Carlo noise</title></rect>`;
  const zero = `<line x1="${f.left}" x2="${f.right}" y1="${y(0)}" y2="${y(0)}" class="reference"/>`;
  const groupWidth = (f.right - f.left) / series.length;
  let dots = '';
  series.forEach((s, g) => {
    const count = zs[g]!.length;
    zs[g]!.forEach((z, j) => {
      const x = f.left + (g + 0.5) * groupWidth + (count > 1 ? (j / (count - 1) - 0.5) * groupWidth * 0.5 : 0);
      const clipped = !(Math.abs(z) <= limit);
      const cy = clipped ? (z > 0 ? f.top : f.bottom) : y(z);
      const outside = !(Math.abs(z) < band);
      const text = `${s.name} · ${s.coordinates[j]}: bias ${fmt(s.bias[j]!)} ± ${fmt(s.se[j]!)} (z = ${Number.isFinite(z) ? z.toFixed(1) : String(z)})`;
      dots += `<circle cx="${x}" cy="${cy}" r="3.5" class="z-dot${outside ? ' outside' : ''}${clipped ? ' clipped' : ''}" ${clipped ? `fill="none" stroke="${colour(g)}"` : `fill="${colour(g)}"`}><title>${escapeXml(text)}</title></circle>`;
    });
    dots += `<text x="${f.left + (g + 0.5) * groupWidth}" y="${f.bottom + 14}" text-anchor="middle" class="tick">${escapeXml(s.name)}</text>`;
  });
  const note = `<text x="${f.right}" y="${f.bottom + 30}" text-anchor="end" class="tick">shaded: |z| &lt; ${band}, Monte Carlo noise; dots: coordinates</text>`;
  return svg(f, shade + axes(f, title, y, niceTicks(-limit, limit, false)) + zero + dots + note);
}

/** A histogram of `values` with a marker at `reference` (the exact gradient). */
export function histogram(title: string, values: number[], reference: number, colourIndex = 0, bins = 30): string {
  const f = frame(260, 180);
  f.left = 36;
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return emptyChart(title, f.width, f.height);
  let lo = Math.min(...finite, reference);
  let hi = Math.max(...finite, reference);
  if (hi === lo) [lo, hi] = [lo - 1, hi + 1];
  const counts = new Array<number>(bins).fill(0);
  for (const v of finite) counts[Math.min(bins - 1, Math.floor(((v - lo) / (hi - lo)) * bins))]!++;
  const x = scale([lo, hi], [f.left, f.right]);
  const y = scale([0, Math.max(...counts)], [f.bottom, f.top]);
  const w = (f.right - f.left) / bins;
  const rects = counts.map((c, i) => `<rect x="${f.left + i * w}" y="${y(c)}" width="${Math.max(w - 1, 1)}" height="${f.bottom - y(c)}" fill="${colour(colourIndex)}"/>`).join('');
  const marker = `<line x1="${x(reference)}" x2="${x(reference)}" y1="${f.top}" y2="${f.bottom}" class="reference"/>`;
  const ticks = `<text x="${f.left}" y="${f.bottom + 14}" class="tick">${fmt(lo)}</text><text x="${f.right}" y="${f.bottom + 14}" text-anchor="end" class="tick">${fmt(hi)}</text>`;
  return svg(
    f,
    `<text x="${f.width / 2}" y="18" text-anchor="middle" class="title">${escapeXml(title)}</text>` +
      rects +
      marker +
      ticks +
      `<line x1="${f.left}" x2="${f.right}" y1="${f.bottom}" y2="${f.bottom}" class="axis"/>`,
  );
}

/** GI-PPO paper Fig. 1: f(x), the sampled actions on it, and arrows to their α-policy targets. */
export function landscapeChart(title: string, xs: number[], values: number[], actions: number[], targets: number[]): string {
  const f = frame(560, 320);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const x = scale([xs[0]!, xs[xs.length - 1]!], [f.left, f.right]);
  const y = scale([lo, hi + (hi - lo) * 0.05], [f.bottom, f.top]);
  const at = (v: number) => {
    // Linear interpolation on the landscape grid.
    const t = ((v - xs[0]!) / (xs[xs.length - 1]! - xs[0]!)) * (xs.length - 1);
    const i = Math.max(0, Math.min(xs.length - 2, Math.floor(t)));
    return values[i]! + (values[i + 1]! - values[i]!) * (t - i);
  };
  const curve = `<path d="${xs.map((v, i) => `${i ? 'L' : 'M'}${x(v).toFixed(1)},${y(values[i]!).toFixed(1)}`).join('')}" class="landscape"/>`;
  const arrows = actions
    .map((a, i) => {
      const t = targets[i]!;
      return `<line x1="${x(a)}" y1="${y(at(a))}" x2="${x(t)}" y2="${y(at(t))}" class="arrow"/><circle cx="${x(t)}" cy="${y(at(t))}" r="2.5" class="target"/>`;
    })
    .join('');
  const dots = actions.map((a) => `<circle cx="${x(a)}" cy="${y(at(a))}" r="3" class="action"/>`).join('');
  const xTicks = niceTicks(xs[0]!, xs[xs.length - 1]!, false)
    .map((t) => `<text x="${x(t)}" y="${f.bottom + 14}" text-anchor="middle" class="tick">${fmt(t)}</text>`)
    .join('');
  const legend = `<circle cx="${f.right - 150}" cy="${f.top + 6}" r="3" class="action key"/><text x="${f.right - 142}" y="${f.top + 10}" class="tick">sampled action</text><circle cx="${f.right - 150}" cy="${f.top + 22}" r="2.5" class="target key"/><text x="${f.right - 142}" y="${f.top + 26}" class="tick">α-policy target</text>`;
  return svg(f, axes(f, title, y, niceTicks(lo, hi, false), 'x') + xTicks + curve + arrows + dots + legend);
}

/** Log-log scatter of (predicted, empirical) pairs with the y = x line. */
export function scatterLogLog(title: string, series: Array<{ name: string; points: Array<[number, number]> }>): string {
  const f = frame(420, 320);
  const all = series.flatMap((s) => s.points.flat()).filter((v) => v > 0 && Number.isFinite(v));
  if (all.length === 0) return emptyChart(title, f.width, f.height);
  const lo = 10 ** Math.floor(Math.log10(Math.min(...all)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...all)));
  const x = scale([lo, hi], [f.left, f.right], true);
  const y = scale([lo, hi], [f.bottom, f.top], true);
  const diagonal = `<line x1="${x(lo)}" y1="${y(lo)}" x2="${x(hi)}" y2="${y(hi)}" class="reference"/>`;
  const dots = series
    .map((s, k) =>
      s.points
        .filter(([p, e]) => p > 0 && e > 0)
        .map(([p, e]) => `<circle cx="${x(p)}" cy="${y(e)}" r="2.5" fill="${colour(k)}"/>`)
        .join(''),
    )
    .join('');
  const legend = series
    .map((s, k) => `<circle cx="${f.left + 14}" cy="${f.top + 8 + k * 14}" r="4" fill="${colour(k)}"/><text x="${f.left + 22}" y="${f.top + 12 + k * 14}" class="tick">${escapeXml(s.name)}</text>`)
    .join('');
  return svg(f, axes(f, title, y, niceTicks(lo, hi, true), 'predicted variance (quadratic approximation)') + diagonal + dots + legend);
}

function svg(f: Frame, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${f.width} ${f.height}" width="${f.width}" height="${f.height}" class="chart">${body}</svg>`;
}
