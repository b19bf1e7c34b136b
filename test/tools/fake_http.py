#!/usr/bin/env python3
"""fake_http.py - a misbehaving HTTP upstream for end-to-end tests of bad input.

Paths: /html (200 text/html page), /404, /500, /loop (302 to itself), /empty (200, closes at once),
/slowhead (accepts, never answers), /redirect?to=URL (302 to URL), /auth?user=U:P&to=URL (302 to URL
with Basic credentials U:P, 401 without), /chunked?from=URL (URL's body re-sent with chunked transfer
encoding, in chunks of awkward sizes that split packets and chunk-size lines across reads),
/record/ANYTHING[?hang=S] (logs "event=record time=T path=P authorization=A" on stderr when the
request arrives, waits S seconds if asked, then 200 "ok"; for notification targets), /counter (200
text/plain "count=N", N counting this path's requests, with "event=counter n=N" logged; for caching),
/random?seed=S (200 video/mpeg, then random bytes from a PRNG seeded with S at about 2 Mbit/s until
the client leaves: an upstream that answers but sends no TS).
Prints "event=listening address=127.0.0.1:PORT" on stderr like bin/source, then serves until killed.
"""
import base64
import http.server
import random
import socketserver
import sys
import threading
import time
import urllib.parse
import urllib.request

CHUNK_SIZES = (1, 7, 188, 1000, 65536, 3 * 188 + 5, 4096)
COUNTER = 0
COUNTER_LOCK = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("fake_http: %s %s\n" % (self.address_string(), fmt % args))

    def reply(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        if url.path == "/html":
            self.reply(200, b"<html><body><h1>Service unavailable</h1></body></html>\n" * 50,
                       [("Content-Type", "text/html; charset=utf-8")])
        elif url.path == "/404":
            self.reply(404, b"not found\n", [("Content-Type", "text/plain")])
        elif url.path == "/500":
            self.reply(500, b"internal error\n", [("Content-Type", "text/plain")])
        elif url.path == "/loop":
            self.reply(302, headers=[("Location", "/loop")])
        elif url.path == "/redirect":
            target = urllib.parse.parse_qs(url.query)["to"][0]
            self.reply(302, headers=[("Location", target)])
        elif url.path == "/auth":
            query = urllib.parse.parse_qs(url.query)
            expected = "Basic " + base64.b64encode(query["user"][0].encode()).decode()
            if self.headers.get("Authorization") == expected:
                self.reply(302, headers=[("Location", query["to"][0])])
            else:
                self.reply(401, b"credentials required\n", [("Content-Type", "text/plain")])
        elif url.path == "/empty":
            self.reply(200, headers=[("Content-Type", "video/mpeg")])
        elif url.path == "/chunked":
            self.relay_chunked(urllib.parse.parse_qs(url.query)["from"][0])
        elif url.path == "/slowhead":
            time.sleep(3600)
        elif url.path.startswith("/record/"):
            sys.stderr.write("event=record time=%.3f path=%s authorization=%s\n" %
                             (time.time(), self.path, self.headers.get("Authorization", "-")))
            sys.stderr.flush()
            hang = urllib.parse.parse_qs(url.query).get("hang")
            if hang:
                time.sleep(float(hang[0]))
            self.reply(200, b"ok\n", [("Content-Type", "text/plain")])
        elif url.path == "/random":
            self.send_random(int(urllib.parse.parse_qs(url.query).get("seed", ["1"])[0]))
        elif url.path == "/counter":
            global COUNTER
            with COUNTER_LOCK:
                COUNTER += 1
                n = COUNTER
            sys.stderr.write("event=counter n=%d\n" % n)
            sys.stderr.flush()
            self.reply(200, b"count=%d\n" % n, [("Content-Type", "text/plain")])
        else:
            self.reply(404)

    def send_random(self, seed):
        rng = random.Random(seed)
        self.send_response(200)
        self.send_header("Content-Type", "video/mpeg")
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            while True:
                self.wfile.write(rng.randbytes(2500))
                self.wfile.flush()
                time.sleep(0.01)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def relay_chunked(self, source):
        upstream = urllib.request.urlopen(source, timeout=10)
        self.send_response(200)
        self.send_header("Content-Type", "video/mpeg")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for i in range(1 << 30):
                data = upstream.read(CHUNK_SIZES[i % len(CHUNK_SIZES)])
                if not data:
                    break
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


server = Server(("127.0.0.1", 0), Handler)
sys.stderr.write("event=listening address=127.0.0.1:%d\n" % server.server_address[1])
sys.stderr.flush()
server.serve_forever()
