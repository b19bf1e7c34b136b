#!/usr/bin/env bash
# Origin and edges behind Debian's HAProxy with contrib/haproxy/haproxy.cfg as it is (issue 22): one
# bin/source, two origins (127.0.0.2, .3) with 10 channels each, three on-demand edges (127.0.0.11-13)
# with both origins as remotes, 150 retrying viewers over the 10 channels through HAProxy. Checks:
# every first capture CC-clean and the edges delivering in real time with no drops; the origins serve
# one connection per (edge, watched channel); a full edge gets no new viewers and keeps its own; an
# origin killed, the edges continue on the other with no viewer disconnected; a drained edge takes no
# new viewers and its viewers, closed at the deadline, play again elsewhere within 3 s; an edge killed
# with SIGKILL, its viewers play again through the others within 3 s.
# Skipped (exit 77) without haproxy (`make deps` installs it).
source "$(dirname "$0")/lib.sh"
PY=$(command -v /usr/bin/python3 || command -v python3)
SESSIONS="$PY $(cd "$(dirname "$0")/.." && pwd)/tools/viewer_sessions.py"
CFG="$(cd "$(dirname "$0")/../.." && pwd)/contrib/haproxy/haproxy.cfg"
command -v haproxy >/dev/null || { echo "skipped: haproxy is not installed (make deps installs it)"; exit 77; }
CHANNELS=10 NVIEWERS=150 MAX_GAP_S=3
CAPTURE=$((188 * 4000))  # each session's first 752 kB (3 s of the 2 Mbit/s sample) are kept
mkdir -p "$T/v"
VIEWER_LOOPS=()
stop_viewers() {
    touch "$T/stop"
    local pid
    for pid in "${VIEWER_LOOPS[@]}"; do pkill -TERM -P "$pid" 2>/dev/null || true; kill "$pid" 2>/dev/null || true; done
}
# errexit would end the trap at `(exit $rc)` before cleanup when the test failed.
trap 'rc=$?; set +e; stop_viewers; (exit $rc); cleanup' EXIT
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
now_ns() { date +%s%N; }

# start_named NAME CONFIG: bin/server with its log in $T/NAME.log; sets PORT and LAST_PID.
start_named() {
    "$BIN/server" "$2" 2>"$T/$1.log" &
    LAST_PID=$!; PIDS+=($LAST_PID)
    wait_until 10 grep -q "event=listening" "$T/$1.log" || { cat "$T/$1.log"; fail "$1 did not start"; }
    PORT=$(listening_port "$T/$1.log")
}
apis='{ "type": "api", "api": "health", "serve": "/health" },
      { "type": "api", "api": "statistics", "serve": "/statistics" },
      { "type": "api", "api": "streams", "serve": "/streams.json" },
      { "type": "api", "api": "drain", "serve": "/drain" }'
# origin_config ADDRESS: every channel from the one source, always on.
origin_config() {
    local c streams=""
    for c in $(seq $CHANNELS); do streams+="{\"type\": \"stream\", \"serve\": \"/ch$c.ts\", \"remote\": \"$remote\"},"; done
    echo "{ \"listen\": \"$1:0\", \"timeout\": 2, \"reconnect\": 1, \"resources\": [ $streams $apis ] }"
}
# edge_config ADDRESS:PORT FULLCONNECTIONS: every channel on demand from both origins.
edge_config() {
    local c streams=""
    for c in $(seq $CHANNELS); do
        streams+="{\"type\": \"stream\", \"serve\": \"/ch$c.ts\", \"remotes\": [\"http://$ORIGIN1/ch$c.ts\", \"http://$ORIGIN2/ch$c.ts\"]},"
    done
    cat <<JSON
{ "listen": "$1", "timeout": 5, "reconnect": 1, "readtimeout": 3, "ondemand": true, "linger": 30,
  "fullconnections": $2, "draindeadline": 3, "trustedproxies": [ "127.0.0.1" ], "log": "$T/access-${1%%:*}.json",
  "resources": [ $streams $apis ] }
JSON
}

