// GI-PPO whose analytic action gradients come from total propagation (`--estimator tp`) instead of
// RP, on cart-pole swing-up: a combination no one has published (docs/reproduction/gippo-tp-cartpole.md).
// Resumable: each seed checkpoints every 10 epochs under runs/gippo-tp-cartpole/seed-<n>/; rerun to continue.
// Usage: node scripts/gippo-tp-cartpole.mjs [--seeds 1,2,3] [--epochs 500] [--estimator tp] [--backend wasm] [--out runs/gippo-tp-cartpole]
import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import '../packages/backend-cpu/dist/index.js';
import '../packages/backend-wasm/dist/index.js';
import { useBackend } from '../packages/core/dist/index.js';
import { createTrainer, resolveTrainerConfig, ON_POLICY_COLUMNS, GIPPO_COLUMNS } from '../packages/gippo/dist/index.js';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '1,2,3' },
    epochs: { type: 'string', default: '500' },
    estimator: { type: 'string', default: 'tp' },
    backend: { type: 'string', default: 'wasm' },
    out: { type: 'string', default: 'runs/gippo-tp-cartpole' },
  },
});
const env = 'cartpole-swingup';
const epochs = Number(values.epochs);
await useBackend(values.backend);
const columns = ['epoch', 'steps', 'reward', 'best_reward', 'wall_s', ...ON_POLICY_COLUMNS, ...GIPPO_COLUMNS];
const writeAtomic = (path, text) => {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
};
for (const seed of values.seeds.split(',').map(Number)) {
  const dir = join(values.out, `seed-${seed}`);
  if (existsSync(join(dir, 'summary.json'))) continue;
  mkdirSync(dir, { recursive: true });
  const config = resolveTrainerConfig(env, 'gippo', { estimator: values.estimator, epochs });
  const trainer = createTrainer({ env, algo: 'gippo', config, seed });
  const checkpoint = join(dir, 'checkpoint.json');
  let wallBefore = 0;
  if (existsSync(checkpoint)) {
    const saved = JSON.parse(readFileSync(checkpoint, 'utf8'));
    trainer.load(saved.trainer);
    wallBefore = saved.wall_s;
    // Drop rows written after the checkpoint, so a resumed run neither loses nor duplicates a row.
    const rows = readFileSync(join(dir, 'metrics.csv'), 'utf8').trim().split('\n');
    writeAtomic(join(dir, 'metrics.csv'), `${rows.slice(0, trainer.epochCount + 1).join('\n')}\n`);
  } else {
    writeAtomic(join(dir, 'config.json'), JSON.stringify({ algo: 'gippo', env, seed, backend: values.backend, config }, null, 2));
    writeAtomic(join(dir, 'metrics.csv'), `${columns.join(',')}\n`);
  }
  const start = performance.now();
  const wall = () => wallBefore + (performance.now() - start) / 1000;
  let last;
  while (trainer.epochCount < epochs) {
    last = { ...(await trainer.epoch()), wall_s: wall() };
    appendFileSync(join(dir, 'metrics.csv'), `${columns.map((c) => last[c]).join(',')}\n`);
    if (trainer.epochCount % 10 === 0 || trainer.epochCount === epochs) writeAtomic(checkpoint, JSON.stringify({ trainer: await trainer.state(), wall_s: wall() }));
    process.stderr.write(`seed ${seed} epoch ${trainer.epochCount}/${epochs} reward ${last.reward.toFixed(1)} alpha ${last.alpha.toExponential(2)}\n`);
  }
  const rows = readFileSync(join(dir, 'metrics.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((r) => r.split(',').map(Number));
  writeAtomic(
    join(dir, 'summary.json'),
    JSON.stringify(
      { algo: 'gippo', estimator: values.estimator, env, seed, backend: values.backend, epochs: trainer.epochCount, final_reward: rows.at(-1)[2], best_reward: trainer.bestReward, wall_s: wall() },
      null,
      2,
    ),
  );
  trainer.dispose();
}
