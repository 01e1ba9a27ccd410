import { ConfigError } from '../errors.js';

/** A value as a function of a 1-based step (epoch) counter. */
export type Schedule = (step: number) => number;

export function constantSchedule(value: number): Schedule {
  if (!Number.isFinite(value)) throw new ConfigError('schedule.value', value, 'a finite number');
  return () => value;
}

/**
 * Linear from `from` (step 0) to `to` (step `steps`), held at `to` afterwards. The GI-PPO reference's
 * `lr(e) = lr0 + (1e-5 − lr0)·e/max_epochs` is `linearSchedule({ from: lr0, to: 1e-5, steps: max_epochs })`.
 */
export function linearSchedule(options: { from: number; to: number; steps: number }): Schedule {
  const { from, to, steps } = options;
  if (!Number.isFinite(from) || !Number.isFinite(to)) throw new ConfigError('schedule', options, 'finite from and to');
  if (!(steps > 0)) throw new ConfigError('schedule.steps', steps, 'a positive number of steps');
  return (step) => from + (to - from) * Math.min(Math.max(step, 0) / steps, 1);
}
