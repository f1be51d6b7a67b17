#!/usr/bin/env bash
# `vigil convert --metadata FILE.json --yolo-heads A,B` end to end on a tiny ONNX action model, and the
# errors for malformed or inconsistent metadata (each names the file, key or byte offset).
# Usage: convert_test.sh VIGIL MAKE_CONVERT_TEST_MODEL WORKDIR
set -u
VIGIL=$1 MAKE=$2 WORK=$3
rm -rf "$WORK" && mkdir -p "$WORK"
source "$(dirname "$0")/checks.sh"

check "make model" "$MAKE" "$WORK"
M="$WORK/action.onnx"
# The metadata of a complete action model; variants below replace one line.
good_json() {
  cat <<'JSON'
{
  "input_size": [16, 16],
  "channel_order": "RGB",
  "mean": [0, 0, 0],
  "std": [1, 1, 1],
  "class_names": ["person", "ball"],
  "yolo_anchors": [2, 3, 4, 5, 8, 8, 12, 10],
  "yolo_masks": [2, 3, 0, 1],
  "yolo_anchors_per_head": [2, 2],
  "yolo_scale_x_y": [1.05, 1.05],
  "yolo_score_threshold": 0.05,
  "yolo_nms_threshold": 0.45,
  "temporal_window": 4,
  "action_labels": ["nobody", "wave", "walk"],
  "action_background": 0,
  "action_image_input": "image",
  "action_embedding": "embedding",
  "action_window_input": "window",
  "action_scores": "scores",
  "note": "unknown keys are kept: caf\u00e9"
}
JSON
}
good_json >"$WORK/good.json"
check "convert with metadata and YOLO heads" "$VIGIL" convert "$M" --metadata "$WORK/good.json" --yolo-heads head_a,head_b -o "$WORK/action.vgl"
"$VIGIL" info "$WORK/action.vgl" >"$WORK/info.txt" 2>&1
check "info: YoloDetect node" grep -q "YoloDetect" "$WORK/info.txt"
check "info: action labels" grep -q "action_labels" "$WORK/info.txt"
check "info: yolo_heads recorded" grep -q "yolo_heads.*head_a" "$WORK/info.txt"
check "info: unknown key kept" grep -q "note" "$WORK/info.txt"
check "run the converted model" "$VIGIL" run "$WORK/action.vgl" --input image="$WORK/image.npy" --input window="$WORK/window.npy" --output-dir "$WORK/out"
check "run wrote detections" test -s "$WORK/out/detections.npy"
check "run wrote scores" test -s "$WORK/out/scores.npy"
check "convert with metadata only (no YOLO decoding)" "$VIGIL" convert "$M" --metadata "$WORK/good.json" -o "$WORK/heads_only.vgl"
# Replacing a key the importer set is allowed, and said on stderr; keeping its value says nothing.
sed 's/"note":/"source_format": "hand-made", "onnx_opset": 13, "note":/' "$WORK/good.json" >"$WORK/override.json"
"$VIGIL" convert "$M" --metadata "$WORK/override.json" -o "$WORK/override.vgl" 2>"$WORK/override.err" >/dev/null
check "override: converted" test -s "$WORK/override.vgl"
check "override: noted" grep -q "override.json: metadata key 'source_format' replaces the model's value onnx with hand-made" "$WORK/override.err"
check "override: same value not noted" sh -c "! grep -q onnx_opset '$WORK/override.err'"
"$VIGIL" info "$WORK/override.vgl" >"$WORK/override_info.txt" 2>&1
check "override: new value stored" grep -q "hand-made" "$WORK/override_info.txt"

# variant NAME SED-EXPR: good.json with one edit
variant() { good_json | sed -e "$2" >"$WORK/$1.json"; }
bad() {  # bad NAME PATTERN SED-EXPR [extra convert args]: the edited metadata must be rejected, nothing written
  local name=$1 pattern=$2 expr=$3; shift 3
  variant "$name" "$expr"
  rm -f "$WORK/bad.vgl"
  check_error "$name" "$pattern" "$VIGIL" convert "$M" --metadata "$WORK/$name.json" --yolo-heads head_a,head_b -o "$WORK/bad.vgl" "$@"
  if [ -e "$WORK/bad.vgl" ]; then failed=$((failed + 1)); echo "FAIL: $name wrote a file"; fi
}
bad trailing_comma "trailing_comma.json: JSON at byte 568: expected a string key" 's/"scores"$/"scores",/; /"note"/d'
bad wrong_kind "wrong_kind.json: metadata key 'input_size': is string, expected ints" 's/"input_size": \[16, 16\]/"input_size": "16x16"/'
bad float_for_int "metadata key 'temporal_window': is float, expected int" 's/"temporal_window": 4/"temporal_window": 4.0/'
bad mixed_array "mixed_array.json: metadata key 'class_names' at byte .*: an array mixes strings and numbers" 's/"ball"/7/'
bad boolean "metadata key 'action_background' at byte .*: is a boolean" 's/"action_background": 0/"action_background": true/'
bad missing_action_key "metadata key 'action_scores': is missing" '/"action_scores"/d'
bad background_range "metadata key 'action_background': is 3, out of range for the 3 action_labels" 's/"action_background": 0/"action_background": 3/'
bad not_an_output "metadata key 'action_embedding': names 'pooled', which is not a graph output" 's/"embedding",/"pooled",/'
bad label_count "metadata key 'action_scores': output shape \[4,1,3\], expected \[4,1,2\]" 's/"nobody", "wave", "walk"/"nobody", "wave"/'
bad window_size "metadata key 'action_window_input': input shape \[4,1,3\], expected \[5,1,3\]" 's/"temporal_window": 4/"temporal_window": 5/'
bad no_anchors "--yolo-heads: YOLO decoding needs metadata key 'yolo_anchors'" '/"yolo_anchors"/d; s/"yolo_masks": \[2, 3, 0, 1\]/"yolo_masks": [0]/; s/"yolo_anchors_per_head": \[2, 2\]/"yolo_anchors_per_head": [1]/; s/"yolo_scale_x_y": \[1.05, 1.05\]/"yolo_scale_x_y": [1]/'
bad class_count "does not fit the heads: YoloDetect .yolo_detect.: head 0 has shape \[1,14,16,16\]: expected 16 channels" 's/"person", "ball"/"person", "ball", "cup"/'
bad threshold_range "metadata key 'yolo_score_threshold': is 1.5, must be in \[0, 1\]" 's/"yolo_score_threshold": 0.05/"yolo_score_threshold": 1.5/'
bad masks_range "'yolo_masks': anchor index 4 is out of range (4 anchors)" 's/"yolo_masks": \[2, 3, 0, 1\]/"yolo_masks": [2, 4, 0, 1]/'
bad duplicate_key "duplicate_key.json: JSON at byte .*: key \"mean\" appears twice" 's/"std": \[1, 1, 1\]/"mean": [1, 1, 1]/'
bad leading_zero "JSON at byte .*: a number may not have leading zeros" 's/"temporal_window": 4/"temporal_window": 04/'
bad bad_escape "JSON at byte .*: invalid escape" 's/caf\\u00e9/caf\\q/'

