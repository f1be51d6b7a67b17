#!/usr/bin/env bash
# Builds vigil and runs every test (unit tests, conformance against ONNX's node tests, oracle
# comparisons against OpenCV / ONNX Runtime, CLI tests). Usage: bash tools/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
BUILD="${VIGIL_BUILD_DIR:-build}"
# VIGIL_BENCH_ONEDNN: vigil-kbench's oneDNN column and its ctests (the engine never links oneDNN).
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DVIGIL_PYTHON="${VIGIL_VENV:-/opt/vigil-venv}/bin/python" \
  -DVIGIL_BENCH_ONEDNN="${VIGIL_BENCH_ONEDNN:-ON}" >/dev/null
cmake --build "$BUILD" -j"$(nproc)"
ctest --test-dir "$BUILD" --output-on-failure -j"$(nproc)"
