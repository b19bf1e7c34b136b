#!/usr/bin/env bash
# HLS of an on-demand stream: a playlist request opens the upstream and is answered once the first
# segment is complete; the upstream closes `linger` after the last HLS request; the next playlist
# starts it again with a fresh window whose numbers go on; a dead upstream gives 503 with the reason.
source "$(dirname "$0")/lib.sh"
start_source src "$SAMPLE"
dead=$(free_udp_port)  # nothing listens on this TCP port either, most likely
cat >"$T/server.json" <<JSON
{ "listen": "127.0.0.1:0", "timeout": 5, "reconnect": 1, "readtimeout": 3,
  "resources": [
    { "type": "stream", "serve": "/od.ts", "ondemand": true, "linger": 2, "hls": { "serve": "/od/", "segment": 1 },
      "remote": "http://127.0.0.1:$SOURCE_PORT/stream.ts" },
    { "type": "stream", "serve": "/dead.ts", "ondemand": true, "hls": { "serve": "/dead/" },
      "remote": "http://127.0.0.1:$dead/stream.ts" } ] }
JSON
start_server "$T/server.json"
U="http://127.0.0.1:$SERVER_PORT/od"

log "idle until a playlist is asked for"
grep -q "event=stream_starting stream=/od.ts" "$T/server.log" && fail "the on-demand stream started by itself"
start=$(date +%s%N)
[[ $(curl -s -m 10 -o "$T/p1.m3u8" -w '%{http_code}' "$U/index.m3u8") == 200 ]] || fail "first playlist request: $(cat "$T/p1.m3u8")"
echo "first playlist after $(( ($(date +%s%N) - start) / 1000000 )) ms"
cat "$T/p1.m3u8"
grep -q "event=stream_starting stream=/od.ts" "$T/server.log" || fail "no stream_starting"
first_run_last=$(grep '\.ts$' "$T/p1.m3u8" | tail -1 | cut -d. -f1)
[[ -n $first_run_last ]] || fail "the first playlist lists no segment"
curl -sf -o "$T/s.ts" "$U/$first_run_last.ts" || fail "segment of the first run not served"
[[ $("$BIN/ts_check" --head 3 "$T/s.ts" | awk '{print $1}' | tr '\n' ' ') == "pid=0 pid=4096 pid=256 " ]] || fail "segment head"

log "closed linger (2 s) after the last HLS request"
wait_until 6 grep -q "event=stream_idle stream=/od.ts" "$T/server.log" || fail "no stream_idle after the last HLS request"

log "the next playlist starts it again, a fresh window with numbers that go on"
[[ $(curl -s -m 10 -o "$T/p2.m3u8" -w '%{http_code}' "$U/index.m3u8") == 200 ]] || fail "second start: $(cat "$T/p2.m3u8")"
cat "$T/p2.m3u8"
(( $(grep -c "event=stream_starting stream=/od.ts" "$T/server.log") == 2 )) || fail "not started a second time"
second_first=$(grep '\.ts$' "$T/p2.m3u8" | head -1 | cut -d. -f1)
(( second_first > first_run_last )) || fail "numbers went back: $second_first after $first_run_last"
grep -q "^$first_run_last.ts$" "$T/p2.m3u8" && fail "the old run's segment is still listed"
[[ $(http_status "$U/$first_run_last.ts") == 404 ]] || fail "the old run's segment is still served"

log "a dead upstream: 503 with the reason"
body=$(curl -s -m 15 -w ' %{http_code}' "http://127.0.0.1:$SERVER_PORT/dead/index.m3u8")
echo "$body"
[[ $body == "stream failed to start: "*" 503" ]] || fail "dead upstream: $body"
