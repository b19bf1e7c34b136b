#!/usr/bin/env bash
# Runs the Catch2 unit tests and every end-to-end script in test/e2e; the last line is "N passed, N failed".
# Env: BIN (folder of the binaries under test), SAMPLE (the sample stream). An e2e script exits 0 to pass,
# 77 to report itself skipped, anything else to fail.
set -u
cd "$(dirname "$0")/.."
export BIN=${BIN:-bin} SAMPLE=${SAMPLE:-build/media/sample.ts}
BIN=$(realpath "$BIN"); SAMPLE=$(realpath "$SAMPLE")
# Sanitizer reports land in each program's log, where the e2e cleanup looks for them.
export TSAN_OPTIONS="suppressions=$PWD/test/tsan.supp ${TSAN_OPTIONS:-}"
export ASAN_OPTIONS="detect_leaks=1 ${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1 ${UBSAN_OPTIONS:-}"
passed=0 failed=0 skipped=0
failures=()

echo "== unit tests ($BIN/unit_tests)"
unit_out=$("$BIN/unit_tests" 2>&1); unit_rc=$?
summary=$(echo "$unit_out" | grep -E "^(All tests passed|test cases:)" | tail -1)
echo "$summary"
if [[ $summary =~ All\ tests\ passed.*in\ ([0-9]+)\ test\ case ]]; then
    passed=$((passed + BASH_REMATCH[1]))
elif [[ $summary =~ test\ cases:\ +([0-9]+)\ \|\ +([0-9]+)\ passed\ \|\ +([0-9]+)\ failed ]]; then
    passed=$((passed + BASH_REMATCH[2])); failed=$((failed + BASH_REMATCH[3]))
    echo "$unit_out" | tail -60
    failures+=("unit tests")
else
    echo "$unit_out" | tail -60
    failed=$((failed + 1)); failures+=("unit tests (rc=$unit_rc)")
fi
if [[ $unit_rc -ne 0 && ${#failures[@]} -eq 0 ]]; then failed=$((failed + 1)); failures+=("unit tests (rc=$unit_rc)"); fi

echo "== end-to-end tests"
for script in test/e2e/[a-z]*.sh; do
    name=$(basename "$script" .sh)
    [[ $name == lib || $name == netns ]] && continue  # sourced by tests, not tests
    [[ -n ${ONLY:-} && $name != *$ONLY* ]] && continue
    log=$(mktemp /tmp/restreamer-e2e.XXXXXX)
    start=$(date +%s)
    timeout -k 5 180 bash "$script" >"$log" 2>&1; rc=$?
    secs=$(( $(date +%s) - start ))
    if [[ $rc -eq 0 ]]; then
        passed=$((passed + 1)); echo "PASS $name (${secs}s)"
    elif [[ $rc -eq 77 ]]; then
        skipped=$((skipped + 1)); echo "SKIP $name: $(tail -1 "$log")"
    else
        failed=$((failed + 1)); failures+=("$name"); echo "FAIL $name (rc=$rc, ${secs}s); last lines:"
        tail -25 "$log" | sed 's/^/    /'
    fi
    rm -f "$log"
done

[[ ${#failures[@]} -gt 0 ]] && echo "failed: ${failures[*]}"
[[ $skipped -gt 0 ]] && echo "$skipped skipped"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
