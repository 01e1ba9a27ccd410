// The page's side of the worker protocol: promise-based requests plus an event stream.
import type { JobEvent, Request, WorkerMessage } from './protocol.js';

export class ComputeClient {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private readonly listeners = new Set<(event: JobEvent) => void>();

  constructor() {
    this.worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'pathwise-compute' });
    this.worker.onmessage = (message: MessageEvent<WorkerMessage>) => {
      const data = message.data;
      if (data.type === 'event') {
        this.listeners.forEach((listener) => listener(data.event));
        return;
      }
      const waiter = this.pending.get(data.id);
      this.pending.delete(data.id);
      if (data.ok) waiter?.resolve(data.value);
      else waiter?.reject(new Error(data.error));
    };
    this.worker.onerror = (error) => {
      const message = `worker error: ${error.message}`;
      this.listeners.forEach((listener) => listener({ kind: 'status', state: 'error', message }));
    };
  }

  request<T>(request: Request): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.worker.postMessage({ id, request });
    });
  }

  onEvent(listener: (event: JobEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
