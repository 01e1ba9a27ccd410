#!/usr/bin/env node
// Soak test of the rigid-body envs (not in npm test): 10 000 steps at batch 256 with uniform random
// actions in [-1, 1], resetting finished envs as a trainer does, on the built packages. Counts
// non-finite observations or rewards (which the env would flag and reset) and reports throughput.
// Usage: node scripts/physics-soak.mjs [--envs hopper,ant] [--steps 10000] [--batch 256] [--backend cpu|wasm]
import '../packages/backend-cpu/dist/index.js';
import '../packages/backend-wasm/dist/index.js';
import { tf, Rng, useBackend } from '../packages/core/dist/index.js';
import { getEnv, resetDone } from '../packages/envs/dist/index.js';

const arg = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : fallback;
};
const names = arg('envs', 'hopper,ant').split(',');
const steps = Number(arg('steps', '10000'));
const batch = Number(arg('batch', '256'));
await useBackend(arg('backend', 'wasm'));

for (const name of names) {
  const env = getEnv(name);
  const rng = new Rng(1);
  let state = env.reset(batch, rng);
  let nonFinite = 0;
  let terminated = 0;
  let maxAbsObs = 0;
  const start = performance.now();
  for (let k = 0; k < steps; k++) {
    const action = rng.uniformTensor([batch, env.actDim], -1, 1);
    const result = env.step(state, action);
    const flags = await result.nonFinite.data();
    const ends = await result.terminated.data();
    const obs = await result.nextObs.data();
    for (let i = 0; i < batch; i++) {
      nonFinite += flags[i];
      terminated += ends[i];
    }
    for (const v of obs) if (Number.isFinite(v)) maxAbsObs = Math.max(maxAbsObs, Math.abs(v));
    const done = tf.logicalOr(result.terminated, result.truncated);
    const next = resetDone(env, result.state, done, rng);
    tf.dispose([state, action, result, done]);
    state = next;
    if ((k + 1) % 1000 === 0) console.error(`${name}: ${k + 1} steps, ${nonFinite} non-finite, ${terminated} early ends`);
  }
  tf.dispose(state);
  const seconds = (performance.now() - start) / 1000;
  console.log(
    JSON.stringify({
      env: name,
      backend: tf.getBackend(),
      batch,
      steps,
      env_steps: steps * batch,
      non_finite: nonFinite,
      early_ends: terminated,
      max_abs_obs: Number(maxAbsObs.toPrecision(4)),
      seconds: Number(seconds.toFixed(1)),
      steps_per_s: Math.round((steps * batch) / seconds),
      tensors_left: tf.memory().numTensors,
    }),
  );
}
