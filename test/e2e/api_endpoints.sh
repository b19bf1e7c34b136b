#!/usr/bin/env bash
# restreamer's API resources against real viewers: health (exact keys and types; "ok", then "full" at
# fullconnections while viewers are still accepted up to maxconnections, then 503), statistics (every
# key; ok/full/overload; total_bytes_sent equal to what the curl viewers received), check (200 "200 ok"
# / 404 "404 not found" as the upstream comes and goes), control (?offline 202 drops and refuses
# viewers, ?online 202 lets them in, neither 400), prometheus (Content-Type, per-stream labels,
# counters equal to the viewers' bytes, `promtool check metrics` clean), and every Content-Type.
source "$(dirname "$0")/lib.sh"
# Debian's python3 when there is one: a pyenv shim costs 100 ms per call, and checks call it often.
PY=$(command -v /usr/bin/python3 || command -v python3)
start_source src1 "$SAMPLE"
port1=$SOURCE_PORT
start_source src2 "$SAMPLE"
port2=$SOURCE_PORT
src2_pid=$LAST_PID
cat >"$T/server.json" <<JSON
{ "listen": "127.0.0.1:0", "timeout": 2, "reconnect": 1, "readtimeout": 3,
  "maxconnections": 3, "fullconnections": 2,
  "resources": [
    { "type": "stream", "serve": "/tv.ts", "remote": "http://127.0.0.1:$port1/stream.ts" },
    { "type": "stream", "serve": "/two.ts", "remote": "http://127.0.0.1:$port2/stream.ts" },
    { "type": "stream", "serve": "/dead.ts", "remote": "http://127.0.0.1:1/none.ts" },
    { "type": "api", "api": "health", "serve": "/health" },
    { "type": "api", "api": "statistics", "serve": "/statistics" },
    { "type": "api", "api": "prometheus", "serve": "/metrics" },
    { "type": "api", "api": "check", "serve": "/check/tv", "remote": "/tv.ts" },
    { "type": "api", "api": "check", "serve": "/check/two", "remote": "/two.ts" },
    { "type": "api", "api": "check", "serve": "/check/dead", "remote": "/dead.ts" },
    { "type": "api", "api": "control", "serve": "/control/tv", "remote": "/tv.ts" },
    { "type": "api", "api": "control", "serve": "/control/two", "remote": "/two.ts" }
  ] }
JSON
start_server "$T/server.json"
url="http://127.0.0.1:$SERVER_PORT"
wait_until 10 stream_connected /tv.ts || { cat "$T/server.log"; fail "/tv.ts never connected"; }
wait_until 10 stream_connected /two.ts || { cat "$T/server.log"; fail "/two.ts never connected"; }

