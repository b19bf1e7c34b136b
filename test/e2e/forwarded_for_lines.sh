#!/usr/bin/env bash
# X-Forwarded-For sent as several header lines is one list (RFC 9110 section 5.3), walked from the
# right: behind a trusted proxy (127.0.0.1 here) that adds a line of its own, the client's forged first
# line ("10.1.2.3") does not open an allow-10.0.0.0/8 stream to the real client 192.0.2.7, and the
# access log's forwarded_for names 192.0.2.7. A hop that is not an address refuses a deny-list too.
source "$(dirname "$0")/lib.sh"
PY=$(command -v /usr/bin/python3 || command -v python3)
start_source src "$SAMPLE"
cat >"$T/server.json" <<JSON
{ "listen": "127.0.0.1:0", "timeout": 2, "reconnect": 1, "trustedproxies": [ "127.0.0.1" ],
  "log": "$T/access.log",
  "resources": [
    { "type": "stream", "serve": "/lan.ts", "remote": "http://127.0.0.1:$SOURCE_PORT/stream.ts", "allow": [ "10.0.0.0/8" ] },
    { "type": "api", "api": "health", "serve": "/not-doc", "deny": [ "192.0.2.0/24" ] }
  ] }
JSON
start_server "$T/server.json"
url="http://127.0.0.1:$SERVER_PORT"
wait_until 10 grep -q "event=upstream_connected stream=/lan.ts" "$T/server.log" || fail "/lan.ts never connected"

# expect STATUS WHAT PATH [X-Forwarded-For VALUE...]: one header line per value.
expect() {
    local status=$1 what=$2 path=$3 args=() value got; shift 3
    for value in "$@"; do args+=(-H "X-Forwarded-For: $value"); done
    got=$(curl -s -m 1 -o "$T/body" -w '%{http_code}' "${args[@]}" "$url$path" || true)
    [[ $got == "$status" ]] || fail "$what: status $got, expected $status"
}

log "one line: the trusted proxy's word is believed"
expect 200 "forwarded for 10.1.2.3" /lan.ts "10.1.2.3"
(( $(stat -c %s "$T/body") > 0 )) || fail "no stream data for 10.1.2.3"

log "two lines: the client's forged first line does not win"
expect 403 "forged 10.1.2.3, then the proxy's 192.0.2.7" /lan.ts "10.1.2.3" "192.0.2.7"
grep -q 'event=client_refused path=/lan.ts .*address=192.0.2.7 reason="address not allowed"' "$T/server.log" ||
    fail "the refusal does not name 192.0.2.7"
expect 403 "forged list, then the proxy's 192.0.2.7" /lan.ts "10.1.2.3, 10.4.5.6" "192.0.2.7"
expect 200 "192.0.2.7 first, then the proxy's 10.1.2.3" /lan.ts "192.0.2.7" "10.1.2.3"
expect 403 "a deny-list sees the second line" /not-doc "10.1.2.3" "192.0.2.9"
expect 200 "a deny-list, neither line denied" /not-doc "192.0.2.9" "10.1.2.3"

log "a hop that is not an address: unknown, refused by an allow-list and a deny-list alike"
expect 403 "allow-list, last hop unreadable" /lan.ts "10.1.2.3" "not-an-address"
expect 403 "deny-list, last hop unreadable" /not-doc "192.0.2.7" "_hidden"

log "the access log names the client the walk found"
wait_until 5 grep -q '"status":403' "$T/access.log" || fail "no 403 in the access log"
"$PY" - "$T/access.log" <<'PY' || { cat "$T/access.log"; fail "access log forwarded_for is wrong"; }
import json, sys
entries = [json.loads(line) for line in open(sys.argv[1])]
def seen(path, status):
    return [e.get("forwarded_for") for e in entries if e["path"] == path and e["status"] == status]
assert seen("/lan.ts", 403)[0] == "192.0.2.7", entries
assert "10.1.2.3" in seen("/lan.ts", 200), entries
assert seen("/not-doc", 403)[-1] == "unknown", entries
PY
echo "PASS"
