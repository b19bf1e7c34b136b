#!/usr/bin/env bash
# HLS sessions take places under maxconnections like TS viewers: with maxconnections 1, a client
# that plays HLS keeps a second HLS client (another user) and a TS viewer out (503), while its own
# later requests pass.
source "$(dirname "$0")/lib.sh"
start_source src "$SAMPLE"
cat >"$T/server.json" <<JSON
{ "listen": "127.0.0.1:0", "timeout": 5, "reconnect": 1, "readtimeout": 3, "maxconnections": 1,
  "userlist": { "a": { "password": "a" }, "b": { "password": "b" } },
  "resources": [
    { "type": "stream", "serve": "/tv.ts", "hls": { "serve": "/ch1/", "segment": 1 },
      "remote": "http://127.0.0.1:$SOURCE_PORT/stream.ts", "authentication": { "type": "basic", "users": [ "a", "b" ] } } ] }
JSON
start_server "$T/server.json"
U="http://127.0.0.1:$SERVER_PORT"
as() { curl -s -o /dev/null -m 15 -w '%{http_code}' -u "$1:$1" "$U$2" || true; }

playlist_for_a() { [[ $(as a /ch1/index.m3u8) == 200 ]]; }
wait_until 20 playlist_for_a || fail "no playlist for user a"
[[ $(as a /ch1/index.m3u8) == 200 ]] || fail "the session's own next request was refused"
[[ $(as b /ch1/index.m3u8) == 503 ]] || fail "a second HLS session (user b) got past maxconnections 1"
[[ $(curl -s -o /dev/null -m 3 -w '%{http_code}' -u b:b "$U/tv.ts" || true) == 503 ]] || fail "a TS viewer got past an HLS session"
grep -q 'event=client_refused .*reason="maxconnections reached"' "$T/server.log" || fail "no client_refused line"
