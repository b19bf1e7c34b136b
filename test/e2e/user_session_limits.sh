#!/usr/bin/env bash
# Per-user session limits with three users and parallel curl viewers from distinct loopback
# addresses (127.0.0.2-5): alice (maxsessions 1) and bob (2) are refused past their limit with 429
# and the exact body, TS and HLS sessions counted together across streams; a second stream from the
# same address and a reconnect within the grace do not count twice, while the grace keeps the
# place from another address; carol (1, evict oldest) takes the place from her oldest session:
# its curl ends and the log says why, her new one plays on, until her HLS session takes the place.
# Users without a limit are not counted.
source "$(dirname "$0")/lib.sh"
start_source src "$SAMPLE"
up="http://127.0.0.1:$SOURCE_PORT/stream.ts"
auth='"authentication": { "type": "basic", "users": ["alice", "bob", "carol", "dave"] }'
cat >"$T/server.json" <<JSON
{ "listen": "127.0.0.1:0", "timeout": 2, "reconnect": 1, "readtimeout": 3,
  "userlist": { "alice": { "password": "a", "maxsessions": 1 },
                "bob":   { "password": "b", "maxsessions": 2 },
                "carol": { "password": "c", "maxsessions": 1, "evict": "oldest" },
                "dave":  { "password": "d" } },
  "resources": [
    { "type": "stream", "serve": "/tv.ts", "remote": "$up", "hls": { "serve": "/hls/tv/", "segment": 1 }, $auth },
    { "type": "stream", "serve": "/tv2.ts", "remote": "$up", $auth } ] }
JSON
start_server "$T/server.json"
connected() { [[ $(curl -s -o /dev/null -w '%{http_code}' -I -u dave:d "http://127.0.0.1:$SERVER_PORT$1") == 200 ]]; }
wait_until 10 connected /tv.ts && wait_until 10 connected /tv2.ts || fail "streams never connected"

