#!/usr/bin/env python3
"""slow_reader.py URL BYTES_PER_SECOND SECONDS OUT - a viewer that reads slower than the stream.

Uses a small receive buffer so that the kernel does not hide its slowness, decodes the chunked body
and writes it to OUT. Test code for test/e2e only.
"""
import socket
import sys
import time
import urllib.parse

url, rate, seconds, out_path = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
parts = urllib.parse.urlsplit(url)
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 * 1024)
sock.connect((parts.hostname, parts.port))
sock.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (parts.path, parts.netloc)).encode())

raw = bytearray()
body = bytearray()
start = time.monotonic()
head_done = False
step = max(1, rate // 20)
while time.monotonic() - start < seconds:
    # Read no faster than `rate`: at most `step` bytes per 50 ms.
    data = sock.recv(step)
    if not data:
        break
    raw += data
    if not head_done and b"\r\n\r\n" in raw:
        raw = raw[raw.index(b"\r\n\r\n") + 4:]
        head_done = True
    if head_done:
        # Decode whole chunks; a partial one stays in raw.
        while True:
            eol = raw.find(b"\r\n")
            if eol < 0:
                break
            size = int(raw[:eol].split(b";")[0], 16)
            if len(raw) < eol + 2 + size + 2:
                break
            body += raw[eol + 2:eol + 2 + size]
            raw = raw[eol + 2 + size + 2:]
    time.sleep(0.05)
sock.close()
with open(out_path, "wb") as out:
    out.write(body)
