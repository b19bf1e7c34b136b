#!/usr/bin/env bash
# HTTP as RFC 9110 has it, checked on exact status lines and headers:
#  - a stream's HEAD answers exactly GET's headers (but Date): 200, Connection: close, no Keep-Alive,
#    no Transfer-Encoding, Accept-Ranges: none; the connection closes after HEAD too;
#  - Range (VLC sends bytes=0-) gets 200 and the live stream; on static files and the API, 200 and the
#    whole body, never a Content-Range; a Range httplib cannot parse is ignored as well (no 416);
#  - two requests pipelined in one write are both answered, in order (a static file after the API, and
#    two API requests);
#  - a request target in absolute form (RFC 9112 section 3.2.2) is routed by its path, query kept;
#  - a request head over 16 KiB is answered 431 and closed at once; a trickled head 408 and closed
#    5 s after the connect, however often its bytes arrive.
source "$(dirname "$0")/lib.sh"
PY=$(command -v /usr/bin/python3 || command -v python3)
start_source src "$SAMPLE"
printf 'static text, 30 bytes long...\n' >"$T/note.txt"
cat >"$T/server.json" <<JSON
{ "listen": "127.0.0.1:0", "timeout": 2, "reconnect": 1, "readtimeout": 3,
  "resources": [
    { "type": "stream", "serve": "/tv.ts", "remote": "http://127.0.0.1:$SOURCE_PORT/stream.ts" },
    { "type": "static", "serve": "/note.txt", "remote": "file://$T/note.txt" },
    { "type": "api", "api": "health", "serve": "/health" },
    { "type": "api", "api": "statistics", "serve": "/statistics" },
    { "type": "api", "api": "control", "serve": "/control/tv", "remote": "/tv.ts" },
    { "type": "static", "serve": "/", "remote": "file://$T/note.txt" }
  ] }
JSON
start_server "$T/server.json"
url="http://127.0.0.1:$SERVER_PORT"
wait_until 10 stream_connected /tv.ts || { cat "$T/server.log"; fail "stream never connected"; }

# headers FILE: the head curl saved, without CRs and without the Date line.
headers() { tr -d '\r' <"$1" | sed '/^$/d; /^Date: /d'; }
has() { grep -qx -- "$2" <(tr -d '\r' <"$1") || { cat "$1"; fail "${3:-$1} lacks \"$2\""; }; }
lacks() { ! grep -qi -- "^$2" "$1" || { cat "$1"; fail "${3:-$1} has $2"; }; }

log "stream: HEAD and GET"
curl -s -m 3 -I -D "$T/head.h" -o /dev/null "$url/tv.ts" || fail "HEAD failed"
curl -s -m 2 -D "$T/get.h" -o "$T/get.ts" "$url/tv.ts" || true
cat "$T/get.h"
diff <(headers "$T/head.h") <(headers "$T/get.h") || fail "HEAD and GET headers differ"
has "$T/get.h" "HTTP/1.1 200 OK" "GET /tv.ts"
has "$T/get.h" "Connection: close" "GET /tv.ts"
has "$T/get.h" "Accept-Ranges: none" "GET /tv.ts"
has "$T/get.h" "Content-Type: video/mpeg" "GET /tv.ts"
grep -q "^Date: .* GMT" "$T/get.h" || fail "no Date"
for h in Keep-Alive Transfer-Encoding Content-Length Content-Range; do lacks "$T/get.h" "$h" "GET /tv.ts"; done
truncate -s $(( $(stat -c %s "$T/get.ts") / 188 * 188 )) "$T/get.ts"
"$BIN/ts_check" "$T/get.ts" || fail "GET body is not a clean stream"