printf '%0.s[' $(seq 70) >"$WORK/deep.json"
check_error "nesting depth" "deep.json: JSON at byte 64: nesting deeper than 64 levels" "$VIGIL" convert "$M" --metadata "$WORK/deep.json" -o "$WORK/bad.vgl"
printf '[1, 2]' >"$WORK/array.json"
check_error "not an object" "array.json: JSON at byte 0: is an array; expected an object" "$VIGIL" convert "$M" --metadata "$WORK/array.json" -o "$WORK/bad.vgl"
check_error "missing metadata file" "no-such.json: cannot open" "$VIGIL" convert "$M" --metadata "$WORK/no-such.json" -o "$WORK/bad.vgl"
check_error "unknown head" "--yolo-heads: 'nope' is not an output of the model" "$VIGIL" convert "$M" --metadata "$WORK/good.json" --yolo-heads head_a,nope -o "$WORK/bad.vgl"
check_error "empty head name" "--yolo-heads 'head_a,': an empty name" "$VIGIL" convert "$M" --metadata "$WORK/good.json" --yolo-heads head_a, -o "$WORK/bad.vgl"
check_error "head count vs anchors_per_head" "'yolo_anchors_per_head' has 2 entries for 1 YOLO heads" "$VIGIL" convert "$M" --metadata "$WORK/good.json" --yolo-heads head_a -o "$WORK/bad.vgl"
# --decoded-boxes (its success path: tools/onnx/check_decoded_boxes.py, ctest onnx_decoded_boxes).
check_error "decoded boxes: no boxes_format" "--decoded-boxes: YOLO decoding needs metadata key 'boxes_format'" "$VIGIL" convert "$M" --metadata "$WORK/good.json" --decoded-boxes head_a -o "$WORK/bad.vgl"
sed 's/"note"/"boxes_format": "yolov7", "note"/' "$WORK/good.json" >"$WORK/v7.json"
check_error "decoded boxes: unknown format" "metadata key 'boxes_format': is 'yolov7', expected \"yolov5\" or \"yolov8\"" "$VIGIL" convert "$M" --metadata "$WORK/v7.json" --decoded-boxes head_a -o "$WORK/bad.vgl"
sed 's/"note"/"boxes_format": "yolov8", "note"/' "$WORK/good.json" >"$WORK/v8.json"
check_error "decoded boxes: not an output" "--decoded-boxes: 'nope' is not an output of the model" "$VIGIL" convert "$M" --metadata "$WORK/v8.json" --decoded-boxes nope -o "$WORK/bad.vgl"
check_error "decoded boxes: a 4-D head" "--decoded-boxes: the boxes do not fit boxes_format 'yolov8': " "$VIGIL" convert "$M" --metadata "$WORK/v8.json" --decoded-boxes head_a -o "$WORK/bad.vgl"
check_error "decoded boxes with yolo heads" "--decoded-boxes and --yolo-heads both add detections; give one" "$VIGIL" convert "$M" --metadata "$WORK/v8.json" --decoded-boxes head_a --yolo-heads head_a,head_b -o "$WORK/bad.vgl"
check_error "hoist: the window is not read by an LSTM" "--hoist-lstm-projection: hoist_lstm_input_projection: 'window' is read by MatMul 'act', not an LSTM" "$VIGIL" convert "$M" --metadata "$WORK/good.json" --hoist-lstm-projection -o "$WORK/bad.vgl"
check_error "hoist: not an action model" "--hoist-lstm-projection needs an action model" "$VIGIL" convert "$M" --hoist-lstm-projection -o "$WORK/bad.vgl"

echo "cli convert: $passed passed, $failed failed"
[ $failed -eq 0 ]
