#!/usr/bin/env bash
# maxconnections is enforced (the next viewer gets 503), an unknown path gets 404, HEAD answers
# headers only, and a stream whose upstream is down answers 503.
source "$(dirname "$0")/lib.sh"
start_source src "$SAMPLE"
write_config "$T/server.json" '"maxconnections": 2,' /tv.ts "http://127.0.0.1:$SOURCE_PORT/stream.ts" \
    /dead.ts "http://127.0.0.1:1/nothing.ts"
start_server "$T/server.json"
wait_until 10 stream_connected /tv.ts || fail "stream never connected"
url="http://127.0.0.1:$SERVER_PORT"

[[ $(http_status "$url/nope.ts") == 404 ]] || fail "unknown path is not 404"
[[ $(http_status "$url/dead.ts") == 503 ]] || fail "stream without upstream is not 503"

head=$(curl -s -m 3 -I "$url/tv.ts" | tr -d '\r')
echo "$head"
head -1 <<<"$head" | grep -q "^HTTP/1.1 200" || fail "HEAD is not 200"
grep -qx "Content-Type: video/mpeg" <<<"$head" || fail "HEAD lacks Content-Type"
body=$(curl -s -m 3 -X HEAD "$url/tv.ts" -o - | wc -c || true)
[[ $body == 0 ]] || fail "HEAD returned a body of $body bytes"

curl -s -m 8 -o "$T/a.ts" "$url/tv.ts" & a=$!
curl -s -m 8 -o "$T/b.ts" "$url/tv.ts" & b=$!
wait_until 5 log_count_at_least 2 'event=client_connected' || fail "two viewers did not connect"
status=$(http_status "$url/tv.ts")
[[ $status == 503 ]] || fail "third viewer got $status, expected 503"
grep -q "event=client_refused .*reason=\"maxconnections reached\"" "$T/server.log" || fail "refusal not logged"
kill $a $b 2>/dev/null || true
wait $a $b 2>/dev/null || true
# Slots are freed: a new viewer gets in again.
wait_until 3 log_count_at_least 2 'event=client_disconnected' || fail "viewers not freed"
capture "$url/tv.ts" 2 "$T/c.ts"
[[ $(stat -c %s "$T/c.ts") -gt 0 ]] || fail "viewer after the others left got nothing"
