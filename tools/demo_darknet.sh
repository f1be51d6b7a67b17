#!/usr/bin/env bash
# Converts a real darknet detector (Yolo-Fastest 1.1 XL, COCO, from
# ../shared/data) to .vgl and runs `vigil detect` over the sample photos, printing one JSON line per
# image and writing annotated frames to build/demo/annotated-darknet/.
# A plain detector: any darknet YOLO converted by `vigil convert` runs this way (boxes, no actions).
# Usage: bash tools/demo_darknet.sh [IMAGE_OR_DIRECTORY]
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
BUILD="${VIGIL_BUILD_DIR:-build}"
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target vigil_cli
DATA=../shared/data
mkdir -p "$BUILD/demo"
"$BUILD/vigil" convert "$DATA/yolo-fastest/yolo-fastest-1.1-xl.cfg" "$DATA/yolo-fastest/yolo-fastest-1.1-xl.weights" \
  --names "$DATA/darknet/coco.names" -o "$BUILD/demo/yolo-fastest-1.1-xl.vgl"
"$BUILD/vigil" detect "$BUILD/demo/yolo-fastest-1.1-xl.vgl" "${1:-$DATA/images}" --annotate "$BUILD/demo/annotated-darknet"
echo "annotated frames: $BUILD/demo/annotated-darknet/"
