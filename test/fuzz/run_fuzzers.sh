#!/usr/bin/env bash
# run_fuzzers.sh - `make fuzz` runs this after building build/fuzz/fuzz_<target>: each target for
# FUZZ_SECONDS on its committed corpus, new inputs kept in a scratch corpus under build/fuzz/, then
# one line per target with the executions done and whether it found a crash. FUZZ_MERGE=1 merges
# the scratch inputs that add coverage into test/fuzz/corpus/<target>/. Exits 1 when any target failed.
# Env: FUZZ_TARGETS (names), FUZZ_SECONDS (per target), FUZZ_MERGE, FUZZ_DIR (default build/fuzz).
set -uo pipefail
cd "$(dirname "$0")/../.."
FUZZ_DIR=${FUZZ_DIR:-build/fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_TARGETS=${FUZZ_TARGETS:-ts video_rap config url http}

# The longest input worth mutating, per target: ~60 TS packets after the 10 control bytes; a PES
# start is at most one packet's payload, with room to spare; a hand-written server.json; a URL; a
# response head with a short chunked body.
max_len() {
    case $1 in
    ts) echo 12000 ;;
    video_rap) echo 512 ;;
    config) echo 8192 ;;
    url) echo 1024 ;;
    http) echo 4096 ;;
    *) echo 4096 ;;
    esac
}

# The executions done: the final stats when the run ended normally, else the last status line.
executions() {
    local n
    n=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$1" | tail -1)
    [[ -n $n ]] || n=$(sed -n 's/^#\([0-9][0-9]*\).*/\1/p' "$1" | tail -1)
    echo "${n:-0}"
}

failed=()
summary=()
for t in $FUZZ_TARGETS; do
    bin=$FUZZ_DIR/fuzz_$t
    corpus=test/fuzz/corpus/$t
    scratch=$FUZZ_DIR/corpus/$t
    artifacts=$FUZZ_DIR/artifacts/$t
    log=$FUZZ_DIR/$t.log
    mkdir -p "$scratch" "$artifacts" "$corpus"
    echo "== fuzz_$t: ${FUZZ_SECONDS} s, -max_len=$(max_len "$t"), log $log"
    before=$(find "$artifacts" -type f | wc -l)
    # The scratch corpus comes first: libFuzzer writes new inputs into the first directory only.
    "$bin" -max_total_time="$FUZZ_SECONDS" -max_len="$(max_len "$t")" -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$artifacts/" "$scratch" "$corpus" >"$log" 2>&1
    rc=$?
    runs=$(executions "$log")
    after=$(find "$artifacts" -type f | wc -l)
    if [[ $rc -ne 0 || $after -gt $before ]]; then
        newest=$(ls -t "$artifacts" | head -1)
        line="fuzz_$t: $runs executions, FOUND A CRASH (exit $rc): $artifacts/$newest; see $log"
        failed+=("$t")
        grep -m1 -E "ERROR: |fuzz invariant broken|runtime error" "$log" | sed 's/^/    /'
    else
        line="fuzz_$t: $runs executions, no crash; scratch corpus $(find "$scratch" -type f | wc -l) inputs"
    fi
    if [[ ${FUZZ_MERGE:-} == 1 ]]; then
        # Edges only (-use_counters=0): hit counts would keep many near-copies of each input.
        "$bin" -merge=1 -use_counters=0 -max_len="$(max_len "$t")" "$corpus" "$scratch" >>"$log" 2>&1 &&
            line+="; merged: $corpus now $(find "$corpus" -type f | wc -l) inputs"
    fi
    echo "$line"
    summary+=("$line")
done

echo "== fuzz summary"
printf '%s\n' "${summary[@]}"
[[ ${#failed[@]} -eq 0 ]] || { echo "crashes in: ${failed[*]} (inputs under $FUZZ_DIR/artifacts/)"; exit 1; }
