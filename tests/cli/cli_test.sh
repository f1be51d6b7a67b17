#!/usr/bin/env bash
# End-to-end checks of the vigil command line on a model written by the builder.
# Usage: cli_test.sh VIGIL MAKE_TEST_MODEL WORKDIR
set -u
VIGIL=$1 MAKE=$2 WORK=$3
rm -rf "$WORK" && mkdir -p "$WORK"
source "$(dirname "$0")/checks.sh"

check "make model" "$MAKE" "$WORK"
check "help" "$VIGIL" --help
for cmd in info run convert detect; do check "$cmd --help" "$VIGIL" $cmd --help; done
check "info" "$VIGIL" info "$WORK/model.vgl"
"$VIGIL" info "$WORK/model.vgl" >"$WORK/info.txt" 2>&1
check "info shows the memory plan" grep -q "memory plan: arena" "$WORK/info.txt"
check "info shows the nodes" grep -q "Softmax" "$WORK/info.txt"
check "info shows the metadata" grep -q "class_names" "$WORK/info.txt"
check "run" "$VIGIL" run "$WORK/model.vgl" --input image="$WORK/image.npy" --input aux="$WORK/aux.npy" --output-dir "$WORK/out"
check "run reproduces the in-process outputs exactly (probs)" cmp "$WORK/out/probs.npy" "$WORK/expected_probs.npy"
check "run reproduces the in-process outputs exactly (pool)" cmp "$WORK/out/pool.npy" "$WORK/expected_pool.npy"

check_error "unknown command" "unknown command" "$VIGIL" frobnicate
check_error "unknown flag" "unknown option '--bogus'" "$VIGIL" info "$WORK/model.vgl" --bogus
check_error "missing value" "needs a value" "$VIGIL" run "$WORK/model.vgl" --input
check_error "missing input" "was not given" "$VIGIL" run "$WORK/model.vgl" --input image="$WORK/image.npy"
check_error "wrong input name" "no input named 'nope'" "$VIGIL" run "$WORK/model.vgl" --input nope="$WORK/image.npy"
check_error "wrong input shape" "but input 'image' is" "$VIGIL" run "$WORK/model.vgl" --input image="$WORK/aux.npy" --input aux="$WORK/aux.npy"
printf 'not a numpy file at all' >"$WORK/bad.npy"
check_error "malformed npy" "bad.npy" "$VIGIL" run "$WORK/model.vgl" --input image="$WORK/bad.npy" --input aux="$WORK/aux.npy"
check_error "missing model" "model-that-does-not-exist.vgl" "$VIGIL" info "$WORK/model-that-does-not-exist.vgl"
head -c 100 "$WORK/model.vgl" >"$WORK/truncated.vgl"
check_error "truncated model" "truncated.vgl" "$VIGIL" info "$WORK/truncated.vgl"
check_error "convert without -o" "missing -o" "$VIGIL" convert "$WORK/x.onnx"
check_error "convert unknown type" "unknown model type" "$VIGIL" convert "$WORK/model.txt" -o "$WORK/y.vgl"

echo "cli: $passed passed, $failed failed"
[ $failed -eq 0 ]
