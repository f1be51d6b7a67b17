#!/usr/bin/env bash
# End-to-end checks of `vigil detect` on the tiny action model and plain detector make_test_model writes
# (tests/cli/make_test_action_model.h): every input kind, exact per-frame probabilities against the
# brute-force whole-video computation, segments, --stride, --realtime, --annotate and bad inputs.
# Usage: detect_test.sh VIGIL MAKE_TEST_MODEL WORKDIR
set -u
VIGIL=$1 MAKE=$2 WORK=$3
rm -rf "$WORK" && mkdir -p "$WORK"
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $1"; [ -f "$WORK/err.txt" ] && head -5 "$WORK/err.txt"; }
# detect NAME OUT ARGS...: vigil detect must succeed; stdout to OUT, stderr to err.txt
detect() {
  local name=$1 out=$2; shift 2
  if "$VIGIL" detect "$@" >"$out" 2>"$WORK/err.txt"; then ok; else bad "$name (exit $?)"; fi
}
expect() {  # expect NAME COMMAND...: the command must succeed (a check on outputs)
  local name=$1; shift
  if "$@" >/dev/null 2>&1; then ok; else bad "$name"; fi
}
check_error() {  # check_error NAME PATTERN ARGS...: vigil detect must fail (exit 1 or 2, no crash) printing PATTERN
  local name=$1 pattern=$2; shift 2
  "$VIGIL" detect "$@" >"$WORK/out.txt" 2>"$WORK/err.txt"; local rc=$?
  if [ $rc -ne 0 ] && [ $rc -lt 128 ] && grep -q -- "$pattern" "$WORK/err.txt" && ! grep -q '"type":"frame"' "$WORK/out.txt"
  then ok; else bad "$name (exit $rc, wanted '$pattern' and no frame processed)"; fi
}
# Per-frame "action p0 p1 p2" from detect's output, comparable to make_test_model's expected_*.txt.
actions() { grep '"type":"frame"' "$1" | sed -E 's/.*"action":"([a-z]+)","actions":\[([^]]*)\].*/\1 \2/' | tr ',' ' '; }
field() { grep '"type":"summary"' "$1" | grep -o "\"$2\":[0-9.]*" | cut -d: -f2; }
segments() { grep '"type":"segment"' "$1" | sed -E 's/.*"label":"([a-z]+)".*"start_frame":([0-9]+),"end_frame":([0-9]+).*/\1 \2 \3/' | tr '\n' ';'; }

"$MAKE" "$WORK" >/dev/null || { echo "FAIL: make_test_model"; exit 1; }
cd "$WORK"
FRAME_BYTES=$((32 * 32 * 3))
WANT_SEGMENTS="wave 6 12;walk 16 22;"

# Raw RGB from a file: every frame's probabilities equal the whole-video brute force, digit for digit.
detect "raw rgb file" raw.jsonl action.vgl frames.rgb --size 32x32
actions raw.jsonl >raw.txt
expect "raw rgb: probabilities equal the brute force (stride 3, the default T/2)" cmp raw.txt expected_s3.txt
expect "raw rgb: frame lines in order 0..22" test "$(grep -o '"frame":[0-9]*' raw.jsonl | cut -d: -f2 | tr '\n' ' ')" = "$(seq -s ' ' 0 22) "
expect "raw rgb: segments" test "$(segments raw.jsonl)" = "$WANT_SEGMENTS"
expect "raw rgb: segment times from the default 30 fps" grep -q '"start_frame":6,"end_frame":12,"start_time":0.200,"end_time":0.433' raw.jsonl
expect "raw rgb: summary" grep -q '"type":"summary","frames":23,"bad_frames":0,"dropped_frames":0,"segments":2' raw.jsonl
expect "raw rgb: boxes with class names" grep -q '"label":"cat","score":' raw.jsonl

expect "raw rgb: the window input also feeds a Concat: no projection reuse, windows over embeddings" grep -q '"window":6,"stride":3,"reuses_projections":false' raw.jsonl

# The window feeding one LSTM: each frame's LSTM input projection is computed once, in the frame part, and
# reused by every window. Float rounding differs from the whole-graph run (the Gemm sums W x), so the
# probabilities are compared within 1e-6, and top-1 exactly.
detect "hoisted projections" lstm.jsonl action_lstm.vgl frames.rgb --size 32x32
actions lstm.jsonl >lstm.txt
expect "hoisted: the summary says the projections are reused" grep -q '"reuses_projections":true' lstm.jsonl
expect "hoisted: probabilities within 1e-6 of the brute force, same top-1" awk '
  NR == FNR { want[FNR] = $0; next }
  { split(want[FNR], w, " "); if ($1 != w[1]) bad = 1
    for (i = 2; i <= 4; ++i) { d = $i - w[i]; if (d < 0) d = -d; if (d > 1e-6) bad = 1 } }
  END { exit bad || NR != 2 * 23 }' expected_lstm_s3.txt lstm.txt
expect "hoisted: the frames' probabilities differ (the check has teeth)" test "$(cut -d' ' -f2 lstm.txt | sort -u | wc -l)" -ge 20

