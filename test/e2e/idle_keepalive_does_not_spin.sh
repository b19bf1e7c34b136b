#!/usr/bin/env bash
# An idle keep-alive connection costs no CPU: each waits in one poll() for its next request (httplib's
# own loop wakes every 10 ms). 200 connections that each made one request and then stay quiet for
# 4 s, as HLS players between two playlist reloads do, cost the server less than 0.1 CPU seconds;
# waking every 10 ms they would cost several times that. Then each still gets its next answer.
source "$(dirname "$0")/lib.sh"
cat >"$T/server.json" <<JSON
{ "listen": "127.0.0.1:0", "requesttimeout": 30,
  "resources": [ { "type": "api", "api": "health", "serve": "/health" } ] }
JSON
start_server "$T/server.json"
# cpu_ticks: the server's user + system time in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"; }
python3 - "$SERVER_PORT" "$T/ready" "$T/go" >"$T/clients.log" 2>&1 <<'PY' &
import os, socket, sys, time
port, ready, go = int(sys.argv[1]), sys.argv[2], sys.argv[3]
request = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
def answer(s):
    data = b""
    while b"\r\n\r\n" not in data:
        data += s.recv(4096)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int([l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")][0])
    while len(body) < length:
        body += s.recv(4096)
    return head.split(b"\r\n")[0]
conns = []
for _ in range(200):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(request)
    assert answer(s) == b"HTTP/1.1 200 OK"
    conns.append(s)
open(ready, "w").close()
while not os.path.exists(go):
    time.sleep(0.05)
print(sum(answer(s) == b"HTTP/1.1 200 OK" for s in conns if s.sendall(request) is None), "answered again")
PY
PIDS+=($!)
clients=$!
wait_until 20 test -e "$T/ready" || { cat "$T/clients.log"; fail "the 200 connections were not made"; }
before=$(cpu_ticks)
sleep 4
after=$(cpu_ticks)
ticks=$(( after - before )) hz=$(getconf CLK_TCK)
echo "200 idle keep-alive connections for 4 s: $ticks ticks of server CPU (1/$hz s)"
(( ticks * 10 < hz )) || fail "idle keep-alive connections cost $ticks/$hz CPU s in 4 s"
touch "$T/go"
wait "$clients" || { cat "$T/clients.log"; fail "the clients failed"; }
grep -q "^200 answered again$" "$T/clients.log" || { cat "$T/clients.log"; fail "not every idle connection was answered again"; }
