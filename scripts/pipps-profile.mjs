// Where the time of one PIPPS policy step goes: fits the GP on a training checkpoint's data, then runs
// policy-gradient passes (P particles, horizon T) under tf.profile and prints the kernels by total
// time, plus the wall time per pass with and without profiling. Needs `pnpm build`.
// The checkpoint is a raw run's (runs/, see docs/reproduction/README.md): docs/reproduction keeps none.
// Usage: node scripts/pipps-profile.mjs [--checkpoint DIR/checkpoint/pipps.json] [--method tp]
//        [--particles 300] [--horizon 30] [--steps 3] [--backend wasm] [--transpose auto|flags|explicit]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import '../packages/backend-cpu/dist/index.js';
import '../packages/backend-wasm/dist/index.js';
import { makeVariable, Rng, setTransposeStrategy, tf, useBackend } from '../packages/core/dist/index.js';
import { makeDynamicsModel, makePropagator, modelParticleSystem, pippsGradient, transitionsFromJSON } from '../packages/pipps/dist/index.js';

const { values: a } = parseArgs({
  options: {
    checkpoint: { type: 'string', default: 'runs/pipps-cartpole/tp-gp-seed1/checkpoint/pipps.json' },
    method: { type: 'string', default: 'tp' },
    particles: { type: 'string', default: '300' },
    horizon: { type: 'string', default: '30' },
    steps: { type: 'string', default: '3' },
    backend: { type: 'string', default: 'wasm' },
    transpose: { type: 'string', default: 'auto' },
  },
});
await useBackend(a.backend);
setTransposeStrategy(a.transpose);
const checkpoint = JSON.parse(readFileSync(a.checkpoint, 'utf8'));
const data = transitionsFromJSON(checkpoint.data);
const model = makeDynamicsModel('gp', checkpoint.config);
let t0 = performance.now();
model.fit(data, new Rng(1));
console.log(`GP fit on ${data.count} transitions: ${(performance.now() - t0).toFixed(0)} ms (host float64)`);
const p = checkpoint.policy;
const C = p.weights.length;
const D = p.logInverseLengthscale.length;
const params = [tf.tensor(p.weights, [C]), tf.tensor(p.centres, [C, D]), tf.tensor(p.logInverseLengthscale, [D])].map(makeVariable);
const system = modelParticleSystem(model, params, checkpoint.config.initStd);
const options = { particles: Number(a.particles), horizon: Number(a.horizon), rng: new Rng(2), propagator: makePropagator(a.method) };
const pass = () => tf.dispose(pippsGradient(system, options).gradients);

pass(); // warm-up: kernel compilation, first-use allocations
const steps = Number(a.steps);
t0 = performance.now();
for (let i = 0; i < steps; i++) pass();
const plainMs = (performance.now() - t0) / steps;

const byKernel = new Map();
let kernels = 0;
t0 = performance.now();
for (let i = 0; i < steps; i++) {
  const info = await tf.profile(pass);
  for (const k of info.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    const entry = byKernel.get(k.name) ?? { count: 0, ms: 0 };
    entry.count++;
    entry.ms += ms;
    byKernel.set(k.name, entry);
    kernels++;
  }
}
const profiledMs = (performance.now() - t0) / steps;
const kernelMs = [...byKernel.values()].reduce((s, e) => s + e.ms, 0) / steps;
console.log(
  `${a.method.toUpperCase()}, P = ${a.particles}, T = ${a.horizon}, ${a.backend}, transposes ${a.transpose}: ${plainMs.toFixed(0)} ms per pass; ${(kernels / steps).toFixed(0)} kernels per pass, their summed time ${kernelMs.toFixed(0)} ms (${((100 * kernelMs) / profiledMs).toFixed(0)}% of the profiled pass's ${profiledMs.toFixed(0)} ms; the rest is dispatch, autodiff bookkeeping and host work)`,
);
console.log('\n| kernel | calls per pass | ms per pass | share of kernel time |\n| --- | --- | --- | --- |');
for (const [name, e] of [...byKernel].sort((x, y) => y[1].ms - x[1].ms).slice(0, 15)) {
  console.log(`| ${name} | ${(e.count / steps).toFixed(0)} | ${(e.ms / steps).toFixed(1)} | ${((100 * e.ms) / steps / kernelMs).toFixed(1)}% |`);
}
