#!/usr/bin/env bash
# The streams API and the status page with the real server, source and curl viewers: /streams.json
# has exactly its keys, a connected stream with its authenticated viewer (user, growing bytes), a
# dead one "failed" with its error, no "nostats" stream; both resources obey authentication. Then
# headless Chromium runs the page's script (--dump-dom prints the DOM once it has run): the page
# shows the stream, its state and 1 viewer, and 2 when loaded again with a second viewer.
source "$(dirname "$0")/lib.sh"
PY=$(command -v /usr/bin/python3 || command -v python3)

# The browser half needs Debian's chromium (`make deps` installs it); try once if it is missing.
if ! command -v chromium >/dev/null && [[ $(id -u) == 0 ]]; then
    apt-get install -y chromium >"$T/apt.log" 2>&1 || true
fi
have_chromium=$(command -v chromium >/dev/null && echo yes || echo no)

start_source src "$SAMPLE"
cat >"$T/server.json" <<JSON
{ "listen": "127.0.0.1:0", "timeout": 2, "reconnect": 1, "readtimeout": 3,
  "userlist": { "alice": { "password": "wonderland" } },
  "resources": [
    { "type": "stream", "serve": "/tv.ts", "remote": "http://127.0.0.1:$SOURCE_PORT/stream.ts",
      "authentication": { "type": "basic", "realm": "TV", "user": "alice" } },
    { "type": "stream", "serve": "/quiet.ts", "remote": "http://127.0.0.1:$SOURCE_PORT/stream.ts", "nostats": true },
    { "type": "stream", "serve": "/dead.ts", "remote": "http://127.0.0.1:1/none.ts" },
    { "type": "api", "api": "streams", "serve": "/streams.json" },
    { "type": "api", "api": "status", "serve": "/status" },
    { "type": "api", "api": "status", "serve": "/ops/status", "remote": "/streams.json",
      "authentication": { "type": "basic", "realm": "ops", "user": "alice" } }
  ] }
JSON
start_server "$T/server.json"
url="http://127.0.0.1:$SERVER_PORT"
stream_up() { [[ $(curl -s -o /dev/null -w '%{http_code}' -u alice:wonderland -I "$url/tv.ts") == 200 ]]; }
wait_until 10 stream_up || { cat "$T/server.log"; fail "/tv.ts never connected"; }

# streams EXPR: a Python expression over a fresh /streams.json, parsed as `j`, with `s(path)` its stream.
streams() {
    curl -s -m 5 -o "$T/streams.json" "$url/streams.json" || return 1
    "$PY" -c 'import json,sys
j = json.load(open(sys.argv[1]))
s = lambda p: next(x for x in j if x["path"] == p)
print(eval(sys.argv[2]))' "$T/streams.json" "$1"
}
expect_streams() { local got; got=$(streams "$1") && [[ $got == "$2" ]]; }

log "streams.json: exact keys, no nostats stream, the dead stream failed with its error"
[[ $(curl -s -o /dev/null -w '%{content_type}' "$url/streams.json") == application/json ]] || fail "Content-Type"
wait_until 10 expect_streams 's("/dead.ts")["state"]' failed || fail "dead stream: $(cat "$T/streams.json")"
[[ $(streams '[x["path"] for x in j]') == "['/dead.ts', '/tv.ts']" ]] || fail "paths: $(cat "$T/streams.json")"
[[ $(streams 'sorted(s("/tv.ts"))') == "['cc_errors', 'failbacks', 'failovers', 'input_bits_per_second', 'last_error', 'null_share', 'output_bytes_per_second', 'packets_dropped', 'path', 'pids', 'state', 'tr101290', 'upstream', 'viewer_list', 'viewers', 'viewers_truncated']" ]] ||
    fail "keys: $(cat "$T/streams.json")"
[[ $(streams 's("/dead.ts")["last_error"]') == *"Connection refused"* ]] || fail "dead error: $(cat "$T/streams.json")"
[[ $(streams 's("/dead.ts")["upstream"]') == "http://127.0.0.1:1/none.ts" ]] || fail "dead upstream"
[[ $(streams 's("/tv.ts")["state"], s("/tv.ts")["upstream"], s("/tv.ts")["last_error"], s("/tv.ts")["viewers"]') == \
   "('connected', 'http://127.0.0.1:$SOURCE_PORT/stream.ts', '', 0)" ]] || fail "tv: $(cat "$T/streams.json")"

log "one authenticated viewer: listed with its user, its bytes grow; the rates follow"
curl -s -m 60 -u alice:wonderland -o "$T/viewer1.ts" "$url/tv.ts" & viewer1=$!
wait_until 10 expect_streams 's("/tv.ts")["viewers"]' 1 || fail "viewers: $(cat "$T/streams.json")"
[[ $(streams 'sorted(s("/tv.ts")["viewer_list"][0])') == "['address', 'bytes_sent', 'packets_dropped', 'since', 'user']" ]] ||
    fail "viewer keys: $(cat "$T/streams.json")"
