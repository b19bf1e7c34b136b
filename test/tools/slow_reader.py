#!/usr/bin/env python3
"""slow_reader.py URL BYTES_PER_SECOND SECONDS OUT - a viewer that reads slower than the stream.

Uses a small receive buffer so that the kernel does not hide its slowness, decodes the body (raw
until the connection closes, or chunked) and writes it to OUT. Test code for test/e2e only.
"""
import socket
import sys
import time
import urllib.parse

VIDEO_STREAM_TYPES = (0x01, 0x02, 0x1B, 0x24)


def last_video_picture_start(ts):
    """Offset of the last packet that starts a PES of the video PID (found via PAT and PMT)."""
    pmt_pid = video_pid = None
    last = None
    for offset in range(0, len(ts) - 187, 188):
        packet = ts[offset:offset + 188]
        pid = ((packet[1] & 0x1F) << 8) | packet[2]
        pusi = packet[1] & 0x40
        payload = 4 + (1 + packet[4] if packet[3] & 0x20 else 0)
        if pid == 0 and pusi and pmt_pid is None:
            section = packet[payload + 1 + packet[payload]:]
            pmt_pid = ((section[10] & 0x1F) << 8) | section[11]
        elif pid == pmt_pid and pusi and video_pid is None:
            section = packet[payload + 1 + packet[payload]:]
            info_len = ((section[10] & 0x0F) << 8) | section[11]
            i = 12 + info_len
            while i + 5 <= len(section) and video_pid is None:
                if section[i] in VIDEO_STREAM_TYPES:
                    video_pid = ((section[i + 1] & 0x1F) << 8) | section[i + 2]
                i += 5 + (((section[i + 3] & 0x0F) << 8) | section[i + 4])
        elif pid == video_pid and pusi:
            last = offset
    return last


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
chunked = False
step = max(1, rate // 20)
while time.monotonic() - start < seconds:
    # Read no faster than `rate`: at most `step` bytes per 50 ms.
    data = sock.recv(step)
    if not data:
        break
    raw += data
    if not head_done and b"\r\n\r\n" in raw:
        head = bytes(raw[:raw.index(b"\r\n\r\n")]).lower()
        chunked = b"\r\ntransfer-encoding: chunked" in head
        raw = raw[raw.index(b"\r\n\r\n") + 4:]
        head_done = True
    if head_done and not chunked:
        body += raw
        raw = bytearray()
    if head_done and chunked:
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
# A raw body stops wherever the reader stopped, maybe inside a picture: keep what comes before
# the last picture's start, so that the capture ends cleanly as the server's chunks do.
if not chunked:
    del body[len(body) - len(body) % 188:]
    cut = last_video_picture_start(body)
    if cut is not None:
        del body[cut:]
with open(out_path, "wb") as out:
    out.write(body)
