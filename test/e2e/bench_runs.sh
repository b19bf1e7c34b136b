#!/usr/bin/env bash
# make bench's program still works: on the 2 Mbit/s sample, a join storm of 20 viewers and 10
# viewers arriving at 40 a second, against bin/server and the bench's floor server, are all held
# with no CC errors, and every viewer's first keyframe is timed. (Figures are make bench's job:
# this checks that the bench measures, not how fast anything is.)
source "$(dirname "$0")/lib.sh"
[[ -x $BIN/bench ]] || fail "$BIN/bench is missing (make test builds it)"
"$BIN/bench" --bin "$BIN" --stream "$SAMPLE" --work-dir "$T/bench" --mbps 2 --clients 1,20 --seconds 2 --settle 0.5 \
    >"$T/storm.txt" 2>&1 || { tail -20 "$T/storm.txt"; fail "bench (storm) failed"; }
"$BIN/bench" --bin "$BIN" --stream "$SAMPLE" --work-dir "$T/bench" --mbps 2 --clients 10 --rate 40 --seconds 2 --settle 0.5 \
    --no-floor >"$T/rate.txt" 2>&1 || { tail -20 "$T/rate.txt"; fail "bench (--rate) failed"; }
cat "$T/storm.txt" "$T/rate.txt"

# check_step FILE WHO N: the step's line says all N answered and held, N first keyframes, no CC error.
check_step() {
    local line
    line=$(grep -E "^$2 +N=$3 " "$1") || fail "no $2 N=$3 line in $1"
    [[ $line == *"attempted $3, answered $3, held $3;"* ]] || fail "$2 N=$3 not all held: $line"
    [[ $line == *"($3 viewers)"* ]] || fail "$2 N=$3: not every viewer's first keyframe timed: $line"
    grep -A1 -E "^$2 +N=$3 " "$1" | tail -1 | grep -q "cc_err 0," || fail "$2 N=$3 has CC errors"
}
check_step "$T/storm.txt" server 1
check_step "$T/storm.txt" server 20
check_step "$T/storm.txt" floor 20
check_step "$T/rate.txt" server 10
# The table: one row per step, both servers' CPU per GB and their ratio.
grep -qE "^20 +20 +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ " "$T/storm.txt" || fail "no table row for 20 viewers"
