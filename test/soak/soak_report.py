#!/usr/bin/env python3
"""soak_report.py DIR MINUTES SERVER_EXIT_STATUS RELOADS_SENT [SANITIZED] - the verdict of `make soak`.

Reads what test/soak/soak.sh left in DIR (samples, kills.log, server.log and the sources' logs,
viewers/*.json and *.events, load.stats, access.json), prints the figures and one FAIL line per
breach, and ends with "PASS" or "FAIL: N problem(s)" (exit status 0 or 1). The bounds are the
constants below. SANITIZED=1: the server is a sanitizer build, whose RSS is reported but not judged.
"""
import collections
import datetime
import glob
import json
import os
import re
import sys

RSS_BOUND_KIB, RSS_BOUND_SHARE = 20 * 1024, 0.20  # growth allowed: the larger of the two
THREADS_BAND, FDS_BAND = 2, 2                      # after the load, over the baseline
STEADY_MAX_GAP_MS = 5000                           # longest pause a never-killed stream may have
OUTAGE_MARGIN_S = 3.0                              # after the reconnect, for what was in flight
CHURN_ERROR_SHARE = 0.01                           # churn requests without an answer
SANITIZER = re.compile(r"WARNING: ThreadSanitizer|ERROR: (Address|Leak)Sanitizer|runtime error:")

problems = []


def fail(message):
    problems.append(message)
    print("FAIL: " + message)


def log_time(line):
    """Epoch seconds of a server log line ("2026-12-06T12:07:53.646Z info event=...")."""
    stamp = line.split(" ", 1)[0]
    when = datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ")
    return when.replace(tzinfo=datetime.timezone.utc).timestamp()


def read_samples(folder):
    rows = []
    for line in open(os.path.join(folder, "samples")):
        phase, minute, *figures = line.split()
        rss, threads, fds, viewers, requests, kills, reloads = (int(f) if f.isdigit() else -1 for f in figures)
        rows.append(dict(phase=phase, minute=minute, rss=rss, threads=threads, fds=fds))
    return rows


def check_resources(folder, rows, sanitized):
    base = next(r for r in rows if r["phase"] == "base")
    load = [r for r in rows if r["phase"] == "load"]
    after = next((r for r in rows if r["phase"] == "after"), None)
    if not load or after is None:
        return fail("the run has no load or after-load sample")
    ref = load[1] if len(load) >= 3 else load[0]  # minute 2: minute 1 is warm-up
    last = load[-1]
    bound = max(RSS_BOUND_KIB, RSS_BOUND_SHARE * ref["rss"])
    growth = last["rss"] - ref["rss"]
    print("RSS: minute %s %d KiB -> minute %s %d KiB (%+d KiB; bound %+d KiB = max(20 MiB, 20%%))"
          % (ref["minute"], ref["rss"], last["minute"], last["rss"], growth, bound))
    if sanitized:
        print("RSS not judged under a sanitizer: its shadow memory, quarantine and stack depot grow on their own")
    elif growth > bound:
        fail("server RSS grew by %d KiB under the same load (bound %d KiB)" % (growth, bound))
    for key, band in (("threads", THREADS_BAND), ("fds", FDS_BAND)):
        print("%s: %d before the load, %d under it at the end, %d after it (bound %d)"
              % (key, base[key], last[key], after[key], base[key] + band))
        if after[key] > base[key] + band:
            fail("server %s did not come back after the load: %d, baseline %d" % (key, after[key], base[key]))
    print("open files after the load that were not open before it: " + (fd_difference(folder) or "none"))


def fd_difference(folder):
    """What the server's descriptors point at after the load and not before ("socket" x 2, ...)."""
    def kinds(name):
        path = os.path.join(folder, "fds." + name)
        return collections.Counter(open(path).read().split()) if os.path.exists(path) else collections.Counter()
    extra = kinds("after") - kinds("base")
    return ", ".join("%s x %d" % kv for kv in sorted(extra.items()))


def outage_windows(folder, server_log):
    """stream -> [(from, to)] in epoch seconds: each kill of one of its sources until the stream's
    next upstream_connected, plus a margin."""
    connected = {}
    for line in server_log:
        m = re.search(r"event=upstream_connected stream=(\S+)", line)
        if m:
            connected.setdefault(m.group(1), []).append(log_time(line))
    windows, kills = {}, 0
    path = os.path.join(folder, "kills.log")
    for line in open(path) if os.path.exists(path) else []:
        fields = line.split()
        if fields[1] != "kill":
            continue
        kills += 1
        at = int(fields[0]) / 1000.0
        for stream in fields[4].split(","):
            back = next((t for t in connected.get(stream, []) if t >= at), float("inf"))
            windows.setdefault(stream, []).append((at - 0.5, back + OUTAGE_MARGIN_S))
    return windows, kills


