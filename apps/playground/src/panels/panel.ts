import type { Job, JobEvent } from '../protocol.js';

/** One tab of the playground: a settings form, a job built from it, and views fed by job events. */
export interface Panel {
  readonly id: 'function' | 'estimators' | 'vi' | 'cartpole';
  readonly title: string;
  readonly form: HTMLFormElement;
  readonly view: HTMLElement;
  /** The job the current settings describe. */
  job(): Job;
  /** Clears the views before a new run. */
  reset(): void;
  onEvent(event: JobEvent): void;
  /** The run as CSV text and as JSON (settings and results). */
  exportCsv(): string;
  exportJson(): unknown;
}
