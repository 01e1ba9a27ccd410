import { tf } from '@pathwise/core';

/**
 * Small constant tensors an env needs at every step, made once per backend on first use and kept
 * (so a caller's tf.tidy does not dispose them, and no per-step upload is needed). They live as
 * long as the process, like compiled kernels.
 */
export function constantCache<T extends Record<string, tf.Tensor>>(make: () => T): () => T {
  const cache = new Map<string, T>();
  return () => {
    const backend = tf.getBackend();
    let found = cache.get(backend);
    if (found === undefined || Object.values(found).some((t) => t.isDisposed)) {
      found = Object.fromEntries(Object.entries(make()).map(([k, v]) => [k, tf.keep(v)])) as T;
      cache.set(backend, found);
    }
    return found;
  };
}
