#!/usr/bin/env python3
"""gap_reader.py URL OUT [SECONDS] - a viewer that measures the longest pause in its stream.

Sends one GET, reads the response head, then reads the body as fast as it comes (raw until the
connection closes, as the server sends streams) and records the longest interval between two
recv() calls that returned body bytes. Stops at end of stream, after SECONDS (default 600), or on
SIGTERM/SIGINT; then writes the body, cut to whole 188-byte packets, to OUT and prints one line:

    status=200 bytes=N seconds=T max_gap_ms=M max_gap_at_s=S end=eof|deadline|signal|error

seconds is the time from the first body byte to the end; max_gap_at_s is when (seconds after the
first body byte) the longest pause ended. Test code for test/e2e only.
"""
import signal
import socket
import sys
import time
import urllib.parse


class Stop(Exception):
    pass


def on_signal(signum, frame):
    raise Stop()


def main():
    url, out_path = sys.argv[1], sys.argv[2]
    seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 600.0
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    parts = urllib.parse.urlsplit(url)
    body = bytearray()
    head = bytearray()
    status = 0
    max_gap = 0.0
    max_gap_at = 0.0
    first = last = None
    end = "eof"
    sock = None
    try:
        sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
        sock.settimeout(None)
        sock.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (parts.path or "/", parts.netloc)).encode())
        deadline = time.monotonic() + seconds
        head_done = False
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                end = "deadline"
                break
            sock.settimeout(remaining)
            try:
                data = sock.recv(1 << 16)
            except socket.timeout:
                end = "deadline"
                break
            now = time.monotonic()
            if not data:
                end = "eof"
                break
            if not head_done:
                head += data
                if b"\r\n\r\n" not in head:
                    continue
                split = head.index(b"\r\n\r\n")
                status_line = bytes(head[:head.index(b"\r\n")]).split()
                status = int(status_line[1]) if len(status_line) > 1 else 0
                data = bytes(head[split + 4:])
                head_done = True
                if not data:
                    continue
            if last is not None and now - last > max_gap:
                max_gap = now - last
                max_gap_at = now - first
            if first is None:
                first = now
            last = now
            body += data
    except Stop:
        end = "signal"
    except OSError as e:
        end = "error"
        print("error: %s" % e, file=sys.stderr)
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if sock is not None:
            sock.close()
    del body[len(body) - len(body) % 188:]
    with open(out_path, "wb") as out:
        out.write(body)
    seconds = time.monotonic() - first if first is not None else 0.0
    print("status=%d bytes=%d seconds=%.1f max_gap_ms=%d max_gap_at_s=%.1f end=%s"
          % (status, len(body), seconds, round(max_gap * 1000), max_gap_at, end), flush=True)


if __name__ == "__main__":
    main()
