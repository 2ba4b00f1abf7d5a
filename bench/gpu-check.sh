#!/usr/bin/env bash
# The CUDA check of the torch backend, for a GPU machine that has python3 with a CUDA PyTorch 2.x
# (libtorch's headers and libraries inside site-packages/torch), a C++ compiler, no Node.js and no
# network. Two halves:
#
#   bash bench/gpu-check.sh pack   here: writes .gpu-check/ (≤ 64 MiB): this machine's node binary
#                                  (xz), the Node-API headers, node-addon-api, and one esbuild bundle
#                                  of bench/gpu-check.ts (every torch kernel case against the cpu
#                                  backend, gradients against finite differences, the reference step)
#   bash bench/gpu-check.sh run    there, in the repository root with .gpu-check/ beside native/:
#                                  builds native/ against that PyTorch's libtorch (LIBTORCH=…/torch),
#                                  runs the kernel cases on torch-cuda, then the reference training
#                                  step on torch (CPU) and torch-cuda, and prints the speed-up.
#
# PYTHON=/path/to/python3 picks the PyTorch (default: the first of /opt/torch/.venv/bin/python3,
# python3 whose torch has CUDA). Exit status 0 only when every case passes.
set -euo pipefail
cd "$(dirname "$0")/.."
PACK=.gpu-check

pack() {
  rm -rf "$PACK" && mkdir -p "$PACK/node-headers/include/node" "$PACK/node_modules"
  xz -T0 -6 -c "$(command -v node)" > "$PACK/node.xz"
  local headers
  headers=$(dirname "$(node -p "require.resolve('node-addon-api/package.json')")")
  cp -r "$headers" "$PACK/node_modules/node-addon-api"
  local nodeinc=/usr/include/node
  [ -e "$nodeinc/node_api.h" ] || nodeinc="$(dirname "$(command -v node)")/../include/node"
  cp "$nodeinc"/node_api.h "$nodeinc"/node_api_types.h "$nodeinc"/js_native_api.h "$nodeinc"/js_native_api_types.h "$PACK/node-headers/include/node/"
  node_modules/.bin/esbuild bench/gpu-check.ts --bundle --platform=node --format=esm --target=node20 \
    --outfile="$PACK/gpu-check.mjs" --log-level=warning \
    --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);"
  du -sh "$PACK"
  echo "carry $PACK (and nothing else is needed beyond the tracked tree); on the GPU machine: bash bench/gpu-check.sh run"
}

find_python() {
  for p in "${PYTHON:-}" /opt/torch/.venv/bin/python3 python3; do
    [ -n "$p" ] || continue
    command -v "$p" >/dev/null 2>&1 || continue
    if "$p" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then echo "$p"; return 0; fi
  done
  return 1
}

run() {
  [ -e "$PACK/node.xz" ] || { echo "no $PACK/: run 'bash bench/gpu-check.sh pack' on a machine with Node.js first" >&2; exit 2; }
  local node=/tmp/condformer-node
  xz -dc "$PACK/node.xz" > "$node" && chmod +x "$node"
  local python
  python=$(find_python) || { echo "no python3 with a CUDA-enabled torch found (set PYTHON=…)" >&2; exit 2; }
  local torchdir abi
  torchdir=$("$python" -c 'import os, torch; print(os.path.dirname(torch.__file__))')
  abi=$("$python" -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))')
  echo "PyTorch: $("$python" -c 'import torch; print(torch.__version__, "CUDA", torch.version.cuda, torch.cuda.get_device_name(0))') at $torchdir (C++11 ABI $abi)"
  [ -e node_modules/node-addon-api ] || { mkdir -p node_modules && cp -r "$PACK/node_modules/node-addon-api" node_modules/; }
  LIBTORCH="$torchdir" LIBTORCH_CXX11_ABI="$abi" npm_config_nodedir="$PWD/$PACK/node-headers" "$node" native/build.mjs --force
  # libtorch_cuda finds its CUDA libraries (site-packages/nvidia/*) through its own rpath.
  "$node" "$PACK/gpu-check.mjs" "$@"
}

case "${1:-}" in
  pack) pack ;;
  run) shift; run "$@" ;;
  *) echo "usage: bash bench/gpu-check.sh pack | run" >&2; exit 2 ;;
esac
