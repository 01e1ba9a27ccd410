/**
 * The reference's smoothed episode-return statistic (`AverageMeter`, size 100, docs/algorithms/gippo.md §2.1 item 8):
 * new_mean = (old_size·old_mean + k·batch_mean)/(old_size + k), k = min(#finished, size),
 * old_size = min(size − k, current_size). With 64 episodes per epoch: 0.36·previous + 0.64·current.
 */
export class AverageMeter {
  mean = 0;
  count = 0;

  constructor(readonly size = 100) {}

  /** Adds the returns of the episodes that finished this epoch (a no-op when none finished). */
  update(returns: ArrayLike<number>): void {
    if (returns.length === 0) return;
    const k = Math.min(returns.length, this.size);
    let sum = 0;
    for (let i = 0; i < returns.length; i++) sum += returns[i]!;
    // The batch mean is over every finished episode; only its weight is capped at `size`.
    const batchMean = sum / returns.length;
    const oldSize = Math.min(this.size - k, this.count);
    this.mean = (oldSize * this.mean + k * batchMean) / (oldSize + k);
    this.count = oldSize + k;
  }

  state(): { mean: number; count: number } {
    return { mean: this.mean, count: this.count };
  }

  load(state: { mean: number; count: number }): void {
    this.mean = state.mean;
    this.count = state.count;
  }
}
