#!/usr/bin/env python3
"""soak_clients.py - the clients of `make soak` (test/soak/soak.sh). Python 3 standard library only.

  soak_clients.py viewer URL NAME DIR
      A long viewer: reads URL until SIGTERM and checks every packet's continuity counter on the
      fly. A dropped connection or a non-200 answer is counted and the viewer connects again. Events
      go to DIR/NAME.events as they happen ("EPOCH connect|cc_error|sync_error|disconnect|status ...");
      on SIGTERM the totals go to DIR/NAME.json.

  soak_clients.py load PORT STATS_FILE [--rate R] [--slow N] [--flood N] [--flood-every S] [--streams P,P]
      The background load until SIGTERM: churn of R requests a second (short viewers that read
      0.2-3 s and close, HEAD, 404s, API requests), N slow heads that send one byte a second, and
      every S seconds a flood of N connections that close at once or send nothing. Writes its
      counters to STATS_FILE (key=value on one line) every second and at the end.
"""
import json
import os
import random
import signal
import socket
import sys
import threading
import time

STOP = threading.Event()


def on_signal(signum, frame):
    STOP.set()


# ---- long viewer --------------------------------------------------------------------------------

class Continuity:
    """The rules of common/ts/continuity.cpp (ISO/IEC 13818-1 2.4.3.3) per PID."""

    def __init__(self):
        self.last = {}  # pid -> [last_cc, duplicated]

    def check(self, buf, off):
        """None when the packet at buf[off] is fine, else a description of the gap."""
        b1, b3 = buf[off + 1], buf[off + 3]
        pid = ((b1 & 0x1F) << 8) | buf[off + 2]
        if pid == 0x1FFF or b1 & 0x80 or not b3 & 0x10:
            return None  # null packet, transport error, or no payload: the counter does not advance
        cc = b3 & 0x0F
        state = self.last.get(pid)
        if state is None:
            self.last[pid] = [cc, False]
            return None
        last, duplicated = state
        discontinuity = b3 & 0x20 and buf[off + 4] > 0 and buf[off + 5] & 0x80
        duplicate = cc == last and not duplicated
        state[0], state[1] = cc, duplicate
        if cc == (last + 1) & 0x0F or duplicate or discontinuity:
            return None
        return "pid=%d expected=%d got=%d" % (pid, (last + 1) & 0x0F, cc)


class LongViewer:
    def __init__(self, url, name, folder):
        host_port, _, path = url.split("://", 1)[1].partition("/")
        host, _, port = host_port.rpartition(":")
        self.address, self.path, self.url, self.name = (host, int(port)), "/" + path, url, name
        self.events = open(os.path.join(folder, name + ".events"), "a", buffering=1)
        self.summary_path = os.path.join(folder, name + ".json")
        self.totals = {"name": name, "url": url, "bytes": 0, "connects": 0, "disconnects": 0,
                       "cc_errors": 0, "sync_errors": 0, "max_gap_ms": 0, "max_gap_at": 0.0,
                       "refused": 0, "started": time.time()}

    def event(self, what):
        self.events.write("%.3f %s\n" % (time.time(), what))

    def run(self):
        while not STOP.is_set():
            try:
                self.session()
            except OSError as e:
                self.totals["disconnects"] += 1
                self.event("disconnect reason=%s" % e.__class__.__name__)
            if not STOP.is_set():
                STOP.wait(0.5)
        self.totals["ended"] = time.time()
        with open(self.summary_path + ".tmp", "w") as out:
            json.dump(self.totals, out)
        os.rename(self.summary_path + ".tmp", self.summary_path)

    def session(self):
        with socket.create_connection(self.address, timeout=5) as sock:
            sock.sendall(("GET %s HTTP/1.1\r\nHost: soak\r\n\r\n" % self.path).encode())
            head = b""
            while b"\r\n\r\n" not in head:
                data = sock.recv(65536)
                if not data:
                    raise ConnectionResetError("closed before the response head")
                head += data
            head, _, rest = head.partition(b"\r\n\r\n")
            status = head.split(b" ", 2)[1].decode()
            if status != "200":
                self.totals["refused"] += 1
                self.event("status %s" % status)
                return
            self.totals["connects"] += 1
            self.event("connect")
            self.read_body(sock, rest)

    def read_body(self, sock, pending):
        checker, buf = Continuity(), bytearray(pending)
        last = time.monotonic()
        sock.settimeout(0.5)
        while not STOP.is_set():
            try:
                data = sock.recv(1 << 16)
            except socket.timeout:
                continue
            if not data:
                self.totals["disconnects"] += 1
                self.event("disconnect reason=eof")
                return
            now = time.monotonic()
            gap_ms = round((now - last) * 1000)
            if gap_ms > self.totals["max_gap_ms"]:
                self.totals["max_gap_ms"], self.totals["max_gap_at"] = gap_ms, time.time()
            last = now
            self.totals["bytes"] += len(data)
            buf += data
            whole = len(buf) - len(buf) % 188
            for off in range(0, whole, 188):
                if buf[off] != 0x47:
                    self.totals["sync_errors"] += 1
                    self.event("sync_error offset=%d" % off)
                    raise ConnectionAbortedError("lost packet sync")
                gap = checker.check(buf, off)
                if gap:
                    self.totals["cc_errors"] += 1
                    self.event("cc_error " + gap)
            del buf[:whole]


