#!/bin/bash
# Full-loop PIPPS cart-pole comparison: {tp, rp, lr, gr} with the GP and tp with the ensemble, per
# seed, each run one single-threaded process (size SEEDS to the cores: 5 runs per seed). Each run is
# stopped after LIMIT seconds; its finished trials stay in its run directory (checkpointed per trial,
# so `pathwise pipps train --resume --out DIR` continues it). The run directories go under runs/
# (ignored); `node scripts/thin-runs.mjs runs/pipps-cartpole-compare docs/reproduction/pipps-cartpole-compare`
# copies what docs/reproduction keeps of them (docs/reproduction/README.md).
# Env: BIN (default: the built CLI), OUT_DIR (default: runs/pipps-cartpole-compare), TRIALS, STEPS,
# PARTICLES, LIMIT, SEEDS.
set -u
bin=${BIN:-apps/cli/dist/bin.js}
out=${OUT_DIR:-runs/pipps-cartpole-compare}
mkdir -p "$out"
run() {
  local name=$1; shift
  timeout -k 20 -s TERM "${LIMIT:-420}" node "$bin" pipps train --trials "${TRIALS:-10}" --particles "${PARTICLES:-100}" \
    --horizon 30 --policy-steps "${STEPS:-100}" --backend wasm --out "$out/$name" "$@" > "$out/$name.log" 2>&1
  echo "$name exit $?"
}
for s in ${SEEDS:-1 2 3}; do
  for m in tp rp lr gr; do run "$m-gp-seed$s" --method "$m" --model gp --seed "$s" & done
  run "tp-ensemble-seed$s" --method tp --model ensemble --seed "$s" &
done
wait
