import { describe, expect, it } from 'vitest';
import { biasZ, biasZChart } from './charts.js';

/** The circles of the chart with their class, centre y and tooltip. */
function dots(svg: string): Array<{ cls: string; cy: number; title: string }> {
  return [...svg.matchAll(/<circle cx="[^"]+" cy="([^"]+)" r="3.5" class="([^"]+)"[^>]*><title>([^<]*)<\/title><\/circle>/g)].map((m) => ({ cy: Number(m[1]), cls: m[2]!, title: m[3]! }));
}

describe('biasZ', () => {
  it('is bias/SE, 0 for an exact estimate, ±∞ for a biased one with no spread', () => {
    expect(biasZ(0.3, 0.1)).toBeCloseTo(3, 12);
    expect(biasZ(-0.5, 0.1)).toBeCloseTo(-5, 12);
    expect(biasZ(0, 0)).toBe(0);
    expect(biasZ(0.2, 0)).toBe(Infinity);
    expect(biasZ(-0.2, 0)).toBe(-Infinity);
  });
});

describe('biasZChart', () => {
  const band = (svg: string) => {
    const m = /<rect x="[^"]+" y="([^"]+)" width="[^"]+" height="([^"]+)" class="z-band">/.exec(svg)!;
    return { top: Number(m[1]), bottom: Number(m[1]) + Number(m[2]) };
  };

  it('one dot per coordinate per estimator; noise inside the |z| < 5 band, bias outside it, with bias ± SE in the tooltip', () => {
    const svg = biasZChart('bias', [
      { name: 'rp', coordinates: ['∂μ', '∂logσ'], bias: [0.01, -0.02], se: [0.01, 0.01] },
      { name: 'lr-optimal', coordinates: ['∂μ', '∂logσ'], bias: [0.4, 0.05], se: [0.02, 0.02] },
    ]);
    const all = dots(svg);
    expect(all).toHaveLength(4);
    const { top, bottom } = band(svg);
    const inside = all.filter((d) => d.cy > top && d.cy < bottom);
    expect(inside.map((d) => d.title)).toEqual([
      expect.stringMatching(/^rp · ∂μ: bias 0\.01 ± 0\.01 \(z = 1\.0\)$/),
      expect.stringMatching(/rp · ∂logσ.*z = -2\.0/),
      expect.stringMatching(/lr-optimal · ∂logσ.*z = 2\.5/),
    ]);
    const out = all.filter((d) => !(d.cy > top && d.cy < bottom));
    expect(out).toHaveLength(1);
    expect(out[0]!.cls).toContain('outside');
    expect(out[0]!.title).toMatch(/lr-optimal · ∂μ: bias 0\.4 ± 0\.02 \(z = 20\.0\)/);
    // The axis reaches past the largest |z| (20 → 50 after 1.1× and a 1-2-5 step), so nothing is clipped.
    expect(svg).not.toContain('clipped');
    // The band is symmetric about the z = 0 line.
    const zero = Number(/<line x1="[^"]+" x2="[^"]+" y1="([^"]+)"[^>]*class="reference"/.exec(svg)![1]);
    expect((top + bottom) / 2).toBeCloseTo(zero, 6);
  });

  it('keeps the band visible when every |z| is small, and draws z = ±∞ as open circles at the edge', () => {
    const svg = biasZChart('bias', [{ name: 'tp', coordinates: ['a', 'b'], bias: [0.1, 0], se: [0, 0] }]);
    const [clipped, exact] = dots(svg);
    expect(clipped!.cls).toBe('z-dot outside clipped');
    expect(svg).toMatch(/fill="none" stroke=/);
    expect(exact!.cls).toBe('z-dot');
    const { top, bottom } = band(svg);
    expect(bottom - top).toBeGreaterThan(100); // ±5 of ±10: half the plot height
    expect(svg).not.toMatch(/NaN/);
  });

  it('says there is nothing to show without estimators', () => {
    expect(biasZChart('bias', [])).toContain('no data yet');
  });
});
