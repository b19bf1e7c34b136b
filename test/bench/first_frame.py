#!/usr/bin/env python3
"""first_frame.py - runs one player and prints how long after its connect (the server's
client_connected line) the player's output first matched PATTERN, its first decoded video frame;
first_picture.sh calls it once per measurement. Single-threaded.

Usage: first_frame.py SERVER_LOG PATTERN TIMEOUT_S -- COMMAND...
Prints the seconds, or "none" when nothing matched or nobody connected within TIMEOUT_S. The
player is stopped (its whole process group) at the match.
"""
import datetime
import os
import re
import select
import signal
import subprocess
import sys
import time


def connect_time(log, offset):
    """The time of the first client_connected line written to LOG after OFFSET, or None."""
    with open(log, 'rb') as f:
        f.seek(offset)
        for line in f.read().decode('utf-8', 'replace').splitlines():
            if 'event=client_connected' in line:
                stamp = datetime.datetime.strptime(line.split()[0], '%Y-%m-%dT%H:%M:%S.%fZ')
                return stamp.replace(tzinfo=datetime.timezone.utc).timestamp()
    return None


def first_match(player, pattern, deadline):
    """When a line of the player's output first matched; lines end at \\n or \\r (status lines)."""
    fd = player.stdout.fileno()
    pending = b''
    while time.time() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if not ready:
            continue
        data = os.read(fd, 65536)
        if not data:
            return None
        now = time.time()
        lines = re.split(rb'[\r\n]', pending + data)
        pending = lines.pop()
        if any(pattern.search(line.decode('utf-8', 'replace')) for line in lines):
            return now
    return None


def stop(player):
    for sig, wait in ((signal.SIGTERM, 2), (signal.SIGKILL, 5)):
        try:
            os.killpg(player.pid, sig)
        except ProcessLookupError:
            pass
        try:
            player.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def main():
    if len(sys.argv) < 6 or '--' not in sys.argv:
        sys.exit(__doc__)
    log, pattern, timeout = sys.argv[1], re.compile(sys.argv[2]), float(sys.argv[3])
    command = sys.argv[sys.argv.index('--') + 1:]
    offset = os.path.getsize(log)
    # A session of its own: the player's helpers (runuser's child, decoder processes) stop with it.
    player = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, start_new_session=True)
    matched = first_match(player, pattern, time.time() + timeout)
    stop(player)
    connected = connect_time(log, offset)
    print('none' if matched is None or connected is None else '%.3f' % (matched - connected))


if __name__ == '__main__':
    main()