[[ $(streams '[(v["user"], v["address"].startswith("127.0.0.1:"), v["packets_dropped"]) for v in s("/tv.ts")["viewer_list"]]') == \
   "[('alice', True, 0)]" ]] || fail "viewer row: $(cat "$T/streams.json")"
[[ $(streams 's("/tv.ts")["viewer_list"][0]["since"]') =~ ^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:.]{12}Z$ ]] || fail "since"
first=$(streams 's("/tv.ts")["viewer_list"][0]["bytes_sent"]')
grew() { (( $(streams 's("/tv.ts")["viewer_list"][0]["bytes_sent"]') > first )); }
wait_until 10 grew || fail "bytes_sent stayed at $first"
sleep 1.1  # the rate meters need two samples a second apart
rates_positive() { [[ $(streams 's("/tv.ts")["input_bits_per_second"] > 0 and s("/tv.ts")["output_bytes_per_second"] > 0') == True ]]; }
wait_until 10 rates_positive || fail "rates: $(cat "$T/streams.json")"

log "protection: the status page and its URL"
[[ $(http_status "$url/ops/status") == 401 ]] || fail "/ops/status without credentials"
curl -s -m 5 -u alice:wonderland -o "$T/ops.html" "$url/ops/status"
grep -q '<meta name="streams-url" content="/streams.json">' "$T/ops.html" || fail "/ops/status streams URL"
curl -s -m 5 -D "$T/status.headers" -o "$T/status.html" "$url/status"
grep -qi '^content-type: text/html; charset=utf-8' "$T/status.headers" || fail "status Content-Type"
grep -q '<meta name="streams-url" content="streams.json">' "$T/status.html" || fail "/status default streams URL"

if [[ $have_chromium != yes ]]; then
    echo "SKIP: chromium is not installed and could not be installed (see make deps)"
    exit 77
fi

# page_dom: the status page's DOM after its script ran, in $T/dom.html.
page_dom() {
    timeout 60 chromium --headless --no-sandbox --disable-gpu --user-data-dir="$T/chrome" \
        --dump-dom --virtual-time-budget=5000 "$url/status" >"$T/dom.html" 2>>"$T/chrome.log"
}
# shown EXPR: a Python expression over the dumped DOM, with `sec(path)` the stream's section and
# `cell(path, cls)` the text of its figure of that class.
shown() {
    "$PY" -c 'import re,sys
dom = open(sys.argv[1]).read()
def sec(p):
    m = re.search(r"<section class=\"stream\" data-path=\"" + re.escape(p) + r"\">(.*?)</section>", dom)
    return m.group(1) if m else ""
def cell(p, cls):
    m = re.search(r"<td class=\"" + cls + r"\">([^<]*)</td>", sec(p))
    return m.group(1) if m else None
print(eval(sys.argv[2]))' "$T/dom.html" "$1"
}

log "chromium: the page shows the streams, their state, and 1 viewer"
page_dom || fail "chromium failed: $(tail -5 "$T/chrome.log")"
[[ $(shown 'cell("/tv.ts", "viewers"), cell("/tv.ts", "state state-connected"), "<h2 class=\"path\">/tv.ts</h2>" in dom') == \
   "('1', 'connected', True)" ]] || fail "page with 1 viewer: $(head -c 3000 "$T/dom.html")"
[[ $(shown 'cell("/dead.ts", "state state-failed"), "Connection refused" in cell("/dead.ts", "last-error")') == "('failed', True)" ]] ||
    fail "page, dead stream: $(head -c 3000 "$T/dom.html")"
[[ $(shown '"<td>alice</td>" in sec("/tv.ts"), "/quiet.ts" in dom') == "(True, False)" ]] || fail "page viewer row: $(head -c 3000 "$T/dom.html")"

log "chromium: loaded again with a second viewer, it shows 2"
curl -s -m 60 -u alice:wonderland -o "$T/viewer2.ts" "$url/tv.ts" & viewer2=$!
wait_until 10 expect_streams 's("/tv.ts")["viewers"]' 2 || fail "second viewer: $(cat "$T/streams.json")"
page_dom || fail "chromium failed: $(tail -5 "$T/chrome.log")"
[[ $(shown 'cell("/tv.ts", "viewers"), sec("/tv.ts").count("<td>alice</td>")') == "('2', 2)" ]] ||
    fail "page with 2 viewers: $(head -c 3000 "$T/dom.html")"
kill "$viewer1" "$viewer2" 2>/dev/null || true
log "passed"