detect "pre-hoisted model" pre.jsonl action_prehoisted.vgl frames.rgb --size 32x32
actions pre.jsonl >pre.txt
expect "pre-hoisted: reported as reusing projections" grep -q '"reuses_projections":true' pre.jsonl
expect "pre-hoisted: the same numbers as hoisting at load" cmp pre.txt lstm.txt

detect "stride 1" s1.jsonl action.vgl frames.rgb --size 32x32 --stride 1
actions s1.jsonl >s1.txt
expect "--stride 1: probabilities equal the brute force" cmp s1.txt expected_s1.txt
expect "--stride 1 differs from stride 3 (the windows matter)" bash -c "! cmp -s s1.txt expected_s3.txt"

detect "short stream" short.jsonl action.vgl short.rgb --size 32x32
actions short.jsonl >short.txt
expect "a stream shorter than the window is padded like inference.py" cmp short.txt expected_short.txt

# Raw RGB on stdin, with a trailing partial frame: reported with its number, the rest processed.
head -c $((23 * FRAME_BYTES - 100)) frames.rgb | "$VIGIL" detect action.vgl - --size 32x32 >pipe.jsonl 2>err.txt
expect "raw rgb stdin: exit 0 despite the partial frame" test $? -eq 0
expect "raw rgb stdin: the partial frame is reported" grep -q "frame 22 is truncated: 2972 of 3072 bytes" err.txt
expect "raw rgb stdin: 22 frames, 1 bad" test "$(field pipe.jsonl frames) $(field pipe.jsonl bad_frames)" = "22 1"

# Y4M from a file and from stdin: the same decoded frames, the header's 25 fps for times.
detect "y4m file" y4m.jsonl action.vgl video.y4m
"$VIGIL" detect action.vgl - <video.y4m >y4m_stdin.jsonl 2>err.txt
expect "y4m stdin equals y4m file (frames and segments)" cmp <(actions y4m.jsonl; segments y4m.jsonl) <(actions y4m_stdin.jsonl; segments y4m_stdin.jsonl)
expect "y4m: segments" test "$(segments y4m.jsonl)" = "$WANT_SEGMENTS"
expect "y4m: times from the header's F25:1" grep -q '"start_frame":6,"end_frame":12,"start_time":0.240,"end_time":0.520' y4m.jsonl
expect "y4m: --fps overrides the header" bash -c "'$VIGIL' detect action.vgl video.y4m --fps 10 | grep -q '\"start_time\":0.600,\"end_time\":1.300'"

# A corrupt FRAME marker mid-stream: reported with its number, skipped, the stream continues.
"$VIGIL" detect action.vgl - <corrupt.y4m >corrupt.jsonl 2>err.txt
expect "corrupt y4m: exit 0" test $? -eq 0
expect "corrupt y4m: frame 5 reported" grep -q "skipping a frame: <stdin>: frame 5: expected a FRAME marker" err.txt
expect "corrupt y4m: 22 frames, 1 bad" test "$(field corrupt.jsonl frames) $(field corrupt.jsonl bad_frames)" = "22 1"
expect "corrupt y4m: frame 5 has no line, frame 6 has" bash -c "! grep -q '\"frame\":5,' corrupt.jsonl && grep -q '\"frame\":6,' corrupt.jsonl"

# A Y4M stream cut inside its last frame: that frame is reported, the others processed.
head -c $(($(stat -c %s video.y4m) - 500)) video.y4m | "$VIGIL" detect action.vgl - >cut.jsonl 2>err.txt
expect "truncated y4m: exit 0" test $? -eq 0
expect "truncated y4m: frame 22 reported" grep -q "skipping a frame: <stdin>: frame 22 is truncated" err.txt
expect "truncated y4m: 22 frames, 1 bad" test "$(field cut.jsonl frames) $(field cut.jsonl bad_frames)" = "22 1"

# A directory of PNG frames: lossless, so exactly the raw RGB numbers; --fps for times.
detect "image dir" dir.jsonl action.vgl frames --fps 10
actions dir.jsonl >dir.txt
expect "image dir: probabilities equal the brute force" cmp dir.txt expected_s3.txt
expect "image dir: source names" grep -q '"source":"f007.png"' dir.jsonl
expect "image dir: --fps 10 for times" grep -q '"start_time":0.600,"end_time":1.300' dir.jsonl

# Thresholds: above every probability nothing opens; segments need on >= off.
detect "--on 0.9" on.jsonl action.vgl frames.rgb --size 32x32 --on 0.9 --off 0.5
expect "--on 0.9: no segments" test "$(field on.jsonl segments)" = "0"

# --annotate: one PNG per frame, with the boxes and the action drawn (frames differ from the input).
detect "annotate" ann.jsonl action.vgl frames --annotate ann
expect "annotate: 23 images" test "$(ls ann | wc -l)" -eq 23
expect "annotate: the drawing changed the frame" bash -c "! cmp -s ann/f007.png frames/f007.png"
detect "annotate jpg" annj.jsonl action.vgl frames --annotate annj --annotate-format jpg
expect "annotate jpg: 23 JPEG images" test "$(ls annj/*.jpg | wc -l)" -eq 23
expect "annotate jpg: JPEG signature" bash -c "head -c 3 annj/f007.jpg | od -An -tx1 | grep -q 'ff d8 ff'"
check_error "annotate format unknown" "--annotate-format: 'gif' is not png or jpg" action.vgl frames --annotate annx --annotate-format gif
check_error "annotate format without a directory" "--annotate-format needs --annotate DIR" action.vgl frames --annotate-format jpg

