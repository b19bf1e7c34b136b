#!/usr/bin/env bash
# HTTP upstreams that misbehave: an HTML page, 404, 500, a redirect loop, a body that ends at once,
# a server that never answers. Each gives one clear line naming the stream, the remote and the
# reason, then a retry; a good redirect is followed; the server stays responsive and cheap.
source "$(dirname "$0")/lib.sh"
python3 "$(dirname "$0")/../tools/fake_http.py" 2>"$T/fake.log" & PIDS+=($!)
wait_until 10 grep -q "event=listening" "$T/fake.log" || fail "fake upstream did not start"
fake="http://127.0.0.1:$(listening_port "$T/fake.log")"
start_source src "$SAMPLE"
write_config "$T/server.json" "" /html.ts "$fake/html" /404.ts "$fake/404" /500.ts "$fake/500" \
    /loop.ts "$fake/loop" /empty.ts "$fake/empty" /slow.ts "$fake/slowhead" \
    /redirected.ts "$fake/redirect?to=http://127.0.0.1:$SOURCE_PORT/stream.ts"
start_server "$T/server.json"
url="http://127.0.0.1:$SERVER_PORT"

expect_line() {  # STREAM REASON-REGEX
    wait_until 8 grep -qE "event=upstream_(failed|disconnected) stream=$1 remote=[^ ]+ reason=\"?$2" "$T/server.log" ||
        { cat "$T/server.log"; fail "no clear failure line for $1 matching: $2"; }
    grep -m1 -E "stream=$1 .*reason=" "$T/server.log"
}
expect_line /html.ts "upstream sent text/html, not a transport stream"
expect_line /404.ts "HTTP 404 Not Found"
expect_line /500.ts "HTTP 500 Internal Server Error"
expect_line /loop.ts "too many redirects"
expect_line /empty.ts "end of stream"
expect_line /slow.ts "reading response head: no data for 3000 ms"

wait_until 10 stream_connected /redirected.ts || fail "a redirect to a good source was not followed"
for path in /html.ts /404.ts /500.ts /loop.ts /empty.ts; do
    [[ $(http_status "$url$path") == 503 ]] || fail "$path should answer 503"
done

# Seven failing or stalling upstreams must not spin a core.
ticks() { awk '{print $14 + $15}' /proc/$SERVER_PID/stat; }
before=$(ticks); sleep 5
cpu_ms=$(( ($(ticks) - before) * 1000 / $(getconf CLK_TCK) ))
echo "server CPU over 5 s with six failing upstreams and one live stream: ${cpu_ms} ms"
(( cpu_ms < 1000 )) || fail "failing upstreams cost ${cpu_ms} ms of CPU in 5 s"
