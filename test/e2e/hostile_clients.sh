#!/usr/bin/env bash
# Hostile HTTP clients are bounded and do not hurt real viewers:
#  (a) a 100 KB header line, 500 header lines and a 100 KB URI get a 4xx at once;
#  (b) 1000 idle connections that send nothing (300 under a sanitizer): a real viewer still gets a clean stream while they
#      are open, the server closes every one of them after its 5 s read timeout, and its thread
#      count returns to the baseline;
#  (c) half a request line then silence is closed after the read timeout; a request followed by
#      shutdown(SHUT_WR) is served or closed, and freed when the client goes;
#  (d) viewers that never read (small SO_RCVBUF) are disconnected within write timeout (5 s) +
#      maxlag (5 s) with a logged reason, while a healthy viewer has no CC error and RSS stays low
#      (not checked under a sanitizer).
#  (e) a header flood (100 MB of 8 KB lines, each under httplib's line limit; of 5-byte lines; one
#      100 MB line) is cut off at the 16 KiB bound on a request head, and RSS does not grow with it.
# Prints the measured figures.
source "$(dirname "$0")/lib.sh"
start_source src "$SAMPLE"
write_config "$T/server.json" '"maxlag": 5,' /tv.ts "http://127.0.0.1:$SOURCE_PORT/stream.ts"
start_server "$T/server.json"
wait_until 10 stream_connected /tv.ts || fail "stream never connected"
url="http://127.0.0.1:$SERVER_PORT/tv.ts"
# Under a sanitizer every thread start is slow (1000 connections take the acceptor seconds) and
# RSS measures the sanitizer's shadow memory.
IDLE=1000 SANITIZED=0
grep -qa -m1 -e __tsan_init -e __asan_init "$BIN/server" && IDLE=300 SANITIZED=1

threads() { ls "/proc/$SERVER_PID/task" | wc -l; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$SERVER_PID/status"; }
threads_at_most() { (( $(threads) <= $1 )); }
figure() { sed -n "s/.*$1=\([0-9.-]*\).*/\1/p" "${2:--}" | head -1; }
connected() { grep -c "event=client_connected" "$T/server.log" || true; }
disconnected() { grep -c "event=client_disconnected" "$T/server.log" || true; }
all_viewers_gone() { (( $(connected) == $(disconnected) )); }

cat >"$T/hostile.py" <<'PY'
import selectors, socket, sys, time

PORT = int(sys.argv[2])

def connect(rcvbuf=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.connect(("127.0.0.1", PORT))
    return s

def wait_closed(socks, limit):
    """For each (socket, start): seconds after start at which the server closed it (None: still
    open after `limit`), and the bytes received before that."""
    sel = selectors.DefaultSelector()
    for i, (s, _) in enumerate(socks):
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, i)
    closed, got = [None] * len(socks), [0] * len(socks)
    deadline, left = time.monotonic() + limit, len(socks)
    while left and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=0.1):
            s, start = socks[key.data]
            try:
                data = s.recv(1 << 16)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if data:
                got[key.data] += len(data)
                continue
            closed[key.data] = time.monotonic() - start
            sel.unregister(s)
            left -= 1
    return closed, got

def summary(name, closed, got):
    times = sorted(c for c in closed if c is not None)
    print("%s: clients=%d closed_by_server=%d still_open=%d first_close_s=%s last_close_s=%s got_bytes=%d"
          % (name, len(closed), len(times), len(closed) - len(times),
             "%.2f" % times[0] if times else "-1", "%.2f" % times[-1] if times else "-1", sum(got)), flush=True)

def answer(name, request):
    """Sends `request` and reports the status (or 'closed') and how long the answer took."""
    s = connect()
    s.settimeout(10)
    start = time.monotonic()
    try:
        s.sendall(request)
    except OSError:
        pass  # the server may close while we are still sending
    head = b""
    try:
        while b"\r\n" not in head:
            data = s.recv(4096)
            if not data:
                break
            head += data
    except OSError:
        pass
    ms = (time.monotonic() - start) * 1000
    status = head.split(b" ")[1].decode() if head.startswith(b"HTTP/") else "closed"
    print("%s: status=%s answer_ms=%d" % (name, status, ms), flush=True)
    s.close()

