import { tf, useBackend } from '@pathwise/core';
import '@pathwise/backend-cpu'; import '@pathwise/backend-wasm';
import { getEnv } from '@pathwise/envs';
import { OnPolicyTrainer, resolveTrainerConfig } from '@pathwise/gippo';
tf.env().set('PROD', true);
const [backend='wasm', algo='gippo', env='dejong64', n='30'] = process.argv.slice(2);
await useBackend(backend);
const t = new OnPolicyTrainer({ env: getEnv(env), algo, config: resolveTrainerConfig(env, algo, {}), seed: 1 });
for (let i = 0; i < 5; i++) await t.epoch();
const acc = {}; const t0 = performance.now();
for (let i = 0; i < +n; i++) { await t.epoch(); for (const [k,v] of Object.entries(t.lastTimings)) acc[k]=(acc[k]??0)+v; }
console.log(backend, algo, env, ((performance.now()-t0)/+n).toFixed(1), 'ms/epoch', Object.entries(acc).map(([k,v])=>`${k}=${(v/+n).toFixed(1)}`).join(' '));