# expect_played_again WAIT SINCE_NS HELD WHAT: within WAIT s, the HELD viewers that lost their edge
# at SINCE_NS (what happened: WHAT) are all playing again, none after more than MAX_GAP_S s.
expect_played_again() {
    local wait=$1 since=$2 held=$3 what=$4 result
    back() { $SESSIONS reconnected "$T" "$since" "$held"; }
    wait_until "$wait" back || { back || true; fail "$what: its $held viewers did not all play again"; }
    result=$(back); echo "$what ($held viewers): $result"
    [[ $result =~ max_gap_s=([0-9.]+) ]] && awk -v g="${BASH_REMATCH[1]}" -v m="$MAX_GAP_S" 'BEGIN { exit !(g <= m) }' ||
        fail "$what: a viewer took more than $MAX_GAP_S s to play again"
}

log "source, two origins, three edges, HAProxy with contrib/haproxy/haproxy.cfg"
start_source src "$SAMPLE"
remote="http://127.0.0.1:$SOURCE_PORT/stream.ts"
origin_config 127.0.0.2 >"$T/origin1.json"; start_named origin1 "$T/origin1.json"; ORIGIN1=127.0.0.2:$PORT; ORIGIN1_PID=$LAST_PID
origin_config 127.0.0.3 >"$T/origin2.json"; start_named origin2 "$T/origin2.json"; ORIGIN2=127.0.0.3:$PORT
EDGE=() EDGE_PID=()
for e in 1 2 3; do
    edge_config "127.0.0.1$e:0" 0 >"$T/edge$e.json"; start_named "edge$e" "$T/edge$e.json"
    EDGE[$e]=127.0.0.1$e:$PORT; EDGE_PID[$e]=$LAST_PID
    edge_config "${EDGE[$e]}" 0 >"$T/edge$e.json"  # its port fixed, for the reloads below
done
export VIEWERS=127.0.0.1:$(free_port) STATS=127.0.0.1:$(free_port) EDGE1=${EDGE[1]} EDGE2=${EDGE[2]} EDGE3=${EDGE[3]}
haproxy -c -f "$CFG" >"$T/haproxy-check.log" 2>&1 || { cat "$T/haproxy-check.log"; fail "haproxy rejects the contrib config"; }
haproxy -f "$CFG" -db >"$T/haproxy.log" 2>&1 &
PIDS+=($!)
VIA=http://$VIEWERS
# edge_state N: HAProxy's view of edge N (UP, DOWN, ...), from the stats page's CSV.
edge_state() { curl -s -m 2 "http://$STATS/stats;csv" | awk -F, -v s="edge$1" '$1 == "edges" && $2 == s { print $18 }'; }
edge_is() { [[ $(edge_state "$1") == "$2"* ]]; }
for e in 1 2 3; do wait_until 10 edge_is $e UP || { cat "$T/haproxy.log"; fail "edge$e never came up in haproxy"; }; done

