/** The docs/architecture.md §6 metrics.csv columns, in order; algorithm columns follow them. */
export const METRICS_BASE_COLUMNS = ['epoch', 'steps', 'reward', 'best_reward', 'wall_s', 'actor_loss', 'critic_loss', 'actor_lr', 'critic_lr'] as const;

export type MetricsBaseColumn = (typeof METRICS_BASE_COLUMNS)[number];

/**
 * The full metrics.csv column list: the base columns, then `extra` (an algorithm's diagnostics,
 * e.g. GI-PPO's `alpha, lr_alpha, ...`). Throws on a duplicate or empty name, because a column
 * written twice could never be read back unambiguously.
 */
export function metricsColumns(extra: readonly string[] = []): string[] {
  const columns = [...METRICS_BASE_COLUMNS, ...extra];
  assertValidColumns(columns);
  return columns;
}

/** Throws unless `columns` is a non-empty list of distinct, non-empty names. */
export function assertValidColumns(columns: readonly string[]): void {
  if (columns.length === 0) throw new Error('A metrics table needs at least one column; got none.');
  const seen = new Set<string>();
  for (const column of columns) {
    if (typeof column !== 'string' || column.length === 0) {
      throw new Error(`Column names must be non-empty strings; got ${JSON.stringify(column)}.`);
    }
    if (seen.has(column)) {
      throw new Error(`Column '${column}' appears twice in [${columns.join(', ')}]; column names must be distinct.`);
    }
    seen.add(column);
  }
}
