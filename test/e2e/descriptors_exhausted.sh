#!/usr/bin/env bash
# Running out of file descriptors is answered and logged, not silent: with the server's limit at 256
# and 300 viewers arriving, every viewer gets a status line (200 while descriptors last, then 503
# within 1 s from a reserve descriptor), the log has accept_failed lines with a count (at most one a
# second), /health still answers and says why it is full, and once viewers leave a new one is served.
source "$(dirname "$0")/lib.sh"
start_source src "$SAMPLE"
cat >"$T/server.json" <<JSON
{ "listen": "127.0.0.1:0", "timeout": 2, "reconnect": 1, "readtimeout": 3,
  "resources": [
    { "type": "stream", "serve": "/tv.ts", "remote": "http://127.0.0.1:$SOURCE_PORT/stream.ts" },
    { "type": "api", "api": "health", "serve": "/health" } ] }
JSON
start_server "$T/server.json"
wait_until 10 stream_connected /tv.ts || fail "stream never connected"
LIMIT=256 VIEWERS=300
prlimit --pid "$SERVER_PID" --nofile=$LIMIT:$LIMIT || fail "cannot lower the server's descriptor limit"

cat >"$T/viewers.py" <<'PY'
import json, os, selectors, socket, sys, time
port, count, result_file, release_file = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
sel = selectors.DefaultSelector()
started, status, answered, socks = {}, {}, {}, []
for i in range(count):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /tv.ts HTTP/1.1\r\nHost: t\r\n\r\n")
    s.setblocking(False)
    started[i] = time.monotonic()
    sel.register(s, selectors.EVENT_READ, (i, bytearray()))
    socks.append(s)
deadline = time.monotonic() + 10
while len(status) < count and time.monotonic() < deadline:
    for key, _ in sel.select(timeout=0.1):
        i, head = key.data
        try:
            data = key.fileobj.recv(65536)
        except OSError:
            data = b""
        if i not in status:
            head += data
            if b"\r\n" in head or not data:
                status[i] = int(head.split(b" ")[1]) if head.startswith(b"HTTP/1.1 ") else 0
                answered[i] = time.monotonic() - started[i]
        if not data:
            sel.unregister(key.fileobj)
late = [round(answered[i], 2) for i in status if status[i] == 503 and answered[i] > 1.0]
with open(result_file + ".tmp", "w") as f:
    f.write(json.dumps({"ok": sum(1 for v in status.values() if v == 200),
                  "unavailable": sum(1 for v in status.values() if v == 503),
                  "other": sum(1 for v in status.values() if v not in (200, 503)),
                  "unanswered": count - len(status), "late_503": late}))
os.rename(result_file + ".tmp", result_file)
# Hold the served viewers open until told to go, so that their descriptors stay taken.
while not os.path.exists(release_file):
    time.sleep(0.05)
PY
log "$VIEWERS viewers against a limit of $LIMIT descriptors"
python3 "$T/viewers.py" "$SERVER_PORT" "$VIEWERS" "$T/result.json" "$T/release" &
viewers_pid=$!
PIDS+=($viewers_pid)
wait_until 30 test -s "$T/result.json" || fail "the viewers never finished connecting"
result=$(cat "$T/result.json")
echo "$result"
figure() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$result" "$1"; }
(( $(figure unanswered) == 0 )) || fail "$(figure unanswered) viewers got no answer at all"
(( $(figure other) == 0 )) || fail "$(figure other) viewers got neither 200 nor 503"
(( $(figure ok) > 150 )) || fail "only $(figure ok) viewers served before the limit"
(( $(figure unavailable) > 0 )) || fail "no viewer was refused: the limit was not reached"
[[ $(figure late_503) == "[]" ]] || fail "503s later than 1 s: $(figure late_503)"

log "/health while out of descriptors"
health=$(curl -s -m 2 "http://127.0.0.1:$SERVER_PORT/health") || fail "/health did not answer"
echo "$health"
[[ $health == *'"status":"full"'* && $health == *'"reason":"out of file descriptors"'* ]] ||
    fail "/health does not say the server is out of descriptors"
grep "event=accept_failed" "$T/server.log" | head -3
lines=$(grep -c "event=accept_failed" "$T/server.log" || true)
(( lines >= 1 )) || fail "no accept_failed line"
grep -q 'event=accept_failed reason="Too many open files" count=' "$T/server.log" || fail "accept_failed without reason and count"
# At most one line a second: the whole burst took a few seconds.
(( lines <= 6 )) || fail "$lines accept_failed lines: not limited to one a second"

log "the viewers leave; the server recovers by itself"
touch "$T/release"
wait "$viewers_pid"
all_left() { (( $(grep -c event=client_disconnected "$T/server.log") >= $(figure ok) )); }
wait_until 10 all_left || fail "the server did not notice every viewer leave"
capture "http://127.0.0.1:$SERVER_PORT/tv.ts" 2 "$T/after.ts"
(( $(ts_figure "$T/after.ts" packets) > 0 )) || fail "a new viewer gets no packets after recovery: $(head -c 100 "$T/after.ts")"
healthy() { [[ $(curl -s -m 2 "http://127.0.0.1:$SERVER_PORT/health") == *'"status":"ok"'* ]]; }
wait_until 10 healthy || fail "/health did not return to ok"
echo "recovered: a new viewer receives packets, /health is ok"
