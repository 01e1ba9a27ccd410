#!/usr/bin/env bash
# The GI-PPO physics runs (docs/reproduction/gippo-physics.md): hopper and ant with the paper-era
# configs, in the priority order of that page. Resumable: rerun to continue; finished runs (their
# summary.json exists) are skipped and an interrupted one resumes from its checkpoint. Raw runs go
# under the ignored runs/ (one sweep directory per stage: a sweep's grid.json is its own); thin them
# into docs/ when finished.
# Usage: nohup nice -n 5 bash scripts/physics-runs.sh > runs/physics-runs.log 2>&1 &
set -euo pipefail
cd "$(dirname "$0")/.."
P="node apps/cli/dist/bin.js --backend wasm"
# 1. One seed of GI-PPO and PPO per env: the paper's headline comparison (GI-PPO 4776.8 / 5933.0 vs
#    PPO 4452.2 / 4797.4 on hopper / ant), cheapest first.
$P sweep --algos gippo,ppo --envs ant --seeds 1 --workers 1 --out runs/gippo-physics-ant-s1
$P sweep --algos gippo,ppo --envs hopper --seeds 1 --workers 1 --out runs/gippo-physics-hopper-s1
# 2. RP (the SHAC column's role) on one seed.
$P sweep --algos rp --envs ant,hopper --seeds 1 --workers 1 --out runs/gippo-physics-rp-s1
# 3. Seeds 2–5 of the same cells (the paper's 5 runs per method).
$P sweep --algos gippo,ppo,rp --envs ant --seeds 2,3,4,5 --workers 1 --out runs/gippo-physics-ant-s2-5
$P sweep --algos gippo,ppo,rp --envs hopper --seeds 2,3,4,5 --workers 1 --out runs/gippo-physics-hopper-s2-5
