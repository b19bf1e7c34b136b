#!/usr/bin/env bash
# The JSON access log ("log": FILE): one line per request, every line valid JSON. A viewer session is
# exactly one line (time, client, method, path, status, duration_s, bytes, dropped_packets, reason)
# whose bytes match what curl received (exactly when the server ends the session; when the viewer
# hangs up, up to one batch more: the batch written after its close is counted, and the write after
# that one fails); API requests, 401, 404 and 503 answers and HEAD requests get lines too. A path of
# bytes that are not UTF-8 is logged with those bytes escaped, and the whole file is UTF-8.
source "$(dirname "$0")/lib.sh"
# Debian's python3 when there is one: a pyenv shim costs 100 ms per call, and checks call it often.
PY=$(command -v /usr/bin/python3 || command -v python3)
start_source src "$SAMPLE"
cat >"$T/server.json" <<JSON
{ "listen": "127.0.0.1:0", "timeout": 2, "reconnect": 1, "log": "$T/access.log",
  "userlist": { "alice": { "password": "wonderland" } },
  "resources": [
    { "type": "stream", "serve": "/tv.ts", "remote": "http://127.0.0.1:$SOURCE_PORT/stream.ts" },
    { "type": "stream", "serve": "/dead.ts", "remote": "http://127.0.0.1:1/none.ts" },
    { "type": "api", "api": "health", "serve": "/health" },
    { "type": "api", "api": "control", "serve": "/control", "remote": "/tv.ts" },
    { "type": "api", "api": "statistics", "serve": "/private",
      "authentication": { "type": "basic", "realm": "r", "user": "alice" } }
  ] }
JSON
start_server "$T/server.json"
url="http://127.0.0.1:$SERVER_PORT"
# Readiness from the server's own log, so that every request of this test is one we count.
wait_until 10 grep -q "event=upstream_connected stream=/tv.ts" "$T/server.log" || fail "stream never connected"
[[ ! -s $T/access.log ]] || fail "access log not empty before any request: $(cat "$T/access.log")"
requests=0
lines() { if [[ -e $T/access.log ]]; then wc -l <"$T/access.log"; else echo 0; fi; }
lines_are() { (( $(lines) == $1 )); }
# entry PYTHON-CONDITION: prints the one line (as JSON) of the access log for which the condition
# over `e` holds; fails unless there is exactly one.
entry() {
    "$PY" - "$T/access.log" "$1" <<'PY'
import json, sys
found = [e for e in map(json.loads, open(sys.argv[1], encoding="utf-8")) if eval(sys.argv[2])]
if len(found) != 1:
    sys.exit("%d lines match %s" % (len(found), sys.argv[2]))
print(json.dumps(found[0]))
PY
}
# check ENTRY-JSON PYTHON-CONDITION WHAT
check() { "$PY" -c 'import json,sys; e=json.loads(sys.argv[1]); sys.exit(not eval(sys.argv[2]))' "$1" "$2" || fail "$3: $1"; }
stream_keys="['bytes', 'client', 'dropped_packets', 'duration_s', 'method', 'path', 'reason', 'status', 'time']"
request_keys="['bytes', 'client', 'dropped_packets', 'duration_s', 'method', 'path', 'status', 'time']"

log "a viewer that hangs up: one line, bytes at most one batch (256 KiB) above what curl received"
before=$(date +%s.%N)
curl -s -m 3 -o "$T/v1.ts" -w '%{local_port} %{time_total}\n' "$url/tv.ts" >"$T/v1.info" || true
((++requests))
read -r v1_port v1_time <"$T/v1.info"
v1_bytes=$(stat -c %s "$T/v1.ts")
wait_until 3 lines_are $requests || fail "no access log line after the viewer left ($(lines) lines)"
e=$(entry "e['client'] == '127.0.0.1:$v1_port'") || fail "the viewer has no single line: $(cat "$T/access.log")"
echo "$e"
echo "curl received $v1_bytes bytes in $v1_time s"
check "$e" "sorted(e) == $stream_keys" "viewer line keys"
check "$e" "e['method'] == 'GET' and e['path'] == '/tv.ts' and e['status'] == 200 and e['dropped_packets'] == 0" "viewer line fields"
check "$e" "e['reason'] == 'client closed connection'" "viewer line reason"
check "$e" "type(e['bytes']) is int and $v1_bytes <= e['bytes'] <= $v1_bytes + 256 * 1024" \
    "bytes not within one batch above the $v1_bytes curl received"
check "$e" "type(e['duration_s']) is float and abs(e['duration_s'] - $v1_time) < 0.5" "duration_s is not curl's $v1_time s"
check "$e" "__import__('re').fullmatch(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z', e['time'])" "time is not ISO 8601 UTC with milliseconds"
check "$e" "abs(__import__('datetime').datetime.strptime(e['time'], '%Y-%m-%dT%H:%M:%S.%fZ').replace(tzinfo=__import__('datetime').timezone.utc).timestamp() - $before) < 1" \
    "time is not when the request arrived"