# get PATH: a GET; sets STATUS, BODY (the body is also in $T/body) and CTYPE (Content-Type).
get() {
    rm -f "$T/body" "$T/headers"  # curl writes no file for an empty body
    STATUS=$(curl -s -m 5 -D "$T/headers" -o "$T/body" -w '%{http_code}' "$url$1" || true)
    BODY=$(cat "$T/body" 2>/dev/null || true)
    CTYPE=$(tr -d '\r' <"$T/headers" 2>/dev/null | sed -n 's/^[Cc]ontent-[Tt]ype: //p' | tail -1)
}
# expect PATH STATUS CONTENT-TYPE [EXACT-BODY]
expect() {
    get "$1"
    [[ $STATUS == "$2" ]] || fail "GET $1: status $STATUS, expected $2 (body: $BODY)"
    [[ $CTYPE == "$3" ]] || fail "GET $1: Content-Type '$CTYPE', expected '$3'"
    if (( $# >= 4 )); then [[ $BODY == "$4" ]] || fail "GET $1: body '$BODY', expected '$4'"; fi
    return 0
}
# json EXPR: evaluates a Python expression over the last body, parsed as `j`.
json() { "$PY" -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$T/body" "$1"; }
# metric NAME [LABELS]: one sample's value from the last body (Prometheus text).
metric() {
    local want=$1
    [[ -z ${2:-} ]] || want+="{$2}"
    awk -v want="$want" '$1 == want { print $2 }' "$T/body"
}
health_viewers_are() { get /health && [[ $(json 'j["viewer"]') == "$1" ]]; }
# gone PID: the background process PID has exited (a zombie counts: it is not reaped until `wait`).
gone() { [[ ! -e /proc/$1/stat || $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) == Z ]]; }
json_int() { [[ $(json "type(j['$1']).__name__") == int ]] || fail "$2: $1 is not an integer: $BODY"; }

log "health and statistics with no viewer: exact keys and types"
expect /health 200 application/json
echo "$BODY"
[[ $(json 'list(j.keys())') == "['status', 'viewer', 'limit', 'max', 'bandwidth']" ]] || fail "health keys: $BODY"
for key in viewer limit max bandwidth; do json_int "$key" health; done
[[ $(json 'j["status"]') == ok ]] || fail "health status with no viewer: $BODY"
[[ $(json '(j["viewer"], j["limit"], j["max"])') == "(0, 2, 3)" ]] || fail "health figures: $BODY"

stat_keys="status connections max_connections full_connections accept_failures total_packets_received total_packets_sent
total_packets_dropped total_bytes_received total_bytes_sent total_bytes_dropped total_stream_time_ns
packets_per_second_received packets_per_second_sent packets_per_second_dropped bytes_per_second_received
bytes_per_second_sent bytes_per_second_dropped access_log_write_failures total_hls_requests total_hls_bytes_sent streams
tr101290_errors tr101290_streams_active"
expect /statistics 200 application/json
echo "$BODY"
[[ $(json "sorted(j) == sorted('$(tr '\n' ' ' <<<"$stat_keys")'.split())") == True ]] || fail "statistics keys differ: $BODY"
for key in $stat_keys; do [[ $key == status || $key == streams || $key == tr101290_* ]] || json_int "$key" statistics; done
[[ $(json 'sorted(j["tr101290_errors"])') == "['cc_error', 'pat_error', 'pcr_discontinuity_error', 'pcr_interval_error', 'pid_error', 'pmt_error', 'sync_byte_error', 'sync_loss']" ]] ||
    fail "statistics tr101290_errors keys: $BODY"
# Streams by state: the two live ones connected, /dead.ts failed (its remote refuses).
[[ $(json 'sorted(j["streams"].items())') == "[('connected', 2), ('failed', 1), ('idle', 0), ('offline', 0), ('starting', 0)]" ]] ||
    fail "statistics streams by state: $BODY"
[[ $(json '(j["status"], j["connections"], j["max_connections"], j["full_connections"], j["total_bytes_sent"])') == "('ok', 0, 3, 2, 0)" ]] ||
    fail "statistics figures with no viewer: $BODY"
(( $(json 'j["total_packets_received"]') > 0 )) || fail "no packets counted as received: $BODY"
[[ $(json 'j["total_bytes_received"] == 188 * j["total_packets_received"]') == True ]] || fail "received bytes are not whole packets: $BODY"

log "check, control and prometheus: status, Content-Type, body"
expect /check/tv 200 text/plain "200 ok"
expect /check/dead 404 text/plain "404 not found"
expect /control/tv 400 text/plain "400 bad request"
expect "/control/tv?bogus=1" 400 text/plain "400 bad request"
expect /metrics 200 "text/plain; version=0.0.4; charset=utf-8"
expect /nothing-here 404 text/plain

log "viewers: ok below fullconnections, full at it, still accepted up to maxconnections, then 503"
viewer() {  # NAME PATH: a curl viewer in the background; its bytes in $T/NAME.ts, its time in $T/NAME.time
    curl -s -o "$T/$1.ts" -w '%{time_total}\n' "$url$2" >"$T/$1.time" &
    PIDS+=($!)
    eval "pid_$1=$!"
}
viewer a /tv.ts
wait_until 5 health_viewers_are 1 || fail "health never showed 1 viewer: $BODY"
[[ $(json 'j["status"]') == ok ]] || fail "health with 1 of fullconnections 2 is not ok: $BODY"
get /statistics
[[ $(json 'j["status"]') == ok ]] || fail "statistics with 1 viewer: $BODY"
viewer b /two.ts
wait_until 5 health_viewers_are 2 || fail "health never showed 2 viewers: $BODY"
[[ $(json 'j["status"]') == full ]] || fail "health at fullconnections is not full: $BODY"
get /statistics
[[ $(json '(j["status"], j["connections"])') == "('full', 2)" ]] || fail "statistics at fullconnections: $BODY"
viewer c /tv.ts
wait_until 5 health_viewers_are 3 || fail "a viewer above fullconnections was not accepted: $BODY"
[[ $(json 'j["status"]') == full ]] || fail "health at maxconnections is not full: $BODY"
get /statistics
[[ $(json '(j["status"], j["connections"])') == "('overload', 3)" ]] || fail "statistics at maxconnections: $BODY"
expect /tv.ts 503 text/plain "too many connections"
expect /two.ts 503 text/plain "too many connections"
wait_until 5 test -s "$T/c.ts" || fail "the viewer above fullconnections gets no data"

log "rates and Prometheus while three viewers watch"
sleep 1.5  # the fast-start bursts are over; rates are taken over at least a second
get /statistics
sleep 1.2
expect /statistics 200 application/json
echo "$BODY"
bps_in=$(json 'j["bytes_per_second_received"]')
# Two upstreams of the 2 Mbit/s sample: about 500 000 bytes/s.
(( bps_in > 300000 && bps_in < 800000 )) || fail "bytes_per_second_received $bps_in for two 2 Mbit/s streams"
[[ $(json 'abs(j["packets_per_second_received"] * 188 - j["bytes_per_second_received"]) <= 188') == True ]] ||
    fail "packet and byte rates disagree: $BODY"
bps_out=$(json 'j["bytes_per_second_sent"]')
(( bps_out > 450000 && bps_out < 1200000 )) || fail "bytes_per_second_sent $bps_out for three viewers of 2 Mbit/s"
get /health
bandwidth=$(json 'j["bandwidth"]')
echo "health bandwidth: $bandwidth kbit/s"
(( bandwidth > 3500 && bandwidth < 9500 )) || fail "health bandwidth $bandwidth kbit/s for three viewers of 2 Mbit/s"

expect /metrics 200 "text/plain; version=0.0.4; charset=utf-8"
cp "$T/body" "$T/metrics.txt"
promtool check metrics <"$T/metrics.txt" || { cat "$T/metrics.txt"; fail "promtool check metrics fails"; }
[[ $(metric restreamer_stream_connections 'stream="/tv.ts"') == 2 ]] || fail "prometheus: /tv.ts connections"
[[ $(metric restreamer_stream_connections 'stream="/two.ts"') == 1 ]] || fail "prometheus: /two.ts connections"
[[ $(metric restreamer_stream_connections 'stream="/dead.ts"') == 0 ]] || fail "prometheus: /dead.ts connections"
[[ $(metric restreamer_connections) == 3 ]] || fail "prometheus: restreamer_connections"
[[ $(metric restreamer_max_connections) == 3 && $(metric restreamer_full_connections) == 2 ]] || fail "prometheus: limits"
[[ $(metric restreamer_access_log_write_failures_total) == 0 ]] || fail "prometheus: access log failures without an access log"
[[ $(metric restreamer_source_connected 'stream="/tv.ts"') == 1 ]] || fail "prometheus: /tv.ts source not connected"
[[ $(metric restreamer_source_connected 'stream="/dead.ts"') == 0 ]] || fail "prometheus: /dead.ts source connected"
for s in /tv.ts /two.ts; do
    for name in restreamer_packets_received_total restreamer_bytes_received_total restreamer_bytes_sent_total \
        restreamer_viewer_duration_seconds_total restreamer_input_bitrate; do
        v=$(metric $name "stream=\"$s\"")
        [[ -n $v ]] && "$PY" -c 'import sys; sys.exit(float(sys.argv[1]) <= 0)' "$v" || fail "prometheus: $name{stream=\"$s\"} is '$v'"
    done
    # The 2 Mbit/s sample, measured over the last second or more.
    v=$(metric restreamer_input_bitrate "stream=\"$s\"")
    "$PY" -c 'import sys; sys.exit(not 1.2e6 < float(sys.argv[1]) < 3.2e6)' "$v" || fail "prometheus: input bitrate of $s is $v"
    [[ $(metric restreamer_input_cc_errors_total "stream=\"$s\"") == 0 ]] || fail "prometheus: CC errors on $s"
done

log "control ?offline ends the viewers of that stream only and refuses new ones"
expect "/control/tv?offline" 202 text/plain "202 accepted"
for p in $pid_a $pid_c; do
    wait_until 3 gone "$p" || fail "a viewer of /tv.ts was not disconnected by ?offline"
done
! gone "$pid_b" || fail "the viewer of /two.ts was disconnected by /tv.ts going offline"
expect /tv.ts 503 text/plain "stream offline"
grep -q 'event=client_disconnected stream=/tv.ts .*reason="stream set offline"' "$T/server.log" || fail "offline disconnect not logged"
# Ends the /two.ts viewer the same way, so every viewer received all the server sent.
expect "/control/two?offline" 202 text/plain "202 accepted"
wait_until 3 gone "$pid_b" || fail "the viewer of /two.ts was not disconnected by ?offline"
wait_until 3 health_viewers_are 0 || fail "health still counts viewers after they left: $BODY"

log "counters against the bytes the viewers received"
size() { stat -c %s "$T/$1.ts"; }
tv_bytes=$(( $(size a) + $(size c) ))
two_bytes=$(size b)
echo "viewers received: /tv.ts $tv_bytes bytes, /two.ts $two_bytes bytes"
(( tv_bytes > 500000 && two_bytes > 500000 )) || fail "viewers received too little to compare"
# within_percent MEASURED EXPECTED PERCENT WHAT
within_percent() {
    "$PY" -c 'import sys; m, e, p = map(float, sys.argv[1:4]); sys.exit(not abs(m - e) <= e * p / 100)' "$1" "$2" "$3" ||
        fail "$4 is $1, expected $2 within $3 %"
    echo "$4: $1 (expected $2)"
}
expect /statistics 200 application/json
echo "$BODY"
within_percent "$(json 'j["total_bytes_sent"]')" $(( tv_bytes + two_bytes )) 2 "statistics total_bytes_sent"
[[ $(json 'j["total_packets_sent"] * 188 == j["total_bytes_sent"]') == True ]] || fail "total_packets_sent is not bytes/188: $BODY"
[[ $(json '(j["total_packets_dropped"], j["total_bytes_dropped"], j["connections"], j["status"])') == "(0, 0, 0, 'ok')" ]] ||
    fail "statistics after the viewers left: $BODY"
curl_seconds=$(cat "$T/a.time" "$T/b.time" "$T/c.time" | "$PY" -c 'import sys; print(sum(float(x) for x in sys.stdin.read().split()))')
within_percent "$(json 'j["total_stream_time_ns"] / 1e9')" "$curl_seconds" 10 "statistics total_stream_time_ns in s"

expect /metrics 200 "text/plain; version=0.0.4; charset=utf-8"
promtool check metrics <"$T/body" || fail "promtool check metrics fails after the viewers left"
[[ $(metric restreamer_upstream_connects_total 'stream="/tv.ts"') == 1 ]] || fail "prometheus: /tv.ts upstream connects is not 1"
[[ $(metric restreamer_upstream_connects_total 'stream="/dead.ts"') == 0 ]] || fail "prometheus: /dead.ts connected"
(( $(metric restreamer_upstream_failures_total 'stream="/dead.ts"') > 0 )) || fail "prometheus: /dead.ts upstream failures not counted"
within_percent "$(metric restreamer_bytes_sent_total 'stream="/tv.ts"')" "$tv_bytes" 2 "prometheus bytes_sent_total{/tv.ts}"
within_percent "$(metric restreamer_bytes_sent_total 'stream="/two.ts"')" "$two_bytes" 2 "prometheus bytes_sent_total{/two.ts}"
within_percent "$(metric restreamer_packets_sent_total 'stream="/tv.ts"')" $(( tv_bytes / 188 )) 2 "prometheus packets_sent_total{/tv.ts}"
[[ $(metric restreamer_bytes_sent_total 'stream="/dead.ts"') == 0 ]] || fail "prometheus: bytes sent on /dead.ts"

log "control ?online lets viewers in again"
expect "/control/tv?online" 202 text/plain "202 accepted"
capture "$url/tv.ts" 1 "$T/d.ts"
"$BIN/ts_check" "$T/d.ts" >/dev/null && (( $(ts_figure "$T/d.ts" bytes) > 100000 )) || fail "no stream for a viewer after ?online"
expect /two.ts 503 text/plain "stream offline"
expect "/control/two?online" 202 text/plain "202 accepted"

log "check follows the upstream: 404 once /two.ts's source is gone"
expect /check/two 200 text/plain "200 ok"
kill "$src2_pid"
wait_until 10 bash -c "[[ \$(curl -s -o /dev/null -w '%{http_code}' $url/check/two) == 404 ]]" || fail "check stayed 200 with the upstream gone"
expect /check/two 404 text/plain "404 not found"
expect /check/tv 200 text/plain "200 ok"
expect /metrics 200 "text/plain; version=0.0.4; charset=utf-8"
[[ $(metric restreamer_source_connected 'stream="/two.ts"') == 0 ]] || fail "prometheus: /two.ts source still connected"
[[ $(metric restreamer_source_connected 'stream="/tv.ts"') == 1 ]] || fail "prometheus: /tv.ts source not connected"

# restart_with SED_EXPR NAME: the server again, on server.json as SED_EXPR edits it (into NAME.json).
restart_with() {
    sed "$1" "$T/server.json" >"$T/$2.json"
    ! cmp -s "$T/server.json" "$T/$2.json" || fail "sed '$1' changed nothing in server.json"
    kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null
    start_server "$T/$2.json"
    url="http://127.0.0.1:$SERVER_PORT"
}

log "nostats on one stream: it is left out of the metrics, the others stay"
restart_with 's|"serve": "/two.ts",|"serve": "/two.ts", "nostats": true,|' nostats_two
expect /metrics 200 "text/plain; version=0.0.4; charset=utf-8"
[[ -n $(metric restreamer_source_connected 'stream="/tv.ts"') ]] || fail "prometheus: /tv.ts missing"
[[ -z $(metric restreamer_source_connected 'stream="/two.ts"') ]] || fail "prometheus: /two.ts shown despite its nostats"

log "nostats: statistics and prometheus answer 404; health still answers"
restart_with 's/"maxconnections": 3,/"maxconnections": 3, "nostats": true,/' nostats
expect /statistics 404 text/plain "404 statistics disabled (nostats)"
expect /metrics 404 text/plain "404 statistics disabled (nostats)"
expect /health 200 application/json
echo "PASS"
