/** Mean and spread of one figure over seeds, as summary.json stores it (docs/architecture.md §6). */
export interface SeedStats {
  mean: number;
  /** Sample standard deviation (N−1); 0 for a single seed. */
  std: number;
  per_seed: number[];
}

/**
 * Mean and unbiased (N−1) standard deviation over seeds, in float64 with two passes (the
 * second over deviations from the mean, which avoids the cancellation of sum-of-squares).
 * A single seed has std 0 rather than 0/0. Non-finite inputs propagate (a diverged seed
 * shows up as NaN instead of being dropped). Throws on an empty list.
 */
export function seedStats(values: readonly number[]): SeedStats {
  if (values.length === 0) throw new Error('seedStats needs at least one value (one per seed); got none.');
  const count = values.length;
  let sum = 0;
  for (const value of values) sum += value;
  const mean = sum / count;
  let squaredDeviations = 0;
  for (const value of values) squaredDeviations += (value - mean) ** 2;
  const std = count > 1 ? Math.sqrt(squaredDeviations / (count - 1)) : 0;
  return { mean, std, per_seed: [...values] };
}