# watch NAME USER:PASSWORD ADDRESS PATH: a background viewer saving to $T/NAME.ts; its pid in PID_NAME.
watch() {
    curl -s -m 60 -o "$T/$1.ts" -u "$2" --interface "$3" "http://127.0.0.1:$SERVER_PORT$4" &
    PIDS+=($!)
    printf -v "PID_$1" '%s' $!
    receiving() { [[ -s $T/$1.ts ]]; }
    wait_until 10 receiving "$1" || fail "viewer $1 ($2 from $3 on $4) received nothing"
}
# answer USER:PASSWORD ADDRESS PATH: "STATUS BODY" of a GET (1 s: a stream's 200 has no end).
answer() {
    local body
    body=$(curl -s -m 1 -u "$1" --interface "$2" -w ' %{http_code}' "http://127.0.0.1:$SERVER_PORT$3" -o "$T/body" || true)
    if [[ ${body# } == 200 ]]; then echo 200; else echo "${body# } $(cat "$T/body")"; fi
}
expect() {  # EXPECTED USER:PASSWORD ADDRESS PATH
    local got; got=$(answer "$2" "$3" "$4")
    [[ $got == "$1" ]] || fail "$2 from $3 on $4: got \"$got\", expected \"$1\""
}
ended() { ! kill -0 "$1" 2>/dev/null; }

log "alice (maxsessions 1): another stream from the same address counts once; a second address gets 429"
watch a1 alice:a 127.0.0.2 /tv.ts
watch a2 alice:a 127.0.0.2 /tv2.ts
expect "429 maxsessions 1 reached for user alice" alice:a 127.0.0.3 /tv.ts
expect "429 maxsessions 1 reached for user alice" alice:a 127.0.0.3 /hls/tv/index.m3u8
grep -q 'event=client_refused stream=/tv.ts client=127.0.0.3:[0-9]* user=alice reason="maxsessions 1 reached for user alice"' "$T/server.log" ||
    fail "no log line for alice's refusal"

log "bob (maxsessions 2): two addresses in parallel, TS and HLS; the third address gets 429"
watch b1 bob:b 127.0.0.2 /tv.ts
curl -s -m 15 -u bob:b --interface 127.0.0.3 "http://127.0.0.1:$SERVER_PORT/hls/tv/index.m3u8" | grep -q '^[0-9]*\.ts$' ||
    fail "bob's HLS session from 127.0.0.3 got no playlist"
expect "429 maxsessions 2 reached for user bob" bob:b 127.0.0.4 /tv2.ts
expect "429 maxsessions 2 reached for user bob" bob:b 127.0.0.4 /hls/tv/index.m3u8
expect 200 bob:b 127.0.0.3 /tv2.ts  # the HLS session's address may watch TS too
kill -0 "$PID_b1" || fail "bob's first viewer ended"

log "a user without maxsessions is not counted"
for address in 127.0.0.2 127.0.0.3 127.0.0.4 127.0.0.5; do expect 200 dave:d "$address" /tv.ts; done

log "alice reconnects: within the grace her address gets back in, another does not; after it, another does"
ends_from_2() { grep -c 'event=client_disconnected .*client=127.0.0.2:' "$T/server.log" || true; }
before=$(ends_from_2)
kill "$PID_a1" "$PID_a2"
wait_until 5 log_count_at_least $((before + 2)) 'event=client_disconnected .*client=127.0.0.2:' || fail "alice's viewers did not end"
expect "429 maxsessions 1 reached for user alice" alice:a 127.0.0.3 /tv.ts
expect 200 alice:a 127.0.0.2 /tv.ts
wait_until 5 log_count_at_least $((before + 3)) 'event=client_disconnected .*client=127.0.0.2:' || fail "alice's reconnect did not end"
sleep 5.2  # the grace (5 s) after alice's last session ended
expect 200 alice:a 127.0.0.3 /tv.ts

log "carol (maxsessions 1, evict oldest): the newer session takes the place, the oldest curl ends"
watch c1 carol:c 127.0.0.2 /tv.ts
watch c2 carol:c 127.0.0.3 /tv2.ts
wait_until 5 ended "$PID_c1" || fail "carol's oldest viewer was not ended"
reason="maxsessions 1 of user carol: evicted by a newer session from 127.0.0.3"
grep -q "event=session_evicted user=carol address=127.0.0.2 sessions=1 reason=\"$reason\"" "$T/server.log" || fail "no eviction line"
grep -q "event=client_disconnected stream=/tv.ts client=127.0.0.2:.* reason=\"$reason\"" "$T/server.log" ||
    fail "the evicted viewer's disconnect line lacks the reason"
size=$(stat -c %s "$T/c2.ts")
grows() { (( $(stat -c %s "$T/c2.ts") > size )); }
wait_until 5 grows || fail "carol's newer viewer stopped receiving"
kill -0 "$PID_c2" || fail "carol's newer viewer ended"
curl -s -m 15 -u carol:c --interface 127.0.0.4 "http://127.0.0.1:$SERVER_PORT/hls/tv/index.m3u8" | grep -q '^[0-9]*\.ts$' ||
    fail "carol's HLS session from 127.0.0.4 got no playlist"
wait_until 5 ended "$PID_c2" || fail "carol's HLS session did not evict her TS viewer"
grep -q 'event=session_evicted user=carol address=127.0.0.3 sessions=1 reason=".*from 127.0.0.4"' "$T/server.log" ||
    fail "no eviction line for the TS viewer"

log "maxsessions 0 or negative, and evict without it, are one-line config errors"
for keys in '"maxsessions": 0' '"maxsessions": -1' '"evict": "oldest"'; do
    echo "{\"resources\": [], \"userlist\": {\"u\": {\"password\": \"p\", $keys}}}" >"$T/bad.json"
    rc=0; "$BIN/server" --check-config "$T/bad.json" 2>"$T/err" || rc=$?
    [[ $rc == 2 && $(wc -l <"$T/err") == 1 ]] || fail "$keys: exit $rc, $(cat "$T/err")"
    grep -q "^$T/bad.json: userlist.u.\(maxsessions: must be at least 1\|evict: needs \"maxsessions\"\)$" "$T/err" || fail "$keys: $(cat "$T/err")"
done
echo "PASS"