log "stream: Range"
curl -s -m 2 -H 'Range: bytes=0-' -D "$T/range.h" -o "$T/range.ts" "$url/tv.ts" || true
has "$T/range.h" "HTTP/1.1 200 OK" "Range: bytes=0-"
lacks "$T/range.h" "Content-Range" "Range: bytes=0-"
truncate -s $(( $(stat -c %s "$T/range.ts") / 188 * 188 )) "$T/range.ts"
"$BIN/ts_check" "$T/range.ts" || fail "the stream after Range: bytes=0- is not clean"
(( $(ts_figure "$T/range.ts" bytes) > 300000 )) || fail "too little of the stream after Range: bytes=0-"

log "static file and API: Range ignored, HEAD as GET"
for path in /note.txt /health; do
    for range in "bytes=2-5" "bytes=100-200" "bytes=5-2" "lines=1"; do
        status=$(curl -s -m 3 -H "Range: $range" -D "$T/r.h" -o "$T/r.body" -w '%{http_code}' "$url$path")
        [[ $status == 200 ]] || { cat "$T/r.h"; fail "$path with Range: $range: $status"; }
        lacks "$T/r.h" "Content-Range" "$path with Range: $range"
        has "$T/r.h" "Accept-Ranges: none" "$path with Range: $range"
        [[ $path != /note.txt ]] || cmp -s "$T/r.body" "$T/note.txt" || fail "$path with Range: $range: not the whole file"
    done
    curl -s -m 3 -I -D "$T/h.h" -o /dev/null "$url$path"
    curl -s -m 3 -D "$T/g.h" -o /dev/null "$url$path"
    # /health's body (and so its length) may change between the two requests.
    diff <(headers "$T/h.h" | grep -v '^Content-Length') <(headers "$T/g.h" | grep -v '^Content-Length') ||
        fail "$path: HEAD and GET headers differ"
    has "$T/g.h" "Keep-Alive: timeout=5, max=100" "GET $path"
    lacks "$T/g.h" "Connection" "GET $path"
done

log "absolute-form targets: routed by their path, query kept"
# absolute TARGET [SECONDS]: the status of a GET whose request line carries TARGET; the body in $T/abs.
absolute() { curl -s -m "${2:-3}" -o "$T/abs" -w '%{http_code}' --request-target "$1" "$url/" || true; }
[[ $(absolute "http://example.com/health") == 200 ]] && grep -q '"bandwidth"' "$T/abs" || fail "absolute-form /health"
[[ $(absolute "HTTP://example.com:8000/tv.ts" 1) == 200 ]] || fail "absolute-form /tv.ts with a port"
(( $(stat -c %s "$T/abs") > 100000 )) || fail "absolute-form /tv.ts: $(stat -c %s "$T/abs") bytes"
[[ $(absolute "http://example.com/note%2Etxt") == 200 ]] && cmp -s "$T/abs" "$T/note.txt" || fail "absolute-form, percent-encoded path"
[[ $(absolute "http://example.com/control/tv?online") == 202 ]] || fail "absolute-form target lost its query"
[[ $(absolute "http://example.com/control/tv") == 400 ]] || fail "absolute-form control without a query"
[[ $(absolute "http://example.com") == 200 ]] && cmp -s "$T/abs" "$T/note.txt" || fail "absolute-form without a path is not /"
[[ $(absolute "https://example.com?x=1") == 200 ]] || fail "absolute-form with a query and no path is not /"
[[ $(absolute "ftp://example.com/health") == 404 ]] || fail "a target of another scheme was routed"
stream_connected /tv.ts || fail "/tv.ts is not online after the control requests"

log "raw connections: HEAD closes, pipelining, head bounds"
"$PY" - "$SERVER_PORT" >"$T/raw.txt" <<'PY' || fail "raw client failed"
import re, socket, sys, time
port = int(sys.argv[1])

def talk(data, trickle=False, limit=10):
    """Sends data (one byte every 50 ms when trickling); returns what came back, whether the server
    closed, and the seconds from connect to close."""
    s = socket.create_connection(("127.0.0.1", port))
    start = time.monotonic()
    s.settimeout(limit)
    out, closed = b"", False
    if trickle:
        s.setblocking(False)
        for b in data:
            try:
                d = s.recv(65536)
                if not d:
                    break
                out += d
            except BlockingIOError:
                pass
            try:
                s.send(bytes([b]))
            except OSError:
                break
            time.sleep(0.05)
        s.settimeout(limit)
    else:
        try:
            s.sendall(data)
        except OSError:
            pass
    try:
        while True:
            d = s.recv(65536)
            if not d:
                closed = True
                break
            out += d
    except (socket.timeout, ConnectionResetError):
        pass
    return out, closed, time.monotonic() - start