def check_viewers(folder, windows):
    for path in sorted(glob.glob(os.path.join(folder, "viewers", "*.events"))):
        name = os.path.basename(path)[:-len(".events")]
        summary_path = path[:-len(".events")] + ".json"
        if not os.path.exists(summary_path):
            fail("long viewer %s left no summary (it died)" % name)
            continue
        v = json.load(open(summary_path))
        seconds = max(1e-3, v["ended"] - v["started"])
        stream = "/" + v["url"].rsplit("/", 1)[1]
        errors = [line.split(None, 2) for line in open(path) if " cc_error " in line or " sync_error " in line]
        inside = [e for e in errors if any(a <= float(e[0]) <= b for a, b in windows.get(stream, []))]
        print("viewer %-8s %-10s %6.1f MB %5d kbit/s connects=%d disconnects=%d refused=%d cc_errors=%d "
              "(%d in outages) sync_errors=%d max_gap_ms=%d"
              % (name, stream, v["bytes"] / 1e6, v["bytes"] * 8 / seconds / 1000, v["connects"], v["disconnects"],
                 v["refused"], v["cc_errors"], len(inside), v["sync_errors"], v["max_gap_ms"]))
        for e in errors:
            if e not in inside:
                fail("viewer %s: %s at %s, outside any upstream outage of %s" % (name, " ".join(e[1:]).strip(), e[0], stream))
        if stream not in windows and (v["disconnects"] or v["refused"] or v["connects"] != 1):
            fail("viewer %s of never-killed %s was disconnected %d times (refused %d)"
                 % (name, stream, v["disconnects"], v["refused"]))
        if stream not in windows and v["max_gap_ms"] > STEADY_MAX_GAP_MS:
            fail("viewer %s of never-killed %s paused %d ms" % (name, stream, v["max_gap_ms"]))
        if v["connects"] == 0 or v["bytes"] == 0:
            fail("viewer %s never received the stream" % name)


def check_load(folder):
    path = os.path.join(folder, "load.stats")
    stats = dict(kv.split("=") for kv in open(path).read().split()) if os.path.exists(path) else {}
    stats = {k: int(v) for k, v in stats.items()}
    print("load: " + " ".join("%s=%d" % kv for kv in sorted(stats.items())))
    requests = stats.get("requests", 0)
    errors = sum(v for k, v in stats.items() if k.startswith("error_"))
    if requests == 0:
        fail("the churn made no request")
    if stats.get("unexpected", 0):
        fail("%d churn requests got an unexpected status" % stats["unexpected"])
    if errors > CHURN_ERROR_SHARE * requests:
        fail("%d of %d churn requests got no answer" % (errors, requests))
    if stats.get("slowheads_overdue", 0):
        fail("%d slow heads were still open after 15 s" % stats["slowheads_overdue"])


def check_logs(folder, server_rc, reloads_sent):
    server_log = open(os.path.join(folder, "server.log"), errors="replace").read().splitlines()
    for path in sorted(glob.glob(os.path.join(folder, "*.log"))):
        lines = open(path, errors="replace").read().splitlines()
        hits = [i for i, line in enumerate(lines) if SANITIZER.search(line)]
        if hits:
            print("\n".join(lines[hits[0]:hits[0] + 40]))
            fail("sanitizer report in %s (%d lines match)" % (os.path.basename(path), len(hits)))
    if server_rc != 0:
        fail("the server exited with status %d after SIGTERM" % server_rc)
    reloaded = sum("event=reloaded" in line for line in server_log)
    failed = sum("event=reload_failed" in line for line in server_log)
    print("reloads: %d sent, %d reloaded, %d failed" % (reloads_sent, reloaded, failed))
    if reloaded != reloads_sent or failed:
        fail("%d SIGHUPs but %d reloaded and %d reload_failed lines" % (reloads_sent, reloaded, failed))
    access = open(os.path.join(folder, "access.json"), errors="replace").read().splitlines()
    bad = 0
    for line in access:
        try:
            json.loads(line)
        except ValueError:
            bad += 1
    print("access log: %d lines, %d not JSON" % (len(access), bad))
    if bad or not access:
        fail("the access log has %d lines that are not JSON (of %d)" % (bad, len(access)))
    return server_log


def main():
    folder, minutes, server_rc, reloads_sent = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    sanitized = len(sys.argv) > 5 and sys.argv[5] == "1"
    server_log = check_logs(folder, server_rc, reloads_sent)
    check_resources(folder, read_samples(folder), sanitized)
    windows, kills = outage_windows(folder, server_log)
    print("upstream kills: %d; outage windows: %s" % (kills, ", ".join(
        "%s %d (%.1f s)" % (s, len(w), sum(b - a for a, b in w)) for s, w in sorted(windows.items()))))
    check_viewers(folder, windows)
    check_load(folder)
    if problems:
        print("FAIL: %d problem(s) in %d min of soak (the lines above)" % (len(problems), minutes))
        sys.exit(1)
    print("PASS: %d min of soak" % minutes)


if __name__ == "__main__":
    main()
