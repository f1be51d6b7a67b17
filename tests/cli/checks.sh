# The assertions the CLI test scripts share; source it after setting WORK (a scratch directory).
# Each check counts into passed/failed and prints the command's output when it fails.
passed=0 failed=0
check() {  # check NAME COMMAND...: the command must succeed
  local name=$1; shift
  if "$@" >"$WORK/out.txt" 2>&1; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $name"; cat "$WORK/out.txt"; fi
}
check_error() {  # check_error NAME PATTERN COMMAND...: must fail (exit 1 or 2, no crash) printing PATTERN
  local name=$1 pattern=$2; shift 2
  "$@" >"$WORK/out.txt" 2>&1; local rc=$?
  if [ $rc -ne 0 ] && [ $rc -lt 128 ] && grep -q -- "$pattern" "$WORK/out.txt"; then passed=$((passed + 1))
  else failed=$((failed + 1)); echo "FAIL: $name (exit $rc, wanted '$pattern')"; cat "$WORK/out.txt"; fi
}