log "a viewer the server ends (?offline): bytes exactly what curl received"
curl -s -m 10 -o "$T/v2.ts" -w '%{local_port}\n' "$url/tv.ts" >"$T/v2.info" & v2=$!
((++requests))
wait_until 5 log_count_at_least 2 "event=client_connected" || fail "second viewer did not connect"
sleep 1
curl -s -o /dev/null "$url/control?offline"
((++requests))
wait "$v2" || true
curl -s -o /dev/null "$url/control?online"
((++requests))
v2_port=$(cat "$T/v2.info")
v2_bytes=$(stat -c %s "$T/v2.ts")
wait_until 3 lines_are $requests || fail "expected $requests lines, have $(lines)"
e=$(entry "e['client'] == '127.0.0.1:$v2_port'") || fail "the second viewer has no single line"
echo "$e"
check "$e" "e['bytes'] == $v2_bytes and e['reason'] == 'stream set offline' and e['status'] == 200" "the session the server ended ($v2_bytes bytes received)"
check "$e" "sorted(e) == $stream_keys" "second viewer line keys"

log "API requests, 401, 404, 503 and HEAD get lines too"
body=$(curl -s -w '\n%{local_port}' "$url/health"); ((++requests))
health_port=$(tail -1 <<<"$body"); health_body=$(head -1 <<<"$body")
curl -s -o /dev/null "$url/nothing-here"; ((++requests))
curl -s -o /dev/null "$url/dead.ts"; ((++requests))
curl -s -o /dev/null "$url/private"; ((++requests))
curl -s -o /dev/null -u alice:wonderland "$url/private"; ((++requests))
curl -s -o /dev/null -I "$url/health"; ((++requests))
curl -s -o /dev/null -I "$url/tv.ts"; ((++requests))
wait_until 3 lines_are $requests || fail "expected $requests lines, have $(lines): $(cat "$T/access.log")"
e=$(entry "e['client'] == '127.0.0.1:$health_port'") || fail "no single line for /health"
echo "$e"
check "$e" "sorted(e) == $request_keys" "API line keys"
check "$e" "(e['method'], e['path'], e['status'], e['bytes'], e['dropped_packets']) == ('GET', '/health', 200, ${#health_body}, 0)" "API line fields"
check "$e" "0 <= e['duration_s'] < 0.5" "API line duration"
e=$(entry "e['path'] == '/nothing-here'") || fail "no single line for a 404"
check "$e" "(e['status'], e['bytes'], e['method']) == (404, len('not found'), 'GET')" "404 line"
e=$(entry "e['path'] == '/dead.ts'") || fail "no single line for a 503"
check "$e" "e['status'] == 503 and e['bytes'] > 0" "503 line"
e=$(entry "e['path'] == '/private' and e['status'] == 401") || fail "no single line for a 401"
check "$e" "'user' not in e" "401 line names a user"
e=$(entry "e['path'] == '/private' and e['status'] == 200") || fail "no single line for an authenticated request"
check "$e" "e.get('user') == 'alice'" "authenticated line lacks the user"
e=$(entry "e['path'] == '/health' and e['method'] == 'HEAD'") || fail "no single line for HEAD on an API"
check "$e" "e['status'] == 200 and e['bytes'] == 0" "HEAD API line"
e=$(entry "e['path'] == '/tv.ts' and e['method'] == 'HEAD'") || fail "no single line for HEAD on a stream"
check "$e" "e['status'] == 200 and e['bytes'] == 0" "HEAD stream line"

log "a path that is not UTF-8 (httplib decodes %FF to the byte 0xFF): 404, and the line is valid UTF-8 JSON"
[[ $(http_status "$url/raw%FF%FE-%C0%AF-%E2%82-%C3%A9") == 404 ]] || fail "a path of raw bytes is not answered 404"
((++requests))
wait_until 3 lines_are $requests || fail "expected $requests lines, have $(lines)"
e=$(entry "e['path'].startswith('/raw')") || fail "no single line for the path of raw bytes"
echo "$e"
# Each byte outside a well-formed sequence is the text \xHH; the valid é stays é.
check "$e" 'e["path"] == "/raw\\xff\\xfe-\\xc0\\xaf-\\xe2\\x82-\u00e9" and e["status"] == 404' "the line of the raw path"

log "every line is one JSON object"
"$PY" - "$T/access.log" <<'PY' || fail "the access log has lines that are not JSON objects"
import json, sys
n = 0
# Strict UTF-8: a byte that is not would raise here.
for number, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    assert line.endswith("\n"), "line %d is not terminated" % number
    e = json.loads(line)
    assert isinstance(e, dict), "line %d is not an object" % number
    for key, kind in (("time", str), ("client", str), ("method", str), ("path", str), ("status", int),
                      ("duration_s", (int, float)), ("bytes", int), ("dropped_packets", int)):
        assert isinstance(e.get(key), kind), "line %d: %s is %r" % (number, key, e.get(key))
    n += 1
print("%d lines, all JSON objects with the common keys" % n)
PY
(( $(lines) == requests )) || fail "$requests requests but $(lines) lines"
echo "PASS"
