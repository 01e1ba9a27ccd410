#!/usr/bin/env bash
# The reproduction runs still owed (docs/reproduction/README.md, index): resumable, rerun to continue;
# finished runs are skipped. Raw runs go under the ignored runs/; thin them into docs/ when finished.
# Usage: nohup nice -n 5 bash scripts/reproduction-runs.sh > runs/reproduction-runs.log 2>&1 &
set -euo pipefail
cd "$(dirname "$0")/.."
P="node apps/cli/dist/bin.js --backend wasm"
$P sweep --algos gippo,ppo --envs ackley --seeds 4,5,6,7,8,9,10 --workers 1 --out runs/ackley-basin
# The function-optimisation grid's seeds 4 and 5: Ackley 1-D GI-PPO and PPO come from the basin study.
for algo in gippo ppo; do for seed in 4 5; do
  mkdir -p runs/gippo-fo-seeds45/runs/ackley/$algo
  [ -e runs/gippo-fo-seeds45/runs/ackley/$algo/seed-$seed ] || cp -r runs/ackley-basin/runs/ackley/$algo/seed-$seed runs/gippo-fo-seeds45/runs/ackley/$algo/
done; done
$P sweep --algos gippo,rp,lrp,ppo,lr --envs dejong,ackley,dejong64,ackley64 --seeds 4,5 --workers 1 --out runs/gippo-fo-seeds45
$P sweep --algos ppo,rp --envs cartpole-swingup --seeds 2,3 --workers 1 --out runs/gippo-cartpole-seeds23
