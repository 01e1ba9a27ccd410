// Side-by-side: tfjs matMul transposes as flags vs explicit (core's matMulT) on the wasm backend, for
// GI-PPO and PPO epochs on De Jong 64-D. Alternates the two strategies in rounds so that load drift
// hits both alike. Needs `pnpm build`. Usage: node scripts/transpose-bench.mjs [epochs per round] [rounds]
import '../packages/backend-wasm/dist/index.js';
import { setTransposeStrategy, useBackend } from '../packages/core/dist/index.js';
import { getEnv } from '../packages/envs/dist/index.js';
import { OnPolicyTrainer, resolveTrainerConfig } from '../packages/gippo/dist/index.js';

const epochs = Number(process.argv[2] ?? 10);
const rounds = Number(process.argv[3] ?? 3);
await useBackend('wasm');
for (const algo of ['gippo', 'ppo']) {
  const make = () => new OnPolicyTrainer({ env: getEnv('dejong64'), algo, config: resolveTrainerConfig('dejong64', algo, {}), seed: 1 });
  const trainers = { flags: make(), explicit: make() };
  const ms = { flags: [], explicit: [] };
  for (const [strategy, trainer] of Object.entries(trainers)) {
    setTransposeStrategy(strategy);
    for (let i = 0; i < 3; i++) await trainer.epoch(); // warm-up
  }
  for (let r = 0; r < rounds; r++) {
    for (const [strategy, trainer] of Object.entries(trainers)) {
      setTransposeStrategy(strategy);
      const start = performance.now();
      for (let i = 0; i < epochs; i++) await trainer.epoch();
      ms[strategy].push((performance.now() - start) / epochs);
    }
  }
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(
    `${algo}: flags ${mean(ms.flags).toFixed(1)} ms/epoch, explicit ${mean(ms.explicit).toFixed(1)} ms/epoch, flags/explicit ${(mean(ms.flags) / mean(ms.explicit)).toFixed(2)} (${rounds} rounds × ${epochs} epochs)`,
  );
  for (const t of Object.values(trainers)) t.dispose();
}
setTransposeStrategy('auto');
