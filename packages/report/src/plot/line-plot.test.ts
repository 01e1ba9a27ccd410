import { describe, expect, it } from 'vitest';
import { seededRandom } from '../test-support/prng.js';
import { elementsOf, parseXml, type XmlElement } from '../test-support/xml.js';
import { linePlotSvg, type LinePlotOptions, type LineSeries } from './line-plot.js';

const base = { title: 'Reward', xLabel: 'epoch', yLabel: 'reward' };

function plot(series: LineSeries[], extra: Partial<LinePlotOptions> = {}): { svg: string; root: XmlElement } {
  const svg = linePlotSvg({ ...base, ...extra, series });
  return { svg, root: parseXml(svg) };
}

/** Numbers in a path's `d`, as [x, y] pairs; and how many subpaths (M commands) it has. */
function pathPoints(d: string): { points: Array<[number, number]>; subpaths: number } {
  const numbers = (d.match(/-?\d+(?:\.\d+)?/g) ?? []).map(Number);
  const points: Array<[number, number]> = [];
  for (let index = 0; index < numbers.length; index += 2) points.push([numbers[index] as number, numbers[index + 1] as number]);
  return { points, subpaths: (d.match(/M/g) ?? []).length };
}

function plotArea(root: XmlElement): { left: number; top: number; right: number; bottom: number } {
  const box = elementsOf(root, 'rect', 'axes')[0] as XmlElement;
  const left = Number(box.attributes.x);
  const top = Number(box.attributes.y);
  return { left, top, right: left + Number(box.attributes.width), bottom: top + Number(box.attributes.height) };
}

const xs = (count: number): number[] => Array.from({ length: count }, (_, index) => index + 1);

