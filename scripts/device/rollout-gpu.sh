#!/usr/bin/env bash
# Device check of issue 14, for a machine with a GPU: `pathwise bench rollout` on webgpu in Node up to
# 65 536 envs (fused and op-by-op env steps) and scripts/bench/rollout_torch.py on CUDA (on the CPU
# when torch sees no GPU), written as ONE JSON file, $OUT/rollout-gpu.json (default ./device-out).
# Needs the built working tree (node_modules, dist) and nothing from the network; ends within 450 s.
#
#   scripts/device/rollout-gpu.sh [--batches 256,1024,4096,16384,65536] [--budget-s 450]
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT="${OUT:-device-out}"
if [ ! -f apps/cli/dist/bin.js ]; then
  echo "apps/cli/dist/bin.js is missing: build first (node -e \"import('./scripts/lib.mjs').then(m=>m.installAndBuild())\")" >&2
  exit 1
fi
# A hard stop past the script's own time boxes (480 s < 8 min), so that the check never overruns.
exec timeout -s KILL 480 node scripts/device/rollout-gpu.mjs --out "$OUT" "$@"
