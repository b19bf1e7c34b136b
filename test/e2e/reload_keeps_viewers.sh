#!/usr/bin/env bash
# Reload by SIGHUP and by POST /reload: an unchanged stream keeps its viewer connected without a
# glitch (no CC error, longest pause between received bytes measured and < 1 s); a removed stream
# and a stream whose remote changed disconnect their viewers with a logged reason; an added stream
# starts and serves; the changed stream's new viewers get the new remote; a bad file (by signal or
# API) is rejected with the error logged and the running configuration kept. GET /reload is 405.
source "$(dirname "$0")/lib.sh"
TOOLS="$(cd "$(dirname "$0")/../tools" && pwd)"
start_source one --path /one.ts "$SAMPLE"; port_one=$SOURCE_PORT
start_source two --path /two.ts "$SAMPLE"; port_two=$SOURCE_PORT
one="http://127.0.0.1:$port_one/one.ts"
two="http://127.0.0.1:$port_two/two.ts"

# config FILE SERVE REMOTE [SERVE REMOTE ...]: streams plus the reload API, written atomically.
config() {
    local file=$1 resources="" sep=""; shift
    while (( $# >= 2 )); do
        resources+="$sep{\"type\": \"stream\", \"serve\": \"$1\", \"remote\": \"$2\"}"
        sep=", "; shift 2
    done
    cat >"$file.tmp" <<JSON
{ "listen": "127.0.0.1:0", "timeout": 2, "reconnect": 1, "readtimeout": 3,
  "resources": [ $resources,
    {"type": "api", "api": "reload", "serve": "/reload"} ] }
JSON
    mv "$file.tmp" "$file"
}
config "$T/server.json" /a.ts "$one" /b.ts "$one" /d.ts "$one"
start_server "$T/server.json"
url="http://127.0.0.1:$SERVER_PORT"
for s in a b d; do wait_until 10 stream_connected /$s.ts || fail "/$s.ts never connected"; done

# status_of METHOD PATH: prints the status code.
status_of() { curl -s -o /dev/null -m 5 -X "$1" -w '%{http_code}' "$url$2" || true; }
reload_count() { grep -c "event=reloaded" "$T/server.log" || true; }
failed_count() { grep -c "event=reload_failed" "$T/server.log" || true; }

python3 "$TOOLS/gap_reader.py" "$url/a.ts" "$T/a.cap" 60 >"$T/gap.txt" 2>&1 & reader=$!
curl -s -m 30 -o "$T/b.cap" "$url/b.ts" & b_viewer=$!
curl -s -m 30 -o "$T/d_old.cap" "$url/d.ts" & d_viewer=$!
wait_until 5 log_count_at_least 3 "event=client_connected" || fail "viewers did not connect"
a_client=$(sed -n 's/.*event=client_connected stream=\/a.ts client=\([^ ]*\).*/\1/p' "$T/server.log" | head -1)
[[ -n $a_client ]] || fail "no client_connected line for /a.ts"
sleep 1.5   # the /a.ts viewer is past its fast-start burst and reading the live edge

log "SIGHUP: keep /a.ts, remove /b.ts, add /c.ts, change /d.ts's remote"
config "$T/server.json" /a.ts "$one" /c.ts "$two" /d.ts "$two"
kill -HUP $SERVER_PID
wait_until 5 log_count_at_least 1 "event=reloaded" || { cat "$T/server.log"; fail "no reloaded line"; }
grep "event=reload" "$T/server.log"
grep -q "event=reloaded .*streams_started=2 streams_kept=1" "$T/server.log" || fail "reload did not start 2 and keep 1 stream"
for s in b d; do
    wait_until 5 grep -q "event=client_disconnected stream=/$s.ts .*reason=\"stream removed or changed by reload\"" "$T/server.log" ||
        { cat "$T/server.log"; fail "the /$s.ts viewer was not disconnected with a reason"; }
done
wait_until 5 bash -c "! kill -0 $b_viewer 2>/dev/null && ! kill -0 $d_viewer 2>/dev/null" || fail "the /b.ts or /d.ts viewer's response did not end"
grep -E "event=client_disconnected stream=/(b|d).ts" "$T/server.log"
[[ $(status_of GET /b.ts) == 404 ]] || fail "removed /b.ts is not 404"
wait_until 10 stream_connected /c.ts || fail "added /c.ts never connected"
wait_until 10 stream_connected /d.ts || fail "changed /d.ts never connected again"
grep -q "event=upstream_connected stream=/c.ts remote=$two" "$T/server.log" || fail "/c.ts is not on its remote"
grep -q "event=upstream_connected stream=/d.ts remote=$two" "$T/server.log" || fail "/d.ts did not switch to the new remote"
capture "$url/d.ts" 2 "$T/d_new.cap"
"$BIN/ts_check" "$T/d_new.cap" >/dev/null || fail "new /d.ts viewer got a broken stream"
(( $(ts_figure "$T/d_new.cap" bytes) > 200000 )) || fail "new /d.ts viewer got too little"
capture "$url/c.ts" 2 "$T/c.cap"
(( $(ts_figure "$T/c.cap" bytes) > 200000 )) || fail "/c.ts viewer got too little"

log "SIGHUP with a syntax error: logged, old configuration kept"
printf '{ "listen": "127.0.0.1:0", "resources": [ {"type": "stream" "serve": "/x.ts"} ] }\n' >"$T/server.json"
kill -HUP $SERVER_PID
wait_until 5 log_count_at_least 1 "event=reload_failed" || { cat "$T/server.log"; fail "bad config not reported"; }
grep "event=reload_failed" "$T/server.log"
grep -q "event=reload_failed .*reason=.*syntax error" "$T/server.log" || fail "the syntax error is not in the log"
(( $(reload_count) == 1 )) || fail "a bad config counted as reloaded"
for s in a c d; do stream_connected /$s.ts || fail "/$s.ts not served after a rejected reload"; done
[[ $(status_of GET /b.ts) == 404 ]] || fail "/b.ts came back after a rejected reload"

log "POST /reload"
[[ $(status_of GET /reload) == 405 ]] || fail "GET /reload is not 405"
curl -s -m 5 -D - -o /dev/null "$url/reload" | tr -d '\r' | grep -qx "Allow: POST" || fail "GET /reload's 405 lacks Allow: POST"
config "$T/server.json" /a.ts "$one" /d.ts "$two" /e.ts "$two"
answer=$(curl -s -m 10 -X POST -w ' %{http_code}' "$url/reload")   # no body, no Content-Length
echo "POST /reload -> $answer"
[[ $answer == "reloaded 200" ]] || fail "POST /reload answered '$answer'"
(( $(reload_count) == 2 )) || fail "no second reloaded line"
grep "event=reloaded" "$T/server.log" | tail -1 | grep -q "streams_started=1 streams_kept=2" || fail "API reload did not keep 2 and start 1"
wait_until 10 stream_connected /e.ts || fail "/e.ts added by the API never connected"
wait_until 5 bash -c "[[ \$(curl -s -o /dev/null -w '%{http_code}' -m 3 $url/c.ts) == 404 ]]" || fail "/c.ts removed by the API still served"

printf '{ "listen": "127.0.0.1:0", "resources": [ {"type": "stream" "serve": "/x.ts"} ] }\n' >"$T/server.json"
answer=$(curl -s -m 10 -d "" -w ' %{http_code}' "$url/reload")
echo "POST /reload (syntax error) -> $answer"
[[ $answer == "reload failed: "*"syntax error"*" 500" ]] || fail "bad file via the API answered '$answer'"
printf '{ "listen": "127.0.0.1:0", "resources": [ {"type": "stream", "remote": "%s"} ] }\n' "$one" >"$T/server.json"
answer=$(curl -s -m 10 -d "" -w ' %{http_code}' "$url/reload")
echo "POST /reload (no serve) -> $answer"
[[ $answer == "reload failed: "*"serve"*" 500" ]] || fail "invalid file via the API answered '$answer'"
(( $(failed_count) == 3 )) || fail "expected 3 reload_failed lines, got $(failed_count)"
(( $(reload_count) == 2 )) || fail "a bad file counted as reloaded"
for s in a d e; do stream_connected /$s.ts || fail "/$s.ts not served after a rejected API reload"; done

# The /a.ts viewer: still connected after all of this, and its capture is clean.
sleep 1
kill -0 $reader 2>/dev/null || { cat "$T/gap.txt"; fail "the /a.ts viewer ended early"; }
grep -q "event=client_disconnected stream=/a.ts" "$T/server.log" && fail "the /a.ts viewer was disconnected"
kill -TERM $reader
wait $reader || true
cat "$T/gap.txt"
grep -q "end=signal" "$T/gap.txt" || fail "the /a.ts viewer's stream ended on its own"
grep -q "^status=200 " "$T/gap.txt" || fail "the /a.ts viewer did not get 200"
"$BIN/ts_check" "$T/a.cap" || true
cc=$(ts_figure "$T/a.cap" cc_errors)
bytes=$(ts_figure "$T/a.cap" bytes)
gap=$(sed -n 's/.*max_gap_ms=\([0-9]*\).*/\1/p' "$T/gap.txt")
seconds=$(sed -n 's/.* seconds=\([0-9.]*\).*/\1/p' "$T/gap.txt")
kbit=$(awk -v b="$bytes" -v s="$seconds" 'BEGIN {printf "%d", (s > 0 ? b * 8 / s / 1000 : 0)}')
echo "reload glitch: cc_errors=$cc longest_gap_ms=$gap (viewer $a_client: $bytes bytes in $seconds s, $kbit kbit/s, across 2 signal and 3 API reloads)"
[[ $cc == 0 ]] || fail "the /a.ts viewer has $cc CC errors across the reloads"
(( $(awk -v s="$seconds" 'BEGIN {print (s >= 5)}') )) || fail "the /a.ts viewer was measured for only $seconds s"
(( kbit >= 1500 )) || fail "the /a.ts viewer got only $kbit kbit/s of a 2 Mbit/s stream"
(( gap < 1000 )) || fail "the /a.ts viewer paused for $gap ms"
