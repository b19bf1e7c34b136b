#!/usr/bin/env bash
# fuzz_corpus_replays.sh - every input of the committed fuzz corpus (test/fuzz/corpus/<target>/) still
# passes its target's checks: $BIN/fuzz_<target>_replay (made by `make test`, or `make fuzz-replay-bins`)
# runs each file once, so a parser regression fails the normal suite without clang or libFuzzer.
# Needs only BIN; runs no server, so it does not use lib.sh.
set -euo pipefail
BIN=$(realpath "${BIN:-bin}")
cd "$(dirname "$0")/../.."

fail() { echo "FAIL: $*" >&2; exit 1; }

targets=(ts video_rap config url http)
for t in "${targets[@]}"; do
    replay=$BIN/fuzz_${t}_replay
    corpus=test/fuzz/corpus/$t
    [[ -x $replay ]] || fail "$replay is missing (make fuzz-replay-bins)"
    files=$(find "$corpus" -maxdepth 1 -type f | wc -l)
    (( files > 0 )) || fail "$corpus is empty"
    out=$(mktemp /tmp/restreamer-fuzz-replay.XXXXXX)
    rc=0
    "$replay" "$corpus" >"$out" 2>&1 || rc=$?
    if [[ $rc -ne 0 ]]; then
        # The replay names each input before running it: the last name is the one that failed.
        tail -40 "$out" >&2
        rm -f "$out"
        fail "$t: an input of $corpus fails (exit $rc), last named above"
    fi
    replayed=$(sed -n 's/.*: \([0-9]*\) inputs replayed$/\1/p' "$out")
    rm -f "$out"
    [[ $replayed == "$files" ]] || fail "$t: replayed ${replayed:-0} of $files inputs"
    echo "ok: $t: $files inputs"
done