# ---- background load ----------------------------------------------------------------------------

class Counters:
    def __init__(self):
        self.lock = threading.Lock()
        self.values = {}

    def add(self, key, n=1):
        with self.lock:
            self.values[key] = self.values.get(key, 0) + n

    def line(self):
        with self.lock:
            return " ".join("%s=%d" % kv for kv in sorted(self.values.items()))


EXPECTED = {"viewer": ("200", "503"), "head": ("200", "503"), "notfound": ("404",), "api": ("200",)}


class Load:
    def __init__(self, port, stats_path, rate, slow, flood, flood_every, streams):
        self.port, self.stats_path = port, stats_path
        self.rate, self.slow, self.flood, self.flood_every = rate, slow, flood, flood_every
        self.streams = streams
        self.counters = Counters()
        self.active = threading.Semaphore(200)  # bounds the churn's threads if the server stalls

    def connect(self, timeout=5):
        return socket.create_connection(("127.0.0.1", self.port), timeout=timeout)

    def write_stats(self):
        with open(self.stats_path + ".tmp", "w") as out:
            out.write(self.counters.line() + "\n")
        os.rename(self.stats_path + ".tmp", self.stats_path)

    # One churn request of a random kind; counts its outcome.
    def request(self):
        kind = random.choices(("viewer", "head", "notfound", "api"), (55, 15, 15, 15))[0]
        path = random.choice(self.streams)
        method = "HEAD" if kind == "head" else "GET"
        if kind == "notfound":
            path = "/missing-%d.ts" % random.randrange(1000)
        elif kind == "api":
            path = random.choice(("/statistics", "/health"))
        self.counters.add("requests")
        try:
            with self.connect() as sock:
                sock.sendall(("%s %s HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n" % (method, path)).encode())
                if kind == "viewer" and random.random() < 0.1:
                    self.counters.add("closed_unread")
                    return  # gone before the answer
                status = self.read_status(sock)
                ok = status in EXPECTED[kind] or (path == "/extra.ts" and status == "404")
                self.counters.add("status_" + status if ok else "unexpected")
                if kind == "viewer" and status == "200":
                    self.read_for(sock, random.uniform(0.2, 3.0))
                    if random.random() < 0.25:  # an abortive close (RST) now and then
                        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        except OSError as e:
            self.counters.add("error_" + e.__class__.__name__)

    @staticmethod
    def read_status(sock):
        head = b""
        while b"\r\n" not in head:
            data = sock.recv(4096)
            if not data:
                return "closed"
            head += data
        return head.split(b" ", 2)[1].decode()

    @staticmethod
    def read_for(sock, seconds):
        deadline = time.monotonic() + seconds
        while not STOP.is_set() and time.monotonic() < deadline:
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                if not sock.recv(1 << 16):
                    return
            except socket.timeout:
                return

    def churn(self):
        interval, due = 1.0 / self.rate, time.monotonic()
        while not STOP.is_set():
            due += interval
            STOP.wait(max(0.0, due - time.monotonic()))
            if not self.active.acquire(blocking=False):
                self.counters.add("churn_skipped")
                continue
            threading.Thread(target=self.churn_one, daemon=True).start()

    def churn_one(self):
        try:
            self.request()
        finally:
            self.active.release()

    # Slow heads: `slow` sockets, each sending one byte of a request head a second; the server must
    # close each within its 5 s head timeout (408). One still open after 15 s counts as overdue.
    def slow_heads(self):
        request = b"GET /steady.ts HTTP/1.1\r\nHost: soak\r\nUser-Agent: one-byte-a-second\r\n\r\n"
        socks = []  # [socket, opened, bytes sent]
        next_open = time.monotonic()
        while not STOP.wait(0.2):
            now = time.monotonic()
            if len(socks) < self.slow and now >= next_open:  # a trickle: one new socket per 0.2 s
                try:
                    s = self.connect()
                    s.setblocking(False)
                    socks.append([s, now, 0])
                    self.counters.add("slowheads")
                except OSError as e:
                    self.counters.add("slowhead_error_" + e.__class__.__name__)
                next_open = now + 0.2
            for entry in list(socks):
                s, opened, sent = entry
                if self.slow_closed(s):
                    socks.remove(entry)
                    s.close()
                    self.counters.add("slowheads_closed_by_server")
                elif now - opened > 15:
                    socks.remove(entry)
                    s.close()
                    self.counters.add("slowheads_overdue")
                elif sent < now - opened and sent < len(request):
                    try:
                        s.send(request[sent:sent + 1])
                        entry[2] += 1
                    except OSError:
                        pass  # closed by the server: seen by slow_closed next time
        for s, _, _ in socks:
            s.close()

    def slow_closed(self, s):
        try:
            data = s.recv(4096)
        except (BlockingIOError, InterruptedError):
            return False
        except OSError:
            return True
        if data.startswith(b"HTTP/1.1 408"):
            self.counters.add("slowheads_408")
        return not data or self.slow_closed(s)

    # A flood every `flood_every` s: `flood` connects at once, half closed at once, half sending
    # nothing; those are closed by the server within its head timeout or by us after 10 s.
    def floods(self):
        next_flood = time.monotonic() + self.flood_every / 2
        while not STOP.wait(max(0.0, next_flood - time.monotonic())):
            next_flood += self.flood_every
            self.counters.add("floods")
            held = []
            for i in range(self.flood):
                try:
                    s = self.connect()
                    self.counters.add("flood_connects")
                except OSError as e:
                    self.counters.add("flood_error_" + e.__class__.__name__)
                    continue
                if i % 2:
                    held.append(s)
                else:
                    s.close()
            self.counters.add("flood_held_closed_by_server", self.wait_closed(held, 10))
            for s in held:
                s.close()

    @staticmethod
    def wait_closed(socks, limit):
        """How many of socks the server closes within `limit` s."""
        import selectors
        sel = selectors.DefaultSelector()
        for s in socks:
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ)
        closed, deadline = 0, time.monotonic() + limit
        while closed < len(socks) and time.monotonic() < deadline and not STOP.is_set():
            for key, _ in sel.select(timeout=0.2):
                try:
                    data = key.fileobj.recv(4096)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    data = b""
                if not data or data.startswith(b"HTTP/1.1 408"):
                    sel.unregister(key.fileobj)
                    closed += 1
        sel.close()
        return closed

    def run(self):
        workers = [threading.Thread(target=t) for t in (self.churn, self.slow_heads, self.floods)]
        for w in workers:
            w.start()
        while not STOP.wait(1.0):
            self.write_stats()
        for w in workers:
            w.join()
        time.sleep(0.5)  # let the churn's last requests count themselves
        self.write_stats()


def option(args, name, default):
    return type(default)(args[args.index(name) + 1]) if name in args else default


def main():
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "viewer":
        LongViewer(args[0], args[1], args[2]).run()
    elif cmd == "load":
        Load(int(args[0]), args[1], option(args, "--rate", 20.0), option(args, "--slow", 30),
             option(args, "--flood", 300), option(args, "--flood-every", 30.0),
             option(args, "--streams", "/steady.ts").split(",")).run()
    else:
        sys.exit("usage: see the docstring of " + sys.argv[0])


if __name__ == "__main__":
    main()
