#!/usr/bin/env bash
# 200 HLS clients that ask for segments and never read them do not grow the server's memory past
# the window's bound: segments are shared, departed ones held by readers are capped (revoked past
# another window), and a reader that takes nothing for 5 s is dropped. Segments far ahead and long
# gone are 404.
source "$(dirname "$0")/lib.sh"
start_source src "$SAMPLE"
cat >"$T/server.json" <<JSON
{ "listen": "127.0.0.1:0", "timeout": 5, "reconnect": 1, "readtimeout": 3,
  "resources": [ { "type": "stream", "serve": "/tv.ts", "hls": { "serve": "/ch1/", "segment": 4, "window": 2 },
                   "remote": "http://127.0.0.1:$SOURCE_PORT/stream.ts" } ] }
JSON
start_server "$T/server.json"
U="http://127.0.0.1:$SERVER_PORT/ch1"
newest() { curl -sf -m 15 "$U/index.m3u8" | grep '\.ts$' | tail -1 | cut -d. -f1; }
has_two() { (( $(curl -sf -m 15 "$U/index.m3u8" | grep -c '\.ts$') >= 2 )); }
wait_until 30 has_two || fail "no playlist with 2 segments"
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$SERVER_PID/status"; }
before=$(rss_kb)

# 200 clients, small receive buffers, each asks for the newest segment (about 1 MB at 2 Mbit/s, more
# than the socket buffers take) and then reads nothing for 20 s: the window slides twice meanwhile.
cat >"$T/stall.py" <<'PY'
import socket, sys, time
host, port, path, n, hold = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
socks = []
for _ in range(n):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect((host, port))
    s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path).encode())
    socks.append(s)
time.sleep(hold)
PY
seg=$(newest)
/usr/bin/python3 "$T/stall.py" 127.0.0.1 "$SERVER_PORT" "/ch1/$seg.ts" 200 20 & stall=$!
peak=0
for _ in $(seq 40); do
    rss=$(rss_kb); (( rss > peak )) && peak=$rss
    sleep 0.5
done
wait $stall || true
echo "RSS before ${before} kB, peak with 200 stalled readers ${peak} kB"
# The bound: the window and another window of departed segments (4 x ~1 MB), plus the threads.
# Under a sanitizer, RSS is mostly its shadow memory per thread: the run still checks for races.
if [[ $BIN == *build/thread* || $BIN == *build/address* ]]; then
    echo "RSS bound not checked under a sanitizer build"
else
    (( peak - before < 64 * 1024 )) || fail "memory grew by $(( (peak - before) / 1024 )) MB with 200 stalled readers"
fi
[[ $(http_status "$U/$seg.ts") == 404 ]] || fail "a segment that left the window long ago is not 404"
[[ $(http_status "$U/$(( $(newest) + 100 )).ts") == 404 ]] || fail "a segment far ahead is not 404"
