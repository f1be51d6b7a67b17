#!/usr/bin/env bash
# `vigil convert` + `vigil info` + `vigil detect` on a YOLOv2 [region] model end to end (vigil's own
# tests/darknet/cfg/yolov2-tiny-voc-small.cfg with generated weights): the converted model carries the region
# decoding, and detect reports boxes of VOC class ids on a real photo.
# Usage: detect_region_test.sh VIGIL PYTHON SOURCE_DIR IMAGE WORKDIR
set -u
VIGIL=$1 PYTHON=$2 SRC=$3 IMAGE=$4 WORK=$5
rm -rf "$WORK" && mkdir -p "$WORK"
CFG="$SRC/tests/darknet/cfg/yolov2-tiny-voc-small.cfg"
fail() { echo "FAIL: $1"; [ -f "$WORK/err.txt" ] && head -5 "$WORK/err.txt"; exit 1; }

"$PYTHON" "$SRC/tools/darknet/random_weights.py" "$CFG" "$WORK/tiny.weights" --seed 7 --head-gain 8 2>"$WORK/err.txt" ||
  fail "random_weights.py"
"$VIGIL" convert "$CFG" "$WORK/tiny.weights" -o "$WORK/tiny.vgl" >/dev/null 2>"$WORK/err.txt" || fail "vigil convert"
"$VIGIL" info "$WORK/tiny.vgl" >"$WORK/info.txt" 2>"$WORK/err.txt" || fail "vigil info"
grep -q "yolo_decode = region" "$WORK/info.txt" || fail "info: no 'yolo_decode = region' metadata"
grep -q "decode=region" "$WORK/info.txt" || fail "info: the YoloDetect node does not decode the region way"
"$VIGIL" detect "$WORK/tiny.vgl" "$IMAGE" >"$WORK/detect.jsonl" 2>"$WORK/err.txt" || fail "vigil detect"
frame=$(grep '"type":"frame"' "$WORK/detect.jsonl") || fail "detect: no frame line"
boxes=$(echo "$frame" | grep -o '"class_id":[0-9]*' | cut -d: -f2)
[ -n "$boxes" ] || fail "detect: no box (the generated head is scaled so that there are some)"
for c in $boxes; do [ "$c" -lt 20 ] || fail "detect: class id $c is not a VOC class (0..19)"; done
echo "ok: $(echo "$boxes" | wc -l) boxes"
