#!/usr/bin/env bash
# TR 101 290 indicators on a misbehaving upstream: bin/source's stream passes through
# test/tools/ts_faults.py (a fork upstream), which the test switches live: CC errors on the audio
# PID, the PAT gone for 2 s, corrupted sync bytes, the video PID gone. Each indicator counts, logs
# one line when it starts and one when it stops, and moves its metric and the streams API.
source "$(dirname "$0")/lib.sh"
start_source src "$SAMPLE"
faulty_feeder
fault_file=$FAULT_FILE
cat >"$T/server.json" <<JSON
{ "listen": "127.0.0.1:0", "timeout": 2, "reconnect": 1, "readtimeout": 3,
  "resources": [
    {"type": "stream", "serve": "/tv.ts", "remote": "fork://$T/faulty.sh", "pid_timeout": 1},
    {"type": "api", "serve": "/streams.json", "api": "streams"},
    {"type": "api", "serve": "/statistics", "api": "statistics"},
    {"type": "api", "serve": "/metrics", "api": "prometheus"} ] }
JSON
start_server "$T/server.json"
wait_until 10 stream_connected /tv.ts || fail "stream never connected"

# metric NAME INDICATOR: restreamer's sample for /tv.ts, 0 when absent.
metric() {
    curl -s "http://127.0.0.1:$SERVER_PORT/metrics" |
        awk -v key="$1{stream=\"/tv.ts\",$2}" '$1 == key { print $2; found = 1 } END { if (!found) print 0 }'
}
errors() { metric restreamer_tr101290_errors_total "indicator=\"$1\""; }
# stream_json EXPR: EXPR over the streams API's entry for /tv.ts (as s).
stream_json() {
    curl -s "http://127.0.0.1:$SERVER_PORT/streams.json" |
        python3 -c "import json, sys; s = json.load(sys.stdin)[0]; print($1)"
}
lines() { grep -c "event=tr101290_error_$1 stream=/tv.ts indicator=$2 " "$T/server.log" || true; }
started() { (( $(lines started "$1") >= 1 )); }
stopped() { (( $(lines stopped "$1") >= 1 )); }

log "a healthy stream: no indicator fires"
sleep 2  # the window a healthy stream is watched for: PAT/PMT intervals, PIDs, PCRs
grep "event=tr101290" "$T/server.log" && fail "an indicator fired on the unchanged sample"
[[ $(stream_json 'sum(v["errors"] for v in s["tr101290"].values())') == 0 ]] || fail "errors counted on the unchanged sample"
[[ $(stream_json 'sorted(p["pid"] for p in s["pids"] if p["bits_per_second"] > 0)') == "[0, 17, 256, 257, 4096, 8191]" ]] ||
    fail "PIDs with a bitrate: $(stream_json 's["pids"]')"

# expect_indicator NAME FAULT SECONDS: FAULT for SECONDS (0: until NAME starts), then none; NAME
# started and stopped once each, and its counter moved.
expect_indicator() {
    local name=$1 fault=$2 seconds=$3 before after
    log "$fault: $name"
    before=$(errors "$name")
    echo "$fault" >"$fault_file"
    if (( seconds > 0 )); then sleep "$seconds"; fi  # how long the fault lasts
    wait_until 10 started "$name" || { tail -20 "$T/server.log"; fail "$name did not start on $fault"; }
    [[ $(stream_json "s['tr101290']['$name']['active']") == True ]] || fail "$name not active in the streams API"
    echo none >"$fault_file"
    wait_until 10 stopped "$name" || { tail -20 "$T/server.log"; fail "$name did not stop after $fault"; }
    grep "event=tr101290_error_[a-z]* stream=/tv.ts indicator=$name " "$T/server.log"
    (( $(lines started "$name") == 1 && $(lines stopped "$name") == 1 )) || fail "$name: not one start and one stop line"
    after=$(errors "$name")
    echo "restreamer_tr101290_errors_total{indicator=\"$name\"}: $before -> $after"
    (( after > before )) || fail "$name's counter did not move"
}

expect_indicator cc_error drop_audio 0
(( $(metric restreamer_pid_cc_errors_total 'pid="257"') > 0 )) || fail "no CC errors counted on PID 257"
[[ $(metric restreamer_pid_cc_errors_total 'pid="256"') == 0 ]] || fail "CC errors counted on PID 256"
expect_indicator pat_error no_pat 2
grep -q 'indicator=pat_error reason="no PAT for 500 ms"' "$T/server.log" && grep -q 'indicator=pat_error reason="PAT back"' "$T/server.log" || fail "pat_error's reasons"
expect_indicator sync_byte_error sync 0
expect_indicator pid_error no_video 0
grep -q 'indicator=pid_error reason="PID 256 not seen for 1000 ms"' "$T/server.log" || fail "pid_error's reason"
grep -q "event=tr101290_error_started stream=/tv.ts indicator=pcr_interval_error" "$T/server.log" ||
    fail "no PCR interval error while the PCR PID was gone"
(( $(lines started sync_loss) == 1 )) || fail "sync_loss did not start once with the corrupted sync bytes"
(( $(lines started pmt_error) == 0 )) || fail "pmt_error fired though the PMT never stopped"

log "statistics sums the streams"
curl -s "http://127.0.0.1:$SERVER_PORT/statistics" |
    python3 -c "import json, sys; e = json.load(sys.stdin)['tr101290_errors']; print(e); assert e['cc_error'] > 0 and e['pat_error'] > 0" ||
    fail "statistics tr101290_errors"
echo PASS
