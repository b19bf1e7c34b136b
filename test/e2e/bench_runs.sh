#!/usr/bin/env bash
# make bench's program still works: one short run of every kind of step on the 2 Mbit/s sample (as
# both of its streams), against bin/server and the bench's floor server, ends with the summary table,
# and every kind of step in it measured something. Figures are make bench's job: this checks that
# the bench measures, not how fast anything is.
source "$(dirname "$0")/lib.sh"
[[ -x $BIN/bench ]] || fail "$BIN/bench is missing (make test builds it)"
# Its output and the logs of the processes it starts go to $T/*.log, where lib.sh looks for sanitizer reports.
"$BIN/bench" --bin "$BIN" --stream "$SAMPLE" --low-stream "$SAMPLE" --work-dir "$T" --runs 1 \
    --clients 10 --rate 50 --seconds 1 --settle 0.2 --storm 10 --many 10 --many-rate 50 --many-seconds 1 \
    --hls 10 --hls-rate 50 --edge-seconds 1 >"$T/bench.log" 2>&1 || { tail -30 "$T/bench.log"; fail "bench failed"; }
cat "$T/bench.log"

# row LABEL: the summary's row whose label starts with LABEL (the first one, for the indented ones).
summary=$(sed -n '/^== summary/,$p' "$T/bench.log")
[[ -n $summary ]] || fail "no summary table"
row() { grep -m1 -F -- "$1" <<<"$summary" || fail "no summary row \"$1\""; }
# measured ROW_TEXT WHAT: the row's "ours" cell starts with a number, not "-" (nothing measured).
measured() { [[ $1 =~ \ {2,}[0-9.]+(\ /\ [0-9.]+)?\ + ]] || fail "$2 was not measured: $1"; }
measured "$(row "live-edge delay p99 / max, ms, 2.0 Mbit/s")" "the live-edge delay"
measured "$(row "10 viewers of 2.0 Mbit/s arriving 50/s: CPU s/GB")" "steady arrivals' CPU"
measured "$(row "  slowest viewer, % of the stream's rate")" "the slowest viewer"
measured "$(row "join storm of 10")" "the join storm"
measured "$(row "10 viewers of 2.0 Mbit/s arriving 50/s: held")" "the many-viewer step"
measured "$(row "10 HLS players of 2.0 Mbit/s arriving 50/s: CPU s/GB")" "the HLS players' CPU"
row "  CPU s/GB / that of 10 TS viewers" >/dev/null  # a number once a window holds CPU ticks of both
grep -q "^server hls  *players 10, playing 10," "$T/bench.log" || fail "not every HLS player fetched a segment"
[[ $(row "  segments not starting with a PAT") =~ \ 0\ +-\ +-\ +=\ 0\ +yes ]] || fail "HLS segments without a PAT first"
# Keyframe timings need a keyframe within a window this short: the rows must be there, not the figures.
row "  first keyframe p50 / p99, ms" >/dev/null
row "  worst behind the stream's clock" >/dev/null
# The floor ran beside the server: its cell in the CPU row holds a number too.
[[ $(row "10 viewers of 2.0 Mbit/s arriving 50/s: CPU s/GB") =~ s/GB\ +[0-9.]+\ +[0-9.]+\  ]] || fail "the floor was not measured"
