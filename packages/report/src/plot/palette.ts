/**
 * Okabe–Ito colours (distinguishable with the common colour-vision deficiencies), ordered by
 * contrast on white; yellow is last because it is faint. Series past the palette reuse it with
 * a dash pattern so they stay distinct.
 */
export const SERIES_PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#000000', '#F0E442'] as const;

const DASH_PATTERNS = ['', '6 3', '2 2', '8 3 2 3'] as const;

export function seriesStyle(index: number): { color: string; dash: string } {
  const color = SERIES_PALETTE[index % SERIES_PALETTE.length] as string;
  const dash = DASH_PATTERNS[Math.floor(index / SERIES_PALETTE.length) % DASH_PATTERNS.length] as string;
  return { color, dash };
}
