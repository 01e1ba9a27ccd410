// Test-only: core's own unit tests run on the tfjs cpu backend directly (core must not depend on
// its backend packages; the cross-backend suites live in tests/backends).
import '@tensorflow/tfjs-backend-cpu';
import { tf } from './tf.js';

export async function useCpu(): Promise<void> {
  tf.env().set('PROD', true); // silences tfjs's "use tfjs-node" banner
  await tf.setBackend('cpu');
  await tf.ready();
}

/** Runs `fn` `times` times and returns the tensor counts before and after (they must match). */
export function tensorCountAround(fn: () => void, times = 100): { before: number; after: number } {
  fn(); // first call may allocate lazily-created state
  const before = tf.memory().numTensors;
  for (let i = 0; i < times; i++) fn();
  return { before, after: tf.memory().numTensors };
}