# first_bytes BASE: keeps a session's first CAPTURE bytes in BASE.ts and the time of its first byte
# in BASE.t0; reads the rest away. dd takes exactly one byte, so the capture has no hole.
first_bytes() { { dd bs=1 count=1 status=none && now_ns >"$1.t0" && head -c $((CAPTURE - 1)); } >"$1.ts"; cat >/dev/null; }
# viewer ID CHANNEL: a player that reconnects 0.2 s after each end, from 127.0.0.9 (the address the
# edges must see through X-Forwarded-For), with a query the URI hash must ignore.
viewer() {
    local id=$1 url="$VIA/ch$2.ts?viewer=$1" seq=0 start code
    while [[ ! -e $T/stop ]]; do
        seq=$((seq + 1)); start=$(now_ns)
        code=$(curl -s -m 120 --interface 127.0.0.9 -o >(first_bytes "$T/v/$id.$seq") -w '%{http_code}' "$url" || true)
        echo "$id $seq $start $(now_ns) $code" >>"$T/sessions"
        sleep 0.2
    done
}
# start_viewer_loops FIRST LAST: viewers FIRST..LAST, viewer i on channel i mod CHANNELS + 1; returns
# once each of them plays.
start_viewer_loops() {
    local i
    for i in $(seq "$1" "$2"); do viewer "$i" $(( i % CHANNELS + 1 )) & VIEWER_LOOPS+=($!); done
    all_play() { local i; for i in $(seq "$1" "$2"); do [[ $(head -c1 "$T/v/$i.1.ts" 2>/dev/null) == G ]] || return 1; done; }
    wait_until 30 all_play "$1" "$2" || fail "not every viewer $1..$2 plays"
}
# json URL FILTER: a jq filter over a JSON API's answer.
json() { curl -s -m 3 "$1" | jq -r "$2"; }
viewers_of() { json "http://$1/health" .viewer; }
connected_count() { grep -c "event=client_connected" "$T/$1.log" || true; }
disconnected_count() { grep -c "event=client_disconnected" "$T/$1.log" || true; }
# busiest EDGES...: the one of the edges named with the most viewers.
busiest() { local e best=$1; for e in "$@"; do (( $(viewers_of "${EDGE[$e]}") > $(viewers_of "${EDGE[$best]}") )) && best=$e; done; echo "$best"; }

# bytes_sent: what the edges have sent their viewers, in bytes, over all three.
bytes_sent() { local e n=0; for e in 1 2 3; do n=$(( n + $(json "http://${EDGE[$e]}/statistics" .total_bytes_sent) )); done; echo $n; }

