// Start/pause/stop for a job running in the worker. Jobs call `checkpoint()` between units of work
// (epochs, estimators): it yields a macrotask so that pause/stop messages get delivered.

export class StopRequested extends Error {
  constructor() {
    super('stopped');
  }
}

export type Migrate = (switchBackend: () => Promise<void>) => Promise<void>;

export class JobControl {
  state: 'running' | 'paused' | 'stopped' = 'running';
  /** Set by training jobs: moves the paused run to another backend through a checkpoint. */
  migrate: Migrate | undefined;
  private wake: (() => void) | undefined;

  pause(): void {
    if (this.state === 'running') this.state = 'paused';
  }

  resume(): void {
    if (this.state === 'paused') this.state = 'running';
    this.wake?.();
  }

  stop(): void {
    this.state = 'stopped';
    this.wake?.();
  }

  /** Resolves when the job may continue; throws `StopRequested` after stop(). */
  async checkpoint(onPause?: () => void): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (this.state === 'paused') {
      onPause?.();
      while (this.state === 'paused') await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
    if (this.state === 'stopped') throw new StopRequested();
  }
}

/** A control that never pauses, for Node callers (tests, scripts). */
export function freeRunning(): JobControl {
  return new JobControl();
}
