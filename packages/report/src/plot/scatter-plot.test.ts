import { describe, expect, it } from 'vitest';
import { elementsOf, parseXml, type XmlElement } from '../test-support/xml.js';
import { scatterPlotSvg, type ScatterPlotOptions, type ScatterSeries } from './scatter-plot.js';

const base = { title: 'Predicted vs empirical', xLabel: 'predicted', yLabel: 'empirical' };

function plot(series: ScatterSeries[], extra: Partial<ScatterPlotOptions> = {}): { svg: string; root: XmlElement } {
  const svg = scatterPlotSvg({ ...base, ...extra, series });
  return { svg, root: parseXml(svg) };
}

function plotArea(root: XmlElement): { left: number; top: number; right: number; bottom: number } {
  const box = elementsOf(root, 'rect', 'axes')[0] as XmlElement;
  const left = Number(box.attributes.x);
  const top = Number(box.attributes.y);
  return { left, top, right: left + Number(box.attributes.width), bottom: top + Number(box.attributes.height) };
}

const markers = (root: XmlElement) => elementsOf(root, 'g', 'series').flatMap((g) => [...elementsOf(g, 'circle', 'marker'), ...elementsOf(g, 'rect', 'marker')]);
const centre = (m: XmlElement): [number, number] => (m.name === 'circle' ? [Number(m.attributes.cx), Number(m.attributes.cy)] : [Number(m.attributes.x) + 3, Number(m.attributes.y) + 3]);

describe('scatterPlotSvg', () => {
  it('one marker per point, log–log decades on both axes, markers where the values say', () => {
    const x = [1, 10, 100, 1000];
    const { root } = plot([{ name: 'rp', x, y: x }], { logX: true, logY: true });
    expect(elementsOf(root, 'text', 'x-tick').map((t) => Number(t.text))).toEqual([1, 10, 100, 1000]);
    expect(elementsOf(root, 'text', 'y-tick').map((t) => Number(t.text))).toEqual([1, 10, 100, 1000]);
    const area = plotArea(root);
    const centres = markers(root).map(centre);
    expect(centres).toHaveLength(4);
    // Decades are evenly spaced: the points of y = x land on the diagonal at thirds of the frame.
    centres.forEach(([cx, cy], i) => {
      expect(cx).toBeCloseTo(area.left + ((area.right - area.left) * i) / 3, 0);
      expect(cy).toBeCloseTo(area.bottom - ((area.bottom - area.top) * i) / 3, 0);
    });
  });

  it('draws error bars of y ± yError, clamped to the axis on log-y, and a y = x line over shared axes', () => {
    const { root } = plot(
      [
        { name: 'a', x: [2, 20], y: [3, 30], yError: [1, 50] },
        { name: 'b', x: [5], y: [4] },
      ],
      { logX: true, logY: true, identityLine: true },
    );
    const bars = elementsOf(root, 'line', 'error-bar');
    expect(bars).toHaveLength(2);
    const area = plotArea(root);
    // 30 − 50 < 0 cannot be drawn on log-y: the bar ends at the bottom of the frame.
    expect(Number(bars[1]!.attributes.y2)).toBeCloseTo(area.bottom, 1);
    expect(Number(bars[0]!.attributes.y1)).toBeLessThan(Number(bars[0]!.attributes.y2));
    const identity = elementsOf(root, 'path', 'identity');
    expect(identity).toHaveLength(1);
    const numbers = (identity[0]!.attributes.d as string).match(/-?\d+(?:\.\d+)?/g)!.map(Number);
    // Shared axes: the diagonal runs from the bottom-left to the top-right corner.
    expect(numbers).toEqual([area.left, area.bottom, area.right, area.top].map((v) => expect.closeTo(v, 1)));
    expect(elementsOf(root, 'text', 'x-tick').map((t) => t.text)).toEqual(elementsOf(root, 'text', 'y-tick').map((t) => t.text));
  });

  it('keeps every marker and bar inside the frame; drops non-finite and log-invalid points and says so; never emits NaN', () => {
    const { svg, root } = plot([{ name: 'v', x: [1, Number.NaN, -1, 10, 100], y: [1, 2, 3, 0, 50], yError: [0.5, 1, 1, 1, Number.NaN] }], { logX: true, logY: true });
    expect(svg).not.toMatch(/NaN|Infinity/);
    expect(markers(root)).toHaveLength(2); // (1, 1) and (100, 50)
    expect(elementsOf(root, 'line', 'error-bar')).toHaveLength(1);
    const note = elementsOf(root, 'desc')[0]!.text;
    expect(note).toMatch(/1 non-finite point\(s\) skipped/);
    expect(note).toMatch(/2 point\(s\) <= 0 on a log axis dropped/);
    const area = plotArea(root);
    for (const [cx, cy] of markers(root).map(centre)) {
      expect(cx).toBeGreaterThanOrEqual(area.left - 0.01);
      expect(cx).toBeLessThanOrEqual(area.right + 0.01);
      expect(cy).toBeGreaterThanOrEqual(area.top - 0.01);
      expect(cy).toBeLessThanOrEqual(area.bottom + 0.01);
    }
  });

  it('a legend entry per series with its marker; more series than colours change shape; linear axes; empty input', () => {
    const series = Array.from({ length: 9 }, (_, i) => ({ name: `s${i}`, x: [i], y: [i * 2] }));
    const { root } = plot(series);
    const legend = elementsOf(root, 'g', 'legend')[0]!;
    expect(elementsOf(legend, 'text').map((t) => t.text)).toEqual(series.map((s) => s.name));
    expect(elementsOf(legend, 'circle', 'marker')).toHaveLength(8);
    expect(elementsOf(legend, 'rect', 'marker')).toHaveLength(1);
    expect(elementsOf(root, 'desc')[0]!.text).toContain('(linear)');
    const empty = plot([]);
    expect(elementsOf(empty.root, 'text', 'empty')[0]?.text).toBe('no data');
  });

  it('rejects mismatched arrays and sizes too small to draw; escapes text; is deterministic', () => {
    expect(() => scatterPlotSvg({ ...base, series: [{ name: 's', x: [1, 2], y: [1] }] })).toThrow(/x has 2 values but y has 1/);
    expect(() => scatterPlotSvg({ ...base, series: [{ name: 's', x: [1], y: [1], yError: [] }] })).toThrow(/yError has 0 values/);
    expect(() => scatterPlotSvg({ ...base, height: 10, series: [] })).toThrow(/height/);
    const nasty = `a < b & "c"`;
    expect(elementsOf(plot([{ name: nasty, x: [1], y: [1] }], { title: nasty }).root, 'text', 'title')[0]?.text).toBe(nasty);
    const series = [{ name: 'a', x: [1, 2], y: [3, 4], yError: [0.1, 0.2] }];
    expect(scatterPlotSvg({ ...base, series })).toBe(scatterPlotSvg({ ...base, series }));
  });
});
