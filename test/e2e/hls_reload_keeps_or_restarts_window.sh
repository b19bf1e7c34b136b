#!/usr/bin/env bash
# Reload and HLS: a reload that leaves a stream's hls settings alone keeps its window (the playlist
# goes on with the same segments); one that changes them restarts the stream with a fresh window
# whose numbers are above every number the old one used (so a cached segment is never stale).
source "$(dirname "$0")/lib.sh"
start_source src "$SAMPLE"
# config WINDOW: the stream with that hls window, written atomically.
config() {
    cat >"$T/next.json" <<JSON
{ "listen": "127.0.0.1:0", "timeout": 5, "reconnect": 1, "readtimeout": 3,
  "resources": [ { "type": "stream", "serve": "/tv.ts", "remote": "http://127.0.0.1:$SOURCE_PORT/stream.ts",
                   "hls": { "serve": "/ch1/", "segment": 1, "window": $1 } } ] }
JSON
    mv "$T/next.json" "$T/server.json"
}
config 4
start_server "$T/server.json"
U="http://127.0.0.1:$SERVER_PORT/ch1"
segments() { curl -sf -m 15 "$U/index.m3u8" | grep '\.ts$' | cut -d. -f1; }
has_three() { (( $(segments | wc -l) >= 3 )); }
wait_until 20 has_three || fail "no playlist with 3 segments"
before=$(segments)
first_before=$(head -1 <<<"$before"); last_before=$(tail -1 <<<"$before")
echo "before: $first_before..$last_before"

log "unchanged hls settings: the window is kept"
kill -HUP "$SERVER_PID"
wait_until 5 log_count_at_least 1 "event=reloaded" || fail "no reloaded line"
after=$(segments)
grep -qx "$last_before" <<<"$after" || fail "the window was not kept: $(tr '\n' ' ' <<<"$after") after $last_before"
[[ $(http_status "$U/$last_before.ts") == 200 ]] || fail "a segment of the kept window is gone"

log "changed hls settings: a fresh window, numbers above the old ones"
config 5
kill -HUP "$SERVER_PID"
wait_until 5 log_count_at_least 2 "event=reloaded" || fail "no second reloaded line"
has_one() { (( $(segments | wc -l) >= 1 )); }
wait_until 20 has_one || fail "no playlist after the restart"
fresh=$(segments)
echo "after the change: $(tr '\n' ' ' <<<"$fresh")"
(( $(head -1 <<<"$fresh") > $(tail -1 <<<"$after") )) || fail "numbers of the fresh window are not above the old ones"
[[ $(http_status "$U/$last_before.ts") == 404 ]] || fail "the old window's segment is still served"
