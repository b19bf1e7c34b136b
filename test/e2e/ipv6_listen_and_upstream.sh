#!/usr/bin/env bash
# IPv6 end to end: bin/source on [::1], an upstream URL with an IPv6 literal, and the server itself
# listening on [::1].
source "$(dirname "$0")/lib.sh"
[[ -e /proc/net/if_inet6 ]] && ip -6 addr show lo | grep -q "::1" || { echo "no IPv6 on lo"; exit 77; }
"$BIN/source" --listen "[::1]:0" "$SAMPLE" 2>"$T/src.log" & PIDS+=($!)
wait_until 10 grep -q "event=listening" "$T/src.log" || fail "source did not listen on [::1]"
sport=$(listening_port "$T/src.log")
cat >"$T/server.json" <<JSON
{ "listen": "[::1]:0", "timeout": 2, "reconnect": 1,
  "resources": [ { "type": "stream", "serve": "/tv.ts", "remote": "http://[::1]:$sport/stream.ts" } ] }
JSON
start_server "$T/server.json"
grep "event=listening" "$T/server.log"
grep -q 'event=listening address=\[::1\]:' "$T/server.log" || fail "server does not report an IPv6 address"
url="http://[::1]:$SERVER_PORT/tv.ts"
# serves URL: HEAD answers 200 (a function, so that wait_until asks again each time).
serves() { [[ $(curl -g -s -m 3 -o /dev/null -w '%{http_code}' -I "$1") == 200 ]]; }
wait_until 10 serves "$url" || { cat "$T/server.log"; fail "stream over IPv6 never connected"; }
curl -g -s -m 3 -o "$T/cap.ts" "$url" || true
"$BIN/ts_check" "$T/cap.ts" || fail "IPv6 capture broken"
(( $(ts_figure "$T/cap.ts" bytes) > 300000 )) || fail "too little data over IPv6"
grep -q 'event=client_connected .*client=\[::1\]:' "$T/server.log" || fail "client address not logged as [::1]:port"

# ":port" (every interface) is one dual-stack socket: both [::1] and 127.0.0.1 are served, and an
# IPv4 client is logged with its IPv4 address, not as ::ffff:127.0.0.1.
kill -TERM "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
sed -i 's/"listen": "\[::1\]:0"/"listen": ":0"/' "$T/server.json"
start_server "$T/server.json"
grep "event=listening" "$T/server.log"
grep -q 'event=listening address=\[::\]:' "$T/server.log" || fail "\":0\" is not listening on [::]"
for host in "[::1]" 127.0.0.1; do
    wait_until 10 serves "http://$host:$SERVER_PORT/tv.ts" ||
        fail "\":port\" does not serve $host"
    curl -g -s -m 2 -o "$T/any.ts" "http://$host:$SERVER_PORT/tv.ts" || true
    (( $(ts_figure "$T/any.ts" packets) > 0 )) || fail "no packets from $host through \":port\""
done
grep -q 'event=client_connected .*client=127.0.0.1:' "$T/server.log" || fail "an IPv4 viewer is not logged as 127.0.0.1"
echo "\":port\" serves [::1] and 127.0.0.1"
