#!/usr/bin/env bash
# The GI-PPO traffic runs (docs/reproduction/gippo-traffic.md): the five algorithms on the pace-car
# scenarios with the paper-era configs (500 epochs × 64 actors × 32 steps), in the priority order of
# that page. Resumable: rerun to continue; finished runs (their summary.json exists) are skipped and an
# interrupted one resumes from its checkpoint. Raw runs go under the ignored runs/ (one sweep directory
# per stage); thin them into docs/ when finished.
# Usage: nohup nice -n 5 bash scripts/traffic-runs.sh [STAGE…] > runs/traffic-runs.log 2>&1 &
#   STAGE: be (B and E, 3 seeds), acd (A, C and D, 1 seed); default: both, in this order
set -euo pipefail
cd "$(dirname "$0")/.."
P="node apps/cli/dist/bin.js --backend wasm"
ALGOS=gippo,ppo,rp,lrp,lr
stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=(be acd)
for stage in "${stages[@]}"; do
  case "$stage" in
    # 1. B and E, where GI-PPO's margin in the paper is largest: every algorithm, seeds 1–3.
    be) $P sweep --algos "$ALGOS" --envs traffic-b,traffic-e --seeds 1,2,3 --workers 1 --out runs/gippo-traffic-be ;;
    # 2. A, C and D: every algorithm, seed 1.
    acd) $P sweep --algos "$ALGOS" --envs traffic-a,traffic-c,traffic-d --seeds 1 --workers 1 --out runs/gippo-traffic-acd ;;
    *) echo "traffic-runs: unknown stage '$stage' (stages: be, acd)" >&2; exit 2 ;;
  esac
done
