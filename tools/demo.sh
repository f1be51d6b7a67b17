#!/usr/bin/env bash
# The main job on a bundled default: the project's own action detector (models/actdet-demo, trained by
# tools/actdet/train.py on synthetic video) watches a sample video made by the project's own generator
# (tools/actdet/synth_video.py, seed 7: 30 s, 10 fps, 256x256, the same bytes on every machine). Prints the
# action segments and the summary; every line (one per frame too) goes to build/demo/detect.jsonl, and
# annotated frames (boxes and the current action) to build/demo/annotated/.
# Usage: bash tools/demo.sh [VIDEO.y4m | - | FRAME_DIRECTORY]
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
BUILD="${VIGIL_BUILD_DIR:-build}"
PYTHON="${VIGIL_VENV:-/opt/vigil-venv}/bin/python"
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target vigil_cli
mkdir -p "$BUILD/demo"
INPUT="${1:-$BUILD/demo/video_7.y4m}"
if [ $# -eq 0 ] && [ ! -f "$INPUT" ]; then
  "$PYTHON" tools/actdet/synth_video.py --out "$BUILD/demo" --seconds 30 --seed 7 --size 256
fi
rm -rf "$BUILD/demo/annotated"
"$BUILD/vigil" detect models/actdet-demo/actdet-demo.vgl "$INPUT" --annotate "$BUILD/demo/annotated" \
  > "$BUILD/demo/detect.jsonl"
grep -E '"type":"(segment|summary)"' "$BUILD/demo/detect.jsonl"
echo "all lines: $BUILD/demo/detect.jsonl; annotated frames: $BUILD/demo/annotated/"
if [ $# -eq 0 ]; then
  echo "ground truth of the sample video (per frame, and its segments in line 1): $BUILD/demo/video_7.jsonl"
fi