# --realtime. Paced at 200 fps: never faster than the rate, every frame accounted for.
rt_start=$(date +%s%N)
detect "realtime 200 fps" rt.jsonl action.vgl frames.rgb --size 32x32 --realtime --fps 200
rt_ms=$((($(date +%s%N) - rt_start) / 1000000))
expect "realtime: frames + dropped = 23" test $(($(field rt.jsonl frames) + $(field rt.jsonl dropped_frames))) -eq 23
# 23 frames released over 22 intervals of 5 ms: the run cannot end before 110 ms (unpaced it takes a few ms).
# (The summary's fps is not a bound: on a loaded machine the processing may start late, after the first
# frames were released and dropped, and then counts fewer frames over a shorter span.)
expect "realtime: paced (the run takes >= 22 x 5 ms)" test "$rt_ms" -ge 110
expect "realtime: one line per processed frame" test "$(grep -c '"type":"frame"' rt.jsonl)" = "$(field rt.jsonl frames)"
# Far faster than processing can go: frames are dropped, not queued, and counted. 20 copies of the 23 frames
# (460): with only 23, a loaded machine (ctest -j) sometimes starved the reader thread long enough for the
# processing to keep up with every frame, and nothing was dropped.
for _ in $(seq 20); do cat frames.rgb; done >frames20.rgb
detect "realtime overload" rto.jsonl action.vgl frames20.rgb --size 32x32 --realtime --fps 1000000
expect "realtime overload: frames dropped and counted" test "$(field rto.jsonl dropped_frames)" -ge 1
expect "realtime overload: frames + dropped = 460" test $(($(field rto.jsonl frames) + $(field rto.jsonl dropped_frames))) -eq 460
"$VIGIL" detect action.vgl - --realtime --fps 500 <corrupt.y4m >rtc.jsonl 2>err.txt
expect "realtime: a corrupt frame is reported, the stream goes on" bash -c "grep -q 'frame 5: expected a FRAME' err.txt && grep -q '\"bad_frames\":1' rtc.jsonl"

# A plain detector: boxes per frame, no actions or segments, the summary with dropped_frames.
detect "plain detector" plain.jsonl detector.vgl video.y4m
expect "plain detector: 23 frame lines with boxes" test "$(grep -c '"boxes":\[{' plain.jsonl)" -eq 23
expect "plain detector: no actions, no segments" bash -c "! grep -q 'actions\|\"type\":\"segment\"\|\"segments\"' plain.jsonl"
expect "plain detector: summary" grep -q '"type":"summary","frames":23,"bad_frames":0,"dropped_frames":0,"fps"' plain.jsonl
detect "plain detector realtime" plainrt.jsonl detector.vgl frames --realtime --fps 500

# Bad input: clear errors before any frame is processed.
check_error "wrong --size (file length)" "frames.rgb: 70656 bytes is not a whole number of 31x32 RGB frames (2976 bytes each): is --size right?" action.vgl frames.rgb --size 31x32
check_error "malformed --size" "--size: '32by32' is not a frame size" action.vgl frames.rgb --size 32by32
check_error "--size out of range" "size 0x32 is outside" action.vgl frames.rgb --size 0x32
check_error "--size on a y4m" "not raw RGB" action.vgl video.y4m --size 32x32
printf 'garbage\n' >garbage.y4m
check_error "not a y4m" "garbage.y4m: not a Y4M stream" action.vgl garbage.y4m
check_error "empty stdin" "empty input" action.vgl - --size 32x32 </dev/null
check_error "model without YoloDetect (plain)" "model.vgl: the model has no YoloDetect or BoxNms node" model.vgl frames
check_error "action model without YoloDetect" "noyolo.vgl: the model has no YoloDetect or BoxNms node" noyolo.vgl frames
check_error "mismatched metadata" "mismatch.vgl.*action_window_input.*expected \[5,1,8\]" mismatch.vgl frames
check_error "--stride above T" "--stride: '7' is not a whole number of frames in 1..6" action.vgl frames --stride 7
check_error "--stride 0" "--stride: '0'" action.vgl frames --stride 0
check_error "--stride on a plain detector" "--stride: detector.vgl has no temporal head" detector.vgl frames --stride 2
check_error "--off above --on" "--off 0.7 is above --on 0.6" action.vgl frames --off 0.7
check_error "--on not a number" "--on: 'high' is not a number" action.vgl frames --on high
check_error "--fps zero" "--fps: '0' is not a frame rate" action.vgl frames --fps 0
check_error "missing input" "no-such-dir: no such file or directory" action.vgl no-such-dir

echo "cli detect: $passed passed, $failed failed"
[ $failed -eq 0 ]