cmd = sys.argv[1]
if cmd == "headers":
    answer("header line of 100 KB", b"GET /tv.ts HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100000 + b"\r\n\r\n")
    answer("500 header lines", b"GET /tv.ts HTTP/1.1\r\nHost: x\r\n" +
           b"".join(b"X-H%d: v\r\n" % i for i in range(500)) + b"\r\n")
    answer("URI of 100 KB", b"GET /tv.ts?" + b"a" * 100000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
elif cmd == "idle":           # idle N READY_FILE: N connections that send nothing
    n, ready = int(sys.argv[3]), sys.argv[4]
    socks = [(connect(), time.monotonic()) for _ in range(n)]
    open(ready, "w").write("%d\n" % len(socks))
    summary("idle", *wait_closed(socks, 15))
elif cmd == "halfline":       # halfline N: half a request line, then nothing
    n = int(sys.argv[3])
    socks = []
    for _ in range(n):
        s = connect()
        s.sendall(b"GET /tv.ts HT")
        socks.append((s, time.monotonic()))
    summary("halfline", *wait_closed(socks, 15))
elif cmd == "shutwr":         # shutwr N SECONDS: a whole request, then shutdown(SHUT_WR); read SECONDS
    n, seconds = int(sys.argv[3]), float(sys.argv[4])
    socks = []
    for _ in range(n):
        s = connect()
        s.sendall(b"GET /tv.ts HTTP/1.1\r\nHost: x\r\n\r\n")
        s.shutdown(socket.SHUT_WR)
        socks.append((s, time.monotonic()))
    closed, got = wait_closed(socks, seconds)
    summary("shutwr", closed, got)
    # Each one was either closed by the server or kept getting the stream.
    print("shutwr_unbounded=%d" % sum(1 for c, g in zip(closed, got) if c is None and g == 0), flush=True)
    for s, _ in socks:
        s.close()
elif cmd == "noread":         # noread N SECONDS PORTS_FILE: request the stream, never read, hold SECONDS
    n, seconds, ports_file = int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
    socks = []
    for _ in range(n):
        s = connect(rcvbuf=4096)
        s.sendall(b"GET /tv.ts HTTP/1.1\r\nHost: x\r\n\r\n")
        socks.append(s)
    open(ports_file, "w").write("".join("%d\n" % s.getsockname()[1] for s in socks))
    time.sleep(seconds)
    for s in socks:
        s.close()
elif cmd == "flood":          # flood MB LINE: header lines of LINE bytes (0: one endless line), held 1 s
    mb, line_bytes = int(sys.argv[3]), int(sys.argv[4])
    s = connect()
    s.settimeout(10)
    line = b"X:" + b"v" * (line_bytes - 4) + b"\r\n" if line_bytes else b"v"
    chunk = line * max(1, 65536 // len(line))  # many tiny lines per send, as a fast attacker would
    sent, start, outcome = 0, time.monotonic(), "accepted"
    try:
        s.sendall(b"GET /tv.ts HTTP/1.1\r\nHost: x\r\n" + (b"X-Endless: " if not line_bytes else b""))
        while sent < mb * 1000000:
            s.sendall(chunk)
            sent += len(chunk)
    except OSError as e:
        outcome = "cut off (%s)" % e.__class__.__name__
    print("flood: sent_mb=%d seconds=%.1f outcome=%s" % (sent // 1000000, time.monotonic() - start, outcome), flush=True)
    time.sleep(1)
    s.close()
PY
hostile() { python3 "$T/hostile.py" "$1" "$SERVER_PORT" "${@:2}"; }

base_threads=$(threads)
base_rss=$(rss_kb)
echo "baseline: threads=$base_threads rss_kb=$base_rss"

log "(a) huge request heads"
hostile headers | tee "$T/headers.txt"
while read -r line; do
    status=$(figure status <<<"$line"); ms=$(figure answer_ms <<<"$line")
    [[ $line == *"status=closed"* ]] || [[ $status == 4?? ]] || fail "not refused: $line"
    (( ms < 1000 )) || fail "refused only after $ms ms: $line"
done <"$T/headers.txt"
(( $(wc -l <"$T/headers.txt") == 3 )) || fail "header trials did not all run"
grep -q 'event=client_refused .*reason="too many header fields"' "$T/server.log" || fail "refusal of 500 header lines not logged"
stream_connected /tv.ts || fail "server not fine after huge headers"

log "(b) $IDLE idle connections"
hostile idle $IDLE "$T/idle.ready" >"$T/idle.txt" & idle=$!
wait_until 10 test -s "$T/idle.ready" || fail "could not open $IDLE connections"
start=$(date +%s%N)
wait_until 5 bash -c "(( \$(ls /proc/$SERVER_PID/task | wc -l) >= $base_threads + $IDLE ))" || true
peak_threads=$(threads)
ttfb=$(curl -s -m 3 -o "$T/idle_viewer.ts" -w '%{time_starttransfer}' "$url" || true)
viewer_s=$(( ($(date +%s%N) - start) / 1000000 ))
wait $idle || fail "idle client script failed"
cat "$T/idle.txt"
"$BIN/ts_check" "$T/idle_viewer.ts" || fail "the viewer among idle connections has CC errors"
bytes=$(ts_figure "$T/idle_viewer.ts" bytes)
(( bytes > 500000 )) || fail "the viewer among idle connections got only $bytes bytes"
(( $(figure closed_by_server "$T/idle.txt") == IDLE )) || fail "the server did not close every idle connection"
last=$(figure last_close_s "$T/idle.txt")
(( $(awk -v t="$last" 'BEGIN {print (t <= 6.5)}') )) || fail "idle connections were closed only after $last s"
wait_until 3 threads_at_most $(( base_threads + 2 )) || fail "threads did not return to baseline: $(threads)"
echo "idle connections: $IDLE open, $(figure closed_by_server "$T/idle.txt") closed by the server after" \
     "$(figure first_close_s "$T/idle.txt")..$last s; threads baseline=$base_threads peak=$peak_threads after=$(threads);" \
     "a viewer among them: ttfb=${ttfb}s, $bytes bytes in 3 s, cc_errors=0 (done ${viewer_s} ms after they opened)"

log "(c) half-open connections"
hostile halfline 100 >"$T/halfline.txt" & half=$!
hostile shutwr 20 3 >"$T/shutwr.txt"
wait $half || fail "halfline script failed"
cat "$T/halfline.txt" "$T/shutwr.txt"
(( $(figure closed_by_server "$T/halfline.txt") == 100 )) || fail "half request lines were not all closed"
last=$(figure last_close_s "$T/halfline.txt")
(( $(awk -v t="$last" 'BEGIN {print (t <= 6.5)}') )) || fail "half request lines were closed only after $last s"
(( $(figure shutwr_unbounded "$T/shutwr.txt") == 0 )) || fail "a SHUT_WR client was neither served nor closed"
wait_until 2 all_viewers_gone || fail "SHUT_WR viewers not freed: $(connected) connected, $(disconnected) disconnected"
wait_until 3 threads_at_most $(( base_threads + 2 )) || fail "threads did not return to baseline: $(threads)"
echo "half-open: 100 half request lines closed after $(figure first_close_s "$T/halfline.txt")..$last s;" \
     "20 request+SHUT_WR: $(figure closed_by_server "$T/shutwr.txt") closed by the server, $(figure got_bytes "$T/shutwr.txt") bytes" \
     "received, all freed; threads after=$(threads)"

log "(d) viewers that never read"
before=$(disconnected)
curl -s -m 11 -o "$T/healthy.ts" "$url" & healthy=$!
hostile noread 20 11 "$T/noread.ports" & noread=$!
peak_rss=$(rss_kb)
for _ in $(seq 110); do
    kill -0 $healthy 2>/dev/null || break
    rss=$(rss_kb); (( rss > peak_rss )) && peak_rss=$rss
    sleep 0.1
done
wait $healthy || true
wait $noread || fail "noread script failed"
"$BIN/ts_check" "$T/healthy.ts" || fail "the healthy viewer next to non-readers has CC errors"
healthy_bytes=$(ts_figure "$T/healthy.ts" bytes)
(( healthy_bytes > 2000000 )) || fail "the healthy viewer got only $healthy_bytes bytes in 11 s"
max_s=0
while read -r port; do
    line=$(grep "event=client_disconnected .*client=127.0.0.1:$port " "$T/server.log" || true)
    [[ -n $line ]] || { cat "$T/server.log"; fail "non-reading viewer :$port was not disconnected"; }
    s=$(figure duration_s <<<"$line")
    [[ $line =~ reason=\"(send timed out|too slow) ]] || fail "non-reading viewer without its reason: $line"
    (( $(awk -v t="$s" 'BEGIN {print (t <= 11)}') )) || fail "non-reading viewer disconnected only after $s s"
    max_s=$(awk -v a="$max_s" -v b="$s" 'BEGIN {print (b > a ? b : a)}')
done <"$T/noread.ports"
grep "event=client_disconnected" "$T/server.log" | tail -n +$(( before + 1 )) | head -2
rss_after=$(rss_kb)
(( SANITIZED || peak_rss - base_rss < 100 * 1024 )) || fail "RSS grew from $base_rss to $peak_rss KiB"
echo "never-reading viewers: 20 disconnected after at most ${max_s}s; healthy viewer: $healthy_bytes bytes, cc_errors=0;" \
     "RSS KiB baseline=$base_rss peak=$peak_rss after=$rss_after"
wait_until 2 all_viewers_gone || fail "viewers not freed"

# flood LINE_BYTES WHAT: 100 MB of request head in lines of LINE_BYTES (0: one line) is cut off at the
# 16 KiB bound, and RSS does not grow with it.
flood() {
    local before; before=$(rss_kb)
    hostile flood 100 "$1" >"$T/flood.txt" & flood=$!
    flood_rss=$before
    while kill -0 $flood 2>/dev/null; do
        rss=$(rss_kb); (( rss > flood_rss )) && flood_rss=$rss
        sleep 0.1
    done
    wait $flood || true
    cat "$T/flood.txt"
    echo "header flood: 100 MB of $2 in one request; RSS KiB before=$before peak=$flood_rss after=$(rss_kb)"
    grep -q "outcome=cut off" "$T/flood.txt" || fail "a 100 MB request head of $2 was accepted"
    (( SANITIZED || flood_rss - before < 10 * 1024 )) || fail "RSS grew by $(( flood_rss - before )) KiB in a flood of $2"
}
log "(e) header floods"
flood 8000 "8 KB header lines"
flood 5 "5-byte header lines"
flood 0 "one header line"
stream_connected /tv.ts || fail "server not fine after everything"