def bodies(out):
    """The bodies of consecutive responses that each carry Content-Length."""
    found = []
    while b"\r\n\r\n" in out:
        head, rest = out.split(b"\r\n\r\n", 1)
        length = int(re.search(rb"(?i)\r\ncontent-length: *(\d+)", head).group(1))
        found.append(rest[:length])
        out = rest[length:]
    return found

def status_lines(out):
    # A status line may follow a body that does not end with a line break.
    return [m.decode() for m in re.findall(rb"HTTP/1\.1 \d\d\d [^\r]*", out)]

out, closed, _ = talk(b"HEAD /tv.ts HTTP/1.1\r\nHost: x\r\n\r\n", limit=3)
print("head: statuses=%s closed=%s body_bytes=%d" % (status_lines(out), closed, len(out.split(b"\r\n\r\n", 1)[1])))
out, closed, _ = talk(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /note.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
print("pipelined: statuses=%s closed=%s order_ok=%s" % (status_lines(out), closed,
      0 <= out.find(b'"status"') < out.find(b"static text")))
out, closed, _ = talk(b"GET /statistics HTTP/1.1\r\nHost: x\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
print("pipelined api: statuses=%s closed=%s order_ok=%s" % (status_lines(out), closed,
      [(b'"total_bytes_sent"' in b, b'"bandwidth"' in b) for b in bodies(out)] == [(True, False), (False, True)]))
out, closed, secs = talk(b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"X-Big: " + b"a" * 8000 + b"\r\n" * 1
                         + b"X-Big2: " + b"a" * 8000 + b"\r\n" + b"X-Big3: " + b"a" * 8000 + b"\r\n\r\n")
print("oversized: statuses=%s closed=%s seconds=%.2f" % (status_lines(out), closed, secs))
out, closed, secs = talk(b"GET /health HTTP/1.1\r\nHost: x\r\nUser-Agent: " + b"s" * 200 + b"\r\n\r\n", trickle=True)
print("trickled: statuses=%s closed=%s seconds=%.2f" % (status_lines(out), closed, secs))
PY
cat "$T/raw.txt"
grep -qx "head: statuses=\['HTTP/1.1 200 OK'\] closed=True body_bytes=0" "$T/raw.txt" || fail "HEAD of a stream did not end the connection"
grep -qx "pipelined: statuses=\['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK'\] closed=True order_ok=True" "$T/raw.txt" ||
    fail "pipelined requests not both answered in order"
grep -qx "pipelined api: statuses=\['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK'\] closed=True order_ok=True" "$T/raw.txt" ||
    fail "pipelined API requests not both answered in order"
grep -q "^oversized: statuses=\['HTTP/1.1 431 Request Header Fields Too Large'\] closed=True" "$T/raw.txt" ||
    fail "an oversized head was not refused with 431"
(( $(awk '/^oversized/ {sub("seconds=", "", $NF); print ($NF < 1.5)}' "$T/raw.txt") )) || fail "431 came late"
grep -q "^trickled: statuses=\['HTTP/1.1 408 Request Timeout'\] closed=True" "$T/raw.txt" ||
    fail "a trickled head was not ended with 408"
(( $(awk '/^trickled/ {sub("seconds=", "", $NF); print ($NF >= 4.9 && $NF < 7)}' "$T/raw.txt") )) ||
    fail "the trickled head was not ended 5 s after the connect"
grep -q 'event=client_refused .*reason="request head over 16384 bytes"' "$T/server.log" || fail "431 not logged"
stream_connected /tv.ts || fail "server not fine after all this"
