#!/usr/bin/env bash
# Behind a real HAProxy with `option forwardfor` (it appends its own X-Forwarded-For line): the client
# (127.0.0.1) forges "X-Forwarded-For: 10.1.2.3", HAProxy connects to the server from 127.0.0.2, the
# only trusted proxy. The server must see the client HAProxy names: 403 on an allow-10.0.0.0/8
# stream, 200 and TS packets on an open one, forwarded_for 127.0.0.1 in the access log.
# Skipped (exit 77) without haproxy (`make deps` installs it).
source "$(dirname "$0")/lib.sh"
PY=$(command -v /usr/bin/python3 || command -v python3)
command -v haproxy >/dev/null || { echo "skipped: haproxy is not installed (make deps installs it)"; exit 77; }
start_source src "$SAMPLE"
remote="http://127.0.0.1:$SOURCE_PORT/stream.ts"
cat >"$T/server.json" <<JSON
{ "listen": "127.0.0.1:0", "timeout": 2, "reconnect": 1, "trustedproxies": [ "127.0.0.2/32" ],
  "log": "$T/access.log",
  "resources": [
    { "type": "stream", "serve": "/lan.ts", "remote": "$remote", "allow": [ "10.0.0.0/8" ] },
    { "type": "stream", "serve": "/open.ts", "remote": "$remote" },
    { "type": "api", "api": "health", "serve": "/health" }
  ] }
JSON
start_server "$T/server.json"
wait_until 10 grep -q "event=upstream_connected stream=/lan.ts" "$T/server.log" || fail "/lan.ts never connected"
wait_until 10 stream_connected /open.ts || fail "/open.ts never connected"

haproxy_port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$T/haproxy.cfg" <<CFG
defaults
    mode http
    option forwardfor
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend viewers
    bind 127.0.0.1:$haproxy_port
    default_backend restreamer
backend restreamer
    server restreamer 127.0.0.1:$SERVER_PORT source 127.0.0.2
CFG
haproxy -c -f "$T/haproxy.cfg" >"$T/haproxy-check.log" 2>&1 || { cat "$T/haproxy-check.log"; fail "haproxy rejects its config"; }
haproxy -f "$T/haproxy.cfg" -db >"$T/haproxy.log" 2>&1 &
PIDS+=($!)
via="http://127.0.0.1:$haproxy_port"
wait_until 10 curl -sf -o /dev/null "$via/health" || { cat "$T/haproxy.log"; fail "haproxy did not start"; }

# status URL [CURL-ARGS...]: the status of a 2 s GET, the body in $T/body.
status() { curl -s -m 2 -o "$T/body" -w '%{http_code}' "${@:2}" "$1" || true; }
forged=(-H "X-Forwarded-For: 10.1.2.3")

log "directly from 127.0.0.1, untrusted: the forged header is ignored"
[[ $(status "http://127.0.0.1:$SERVER_PORT/lan.ts" "${forged[@]}") == 403 ]] || fail "a direct forged request was let in"

log "through haproxy: the client haproxy names is 127.0.0.1, not the forged 10.1.2.3"
[[ $(status "$via/lan.ts" "${forged[@]}") == 403 ]] || fail "the forged first line opened /lan.ts through haproxy"
grep -q 'event=client_refused path=/lan.ts .*address=127.0.0.1 reason="address not allowed"' "$T/server.log" ||
    fail "the refusal does not name 127.0.0.1"
[[ $(status "$via/open.ts" "${forged[@]}") == 200 ]] || fail "/open.ts through haproxy was refused"
truncate -s $(( $(stat -c %s "$T/body") / 188 * 188 )) "$T/body"
"$BIN/ts_check" "$T/body" || fail "/open.ts through haproxy is not a clean stream"
(( $(ts_figure "$T/body" packets) > 100 )) || fail "too little of /open.ts through haproxy"

log "the access log: peer 127.0.0.2, forwarded for 127.0.0.1"
wait_until 10 grep -q '"method":"GET","path":"/open.ts"' "$T/access.log" || fail "the /open.ts viewer never ended"
"$PY" - "$T/access.log" <<'PY' || { cat "$T/access.log"; fail "access log entries through haproxy are wrong"; }
import json, sys
entries = [json.loads(line) for line in open(sys.argv[1])]
via = [e for e in entries if e["client"].startswith("127.0.0.2:") and e["path"] != "/health"]
assert sorted((e["path"], e["status"]) for e in via) == [("/lan.ts", 403), ("/open.ts", 200)], via
assert all(e.get("forwarded_for") == "127.0.0.1" for e in via), via
PY
echo "PASS"
