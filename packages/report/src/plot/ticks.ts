/** An axis range and its tick values; `min`/`max` are widened to whole ticks so lines fill the plot. */
export interface AxisTicks {
  min: number;
  max: number;
  ticks: number[];
  labels: string[];
}

/**
 * Linear ticks at 1-2-5 × 10^k steps, about `targetCount` of them. A zero-width range is
 * widened first (a constant series still gets an axis).
 */
export function linearTicks(dataMin: number, dataMax: number, targetCount = 6): AxisTicks {
  let low = dataMin;
  let high = dataMax;
  if (!(high > low)) {
    const pad = low === 0 ? 1 : Math.abs(low) * 0.1;
    low -= pad;
    high += pad;
  }
  const step = niceStep((high - low) / Math.max(1, targetCount - 1));
  const first = Math.floor(low / step);
  const last = Math.ceil(high / step);
  const ticks: number[] = [];
  // Integer multiples of the step, so ticks do not accumulate rounding error.
  for (let k = first; k <= last; k += 1) ticks.push(k * step);
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return { min: first * step, max: last * step, ticks, labels: ticks.map((tick) => formatLinearTick(tick, step, decimals)) };
}

/** The 1-2-5 × 10^k value nearest above `rawStep`. */
export function niceStep(rawStep: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(rawStep));
  const fraction = rawStep / magnitude;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  return nice * magnitude;
}

/**
 * Log ticks at whole decades covering [dataMin, dataMax] (both > 0), at least one decade wide.
 * With many decades only every n-th decade is labelled/ticked so labels do not collide.
 */
export function logDecadeTicks(dataMin: number, dataMax: number, maxTicks = 8): AxisTicks {
  if (!(dataMin > 0 && dataMax > 0)) throw new Error(`Log ticks need positive bounds; got [${dataMin}, ${dataMax}].`);
  const lowExponent = Math.floor(Math.log10(dataMin) + 1e-12);
  let highExponent = Math.ceil(Math.log10(dataMax) - 1e-12);
  if (highExponent <= lowExponent) highExponent = lowExponent + 1;
  const every = Math.max(1, Math.ceil((highExponent - lowExponent) / Math.max(1, maxTicks - 1)));
  const exponents: number[] = [];
  // Step whole decades from the bottom; the last tick may pass the data, and then becomes the top.
  for (let exponent = lowExponent; ; exponent += every) {
    exponents.push(exponent);
    if (exponent >= highExponent) break;
  }
  const ticks = exponents.map((exponent) => decade(exponent));
  return { min: ticks[0] as number, max: ticks[ticks.length - 1] as number, ticks, labels: exponents.map(formatDecade) };
}

/** 10^exponent without `10 ** -3 = 0.0010000000000000002`-style noise. */
function decade(exponent: number): number {
  return Number(`1e${exponent}`);
}

function formatDecade(exponent: number): string {
  return exponent >= -3 && exponent <= 4 ? String(decade(exponent)) : `1e${exponent}`;
}

function formatLinearTick(value: number, step: number, decimals: number): string {
  if (value === 0) return '0';
  const largest = Math.abs(value);
  if (largest >= 1e6 || step < 1e-4) return trimExponential(value.toExponential(Math.max(0, significantDecimals(value, step))));
  return value.toFixed(Math.min(decimals, 20));
}

/** Mantissa digits needed so neighbouring ticks `step` apart print differently. */
function significantDecimals(value: number, step: number): number {
  return Math.max(0, Math.floor(Math.log10(Math.abs(value))) - Math.floor(Math.log10(step) + 1e-9));
}

function trimExponential(text: string): string {
  return text.replace(/\.?0+e/, 'e').replace('e+', 'e');
}