log "$NVIEWERS viewers over $CHANNELS channels through HAProxy"
start_viewer_loops 1 $NVIEWERS
sent_before=$(bytes_sent) measured_from=$(now_ns)
for e in 1 2 3; do echo "edge$e: $(viewers_of "${EDGE[$e]}") viewers"; done
captured() { local f n=0; for f in "$T"/v/*.1.ts; do (( $(stat -c %s "$f") == CAPTURE )) && n=$((n + 1)); done; (( n == NVIEWERS )); }
wait_until 30 captured || { stat -c "%s %n" "$T"/v/*.1.ts | sort -n | head -5; cat "$T/sessions" | head; fail "not every viewer captured $CAPTURE bytes"; }
cc_bad=0
for f in "$T"/v/*.1.ts; do "$BIN/ts_check" "$f" >/dev/null 2>&1 || { cc_bad=$((cc_bad + 1)); "$BIN/ts_check" "$f" || true; }; done
echo "first captures: $NVIEWERS of $CAPTURE bytes, $cc_bad with CC errors or not aligned"
(( cc_bad == 0 )) || fail "$cc_bad captures not clean"
# Real time: over the seconds of the captures, the edges sent each viewer the sample's 2 Mbit/s.
kbits=$(( ($(bytes_sent) - sent_before) * 8 * 1000000 / ($(now_ns) - measured_from) ))
drops=0
for e in 1 2 3; do drops=$(( drops + $(json "http://${EDGE[$e]}/statistics" .total_packets_dropped) )); done
echo "edges deliver $kbits kbit/s to $NVIEWERS viewers (the sample is 2 Mbit/s), $drops packets dropped"
(( kbits >= NVIEWERS * 1800 )) || fail "the edges deliver $kbits kbit/s, not real time for $NVIEWERS viewers"
(( drops == 0 )) || fail "$drops packets dropped for slow viewers"

log "the origins serve one connection per (edge, watched channel)"
pairs() { local e n=0; for e in 1 2 3; do n=$(( n + $(json "http://${EDGE[$e]}/streams.json" '[.[] | select(.state == "connected" or .state == "starting")] | length') )); done; echo $n; }
origin_connections() { echo $(( $(viewers_of "$ORIGIN1") + $(viewers_of "$ORIGIN2") )); }
one_per_pair() { [[ $(origin_connections) == $(pairs) ]]; }
wait_until 10 one_per_pair || fail "the origins serve $(origin_connections) connections for $(pairs) (edge, channel) pairs"
echo "origins: $(origin_connections) connections for $(pairs) (edge, channel) pairs open; $CHANNELS channels, 3 edges"
(( $(pairs) <= 2 * CHANNELS )) || fail "one channel's viewers are scattered over the edges (the hash must take the path only)"

log "a full edge gets no new viewers and keeps its own"
A=$(busiest 1 2 3)
edge_config "${EDGE[$A]}" 1 >"$T/edge$A.json"; kill -HUP "${EDGE_PID[$A]}"
wait_until 10 edge_is "$A" DOWN || fail "haproxy keeps edge$A in rotation while it is full"
connected=$(connected_count "edge$A") disconnected=$(disconnected_count "edge$A") held=$(viewers_of "${EDGE[$A]}")
start_viewer_loops $((NVIEWERS + 1)) $((NVIEWERS + CHANNELS))
(( $(connected_count "edge$A") == connected )) || fail "the full edge$A got new viewers"
(( $(disconnected_count "edge$A") == disconnected )) || fail "the full edge$A lost viewers"
echo "edge$A full: its $held viewers stay, $CHANNELS new viewers went to the other edges"
edge_config "${EDGE[$A]}" 0 >"$T/edge$A.json"; kill -HUP "${EDGE_PID[$A]}"
wait_until 10 edge_is "$A" UP || fail "edge$A did not come back into rotation"
NVIEWERS=$((NVIEWERS + CHANNELS))

log "an origin killed: the edges continue on the other, no viewer disconnected"
ended_before=$($SESSIONS ended "$T" 0)
killed_at=$(now_ns)
kill -KILL "$ORIGIN1_PID"
on_origin2() {
    local e
    for e in 1 2 3; do
        (( $(json "http://${EDGE[$e]}/streams.json" "[.[] | select(.viewers > 0 and (.state != \"connected\" or (.upstream | contains(\"$ORIGIN2\") | not)))] | length") == 0 )) || return 1
    done
}
wait_until 15 on_origin2 || fail "the edges did not all continue on the second origin"
echo "all edges on origin2 after $(( ($(now_ns) - killed_at) / 1000000 )) ms"
(( $($SESSIONS ended "$T" "$killed_at") == 0 )) || fail "$($SESSIONS ended "$T" "$killed_at") viewers were disconnected by the origin failover"

log "a drained edge takes no new viewers; its viewers, closed at the deadline, play again elsewhere"
C=$(busiest 1 2 3)
held=$(viewers_of "${EDGE[$C]}") drained_at=$(now_ns)
[[ $(curl -s -m 3 -X POST "http://${EDGE[$C]}/drain?deadline=3") == "202 "* ]] || fail "edge$C refused the drain"
[[ $(json "http://${EDGE[$C]}/health" .status) == draining ]] || fail "edge$C's health does not say draining"
[[ $(curl -s -m 3 -o /dev/null -w '%{http_code}' -X POST "http://${EDGE[$C]}/drain") == 409 ]] || fail "a second drain was not 409"
connected=$(connected_count "edge$C")
start_viewer_loops $((NVIEWERS + 1)) $((NVIEWERS + CHANNELS))
NVIEWERS=$((NVIEWERS + CHANNELS))
(( $(connected_count "edge$C") == connected )) || fail "the draining edge$C got new viewers"
wait_until 10 grep -q "event=drain_deadline" "$T/edge$C.log" || fail "edge$C never reached its drain deadline"
grep "event=drain" "$T/edge$C.log"
expect_played_again 10 "$drained_at" "$held" "edge$C drained"

log "an edge killed: its viewers play again through the others within $MAX_GAP_S s"
B=$(busiest $(for e in 1 2 3; do [[ $e != "$C" ]] && echo $e; done))
held=$(viewers_of "${EDGE[$B]}") killed_at=$(now_ns)
kill -KILL "${EDGE_PID[$B]}"
expect_played_again 15 "$killed_at" "$held" "edge$B killed"

log "the edges saw the viewers' address through X-Forwarded-For"
grep -q '"forwarded_for":"127.0.0.9"' "$T/access-127.0.0.1$C.json" || fail "edge$C's access log does not name 127.0.0.9"
echo "PASS"