describe('linePlotSvg', () => {
  it('is well-formed XML with one line per series, a legend entry each, and distinct colours', () => {
    const series = Array.from({ length: 5 }, (_, index) => ({ name: `seed ${index}`, x: xs(20), y: xs(20).map((x) => Math.sin(x + index)) }));
    const { root } = plot(series);
    expect(root.name).toBe('svg');
    const lines = elementsOf(root, 'path', 'line');
    expect(lines).toHaveLength(5);
    expect(new Set(lines.map((line) => line.attributes.stroke)).size).toBe(5);
    expect(elementsOf(root, 'path', 'band')).toHaveLength(0);
    const legendTexts = elementsOf(root, 'g', 'legend')
      .flatMap((legend) => elementsOf(legend, 'text'))
      .map((text) => text.text);
    expect(legendTexts).toEqual(series.map((entry) => entry.name));
    for (const line of lines) expect(pathPoints(line.attributes.d as string).points).toHaveLength(20);
  });

  it('keeps every point and band edge inside the plot area', () => {
    const random = seededRandom(11);
    for (let trial = 0; trial < 20; trial += 1) {
      const scale = 10 ** Math.floor(random() * 10 - 5);
      const logY = trial % 2 === 1;
      const y = xs(30).map(() => (logY ? random() * scale + scale * 1e-3 : (random() - 0.5) * scale));
      const std = y.map(() => random() * scale);
      const { root } = plot([{ name: 'a', x: xs(30).map((x) => x * scale), y, std }], { logY });
      const area = plotArea(root);
      const drawn = [...elementsOf(root, 'path', 'line'), ...elementsOf(root, 'path', 'band')];
      expect(drawn).toHaveLength(2);
      for (const path of drawn) {
        for (const [px, py] of pathPoints(path.attributes.d as string).points) {
          expect(px).toBeGreaterThanOrEqual(area.left - 0.01);
          expect(px).toBeLessThanOrEqual(area.right + 0.01);
          expect(py).toBeGreaterThanOrEqual(area.top - 0.01);
          expect(py).toBeLessThanOrEqual(area.bottom + 0.01);
        }
      }
    }
  });

  it('draws a band only for series with std', () => {
    const { root } = plot([
      { name: 'with', x: xs(10), y: xs(10), std: xs(10).map(() => 0.5) },
      { name: 'without', x: xs(10), y: xs(10).map((x) => x * 2) },
    ]);
    const groups = elementsOf(root, 'g', 'series');
    expect(groups.map((group) => elementsOf(group, 'path', 'band').length)).toEqual([1, 0]);
    const band = pathPoints(elementsOf(root, 'path', 'band')[0]?.attributes.d as string);
    expect(band.points).toHaveLength(20); // upper edge forward and lower edge back
  });

  it('puts log-y ticks at decades, evenly spaced', () => {
    const { root, svg } = plot([{ name: 'variance', x: xs(4), y: [0.002, 0.5, 30, 4000] }], { logY: true });
    const ticks = elementsOf(root, 'text', 'y-tick');
    const values = ticks.map((tick) => Number(tick.text));
    expect(values).toEqual([0.001, 0.01, 0.1, 1, 10, 100, 1000, 10000]);
    const positions = ticks.map((tick) => Number(tick.attributes.y));
    const gaps = positions.slice(1).map((position, index) => position - (positions[index] as number));
    for (const gap of gaps) expect(gap).toBeCloseTo(gaps[0] as number, 1);
    expect(svg).toContain('(log)');
  });

  it('never emits NaN or Infinity, breaking the line at non-finite points', () => {
    const y = [1, 2, Number.NaN, 4, 5, Number.POSITIVE_INFINITY, 7];
    const std = [0.1, Number.NaN, 0.1, 0.1, 0.1, 0.1, Number.NEGATIVE_INFINITY];
    const x = [1, 2, 3, 4, Number.NaN, 6, 7];
    for (const logY of [false, true]) {
      const { svg, root } = plot([{ name: 'nan', x, y, std }], { logY });
      expect(svg).not.toMatch(/NaN|Infinity/);
      const line = pathPoints(elementsOf(root, 'path', 'line')[0]?.attributes.d as string);
      expect(line.points).toHaveLength(4); // points 1, 2, 4 and 7
      expect(line.subpaths).toBe(3);
      expect(elementsOf(root, 'circle', 'point')).toHaveLength(2); // 4 and 7 stand alone
      expect(elementsOf(root, 'desc')[0]?.text).toMatch(/3 non-finite point\(s\) skipped/);
    }
  });

  it('drops y <= 0 on log-y and says so, instead of throwing', () => {
    const { svg, root } = plot([{ name: 'loss', x: xs(5), y: [1, -2, 0, 10, 100] }], { logY: true });
    expect(svg).not.toContain('NaN');
    expect(pathPoints(elementsOf(root, 'path', 'line')[0]?.attributes.d as string).points).toHaveLength(3);
    expect(elementsOf(root, 'desc')[0]?.text).toMatch(/2 point\(s\) with y <= 0 dropped \(log-y needs positive values\)/);
    expect(elementsOf(root, 'text', 'note')).toHaveLength(1);
  });

  it('clamps the lower band edge to the axis on log-y when mean − std ≤ 0', () => {
    const { root } = plot([{ name: 'a', x: xs(3), y: [1, 2, 3], std: [5, 5, 5] }], { logY: true });
    const area = plotArea(root);
    const band = pathPoints(elementsOf(root, 'path', 'band')[0]?.attributes.d as string).points;
    const lowerEdge = band.slice(3);
    for (const [, py] of lowerEdge) expect(py).toBeCloseTo(area.bottom, 1);
  });

  it('handles no series, all-NaN series, a single point and constant y', () => {
    for (const series of [[], [{ name: 'nothing', x: [1, 2], y: [Number.NaN, Number.NaN] }], [{ name: 'empty', x: [], y: [] }]]) {
      const { svg, root } = plot(series);
      expect(svg).not.toContain('NaN');
      expect(elementsOf(root, 'text', 'empty')[0]?.text).toBe('no data');
    }
    const single = plot([{ name: 'one', x: [3], y: [42] }]);
    expect(elementsOf(single.root, 'circle', 'point')).toHaveLength(1);
    const ticks = elementsOf(single.root, 'text', 'y-tick').map((tick) => Number(tick.text));
    expect(Math.min(...ticks)).toBeLessThan(42);
    expect(Math.max(...ticks)).toBeGreaterThan(42);
    const constant = plot([{ name: 'flat', x: xs(5), y: [0, 0, 0, 0, 0] }], { logY: false });
    expect(constant.svg).not.toContain('NaN');
    expect(elementsOf(constant.root, 'text', 'y-tick').length).toBeGreaterThanOrEqual(2);
  });

  it('escapes text in the title, labels and series names', () => {
    const nasty = `a < b & "c" 'd' > e`;
    const { root } = plot([{ name: nasty, x: [1, 2], y: [1, 2] }], { title: nasty, xLabel: nasty, yLabel: nasty });
    expect(elementsOf(root, 'title')[0]?.text).toBe(nasty);
    expect(elementsOf(root, 'text', 'title')[0]?.text).toBe(nasty);
    expect(elementsOf(root, 'text', 'x-label')[0]?.text).toBe(nasty);
    expect(elementsOf(root, 'text', 'y-label')[0]?.text).toBe(nasty);
  });

  it('rejects mismatched arrays and sizes too small to draw', () => {
    expect(() => linePlotSvg({ ...base, series: [{ name: 's', x: [1, 2], y: [1] }] })).toThrow(/x has 2 values but y has 1/);
    expect(() => linePlotSvg({ ...base, series: [{ name: 's', x: [1], y: [1], std: [] }] })).toThrow(/std has 0 values/);
    expect(() => linePlotSvg({ ...base, width: Number.NaN, series: [] })).toThrow(/width/);
  });

  it('is deterministic', () => {
    const series = [{ name: 'a', x: xs(5), y: [3, 1, 4, 1, 5], std: [1, 1, 1, 1, 1] }];
    expect(linePlotSvg({ ...base, series })).toBe(linePlotSvg({ ...base, series }));
  });
});
