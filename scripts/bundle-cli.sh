#!/bin/bash
# Bundles the built CLI into one ESM file plus the .wasm files beside it, for a machine that has
# Node but no node_modules (e.g. a lent many-core machine without registry access).
# Usage: pnpm build && bash scripts/bundle-cli.sh OUT_DIR   →  node OUT_DIR/pathwise.mjs --help
set -euo pipefail
out=${1:?usage: bash scripts/bundle-cli.sh OUT_DIR}
cd "$(dirname "$0")/.."
esbuild=$(ls -d node_modules/.pnpm/esbuild@*/node_modules/esbuild/bin/esbuild | head -1)
mkdir -p "$out/wasm"
# --main-fields=module,main: one tfjs-core copy (ESM) for every importer, or the backends register on
# a second engine. The banner gives tfjs-backend-wasm's Node glue its CommonJS globals.
"$esbuild" apps/cli/dist/bin.js --bundle --platform=node --format=esm --target=node20 --main-fields=module,main \
  --outfile="$out/pathwise.mjs" --log-level=error \
  --banner:js="import { createRequire as __cr } from 'module'; import { fileURLToPath as __fu } from 'url'; import { dirname as __dn } from 'path'; const require = __cr(import.meta.url); const __filename = __fu(import.meta.url); const __dirname = __dn(__filename);"
cp packages/backend-wasm/dist/wasm/*.wasm "$out/wasm/"
echo "bundle: $out/pathwise.mjs"
