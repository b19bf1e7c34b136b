#!/usr/bin/env bash
# `make install` into a DESTDIR puts the server as sbin/restreamer, the commented config (valid, 0640),
# its example, the systemd unit (which `systemd-analyze verify` accepts), the sysusers.d entry, a man
# page that renders and contrib/'s examples; `make uninstall` removes exactly those files again and
# keeps a config the admin changed.
source "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
D=$T/destdir
make_in_root() { make --no-print-directory -s -C "$ROOT" SERVER_BINARY="$BIN/server" "$@" >"$T/make.log" 2>&1 || { cat "$T/make.log"; fail "make $*"; }; }
files_under() { (cd "$1" && find . \( -type f -o -type l \) | sed 's|^\./||' | sort); }

log "make install DESTDIR=..."
make_in_root install DESTDIR="$D"
files_under "$D" | tee "$T/installed.txt"
expected="etc/restreamer/restreamer.json
etc/restreamer/restreamer.json.example
usr/local/lib/systemd/system/restreamer.service
usr/local/lib/sysusers.d/restreamer.conf
usr/local/sbin/restreamer
usr/local/share/doc/restreamer/examples/haproxy/haproxy.cfg
usr/local/share/man/man8/restreamer.8"
for f in $expected; do grep -qx "$f" "$T/installed.txt" || fail "not installed: $f"; done
"$D/usr/local/sbin/restreamer" --version | grep -q "^restreamer" || fail "the installed binary does not run"
"$D/usr/local/sbin/restreamer" --check-config "$D/etc/restreamer/restreamer.json" || fail "the installed config is not valid"
[[ $(stat -c %a "$D/etc/restreamer/restreamer.json") == 640 ]] || fail "the config is not 0640"
grep -qx "ExecStart=/usr/local/sbin/restreamer /etc/restreamer/restreamer.json" \
    "$D/usr/local/lib/systemd/system/restreamer.service" || fail "ExecStart does not name the installed paths"
man -l "$D/usr/local/share/man/man8/restreamer.8" 2>/dev/null | grep -q "^NAME" || fail "the man page does not render"

log "the installed unit passes systemd-analyze verify (installed with PREFIX, so its paths exist)"
P=$T/prefix
make_in_root install PREFIX="$P" SYSCONFDIR="$P/etc"
MANPATH=$P/share/man systemd-analyze verify "$P/lib/systemd/system/restreamer.service" ||
    fail "systemd-analyze verify rejects the unit"
systemd-analyze security --offline=yes "$P/lib/systemd/system/restreamer.service" 2>/dev/null | grep "Overall exposure" || true
make_in_root uninstall PREFIX="$P" SYSCONFDIR="$P/etc"

log "make uninstall removes exactly that"
make_in_root uninstall DESTDIR="$D"
left=$(files_under "$D")
[[ -z $left ]] || fail "left after uninstall: $left"
[[ -z $(find "$D" -name '*restreamer*') ]] || fail "folders left: $(find "$D" -name '*restreamer*')"

log "a changed config survives install and uninstall"
make_in_root install DESTDIR="$D"
echo '{"listen": ":9000", "resources": [{"type": "api", "api": "health", "serve": "/health"}]}' >"$D/etc/restreamer/restreamer.json"
make_in_root install DESTDIR="$D"
grep -q ':9000' "$D/etc/restreamer/restreamer.json" || fail "install overwrote the admin's config"
make_in_root uninstall DESTDIR="$D"
[[ $(files_under "$D") == etc/restreamer/restreamer.json ]] || fail "uninstall left $(files_under "$D"), expected only the changed config"
