#!/usr/bin/env bash
# `make deb` builds restreamer_VERSION_ARCH.deb, which lintian passes without an error; `dpkg -i`
# installs it on this machine (the system user, the conffile 0640 root:restreamer, the unit); the
# installed binary, run as that user with the installed config (its upstream and listen address
# pointed at this test's bin/source), serves the stream; `dpkg --purge` removes the files, the config
# and the user. The exit trap stops the server and purges the package even when a step fails.
source "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
[[ $(id -u) == 0 ]] || { echo "needs root for dpkg -i"; exit 77; }
installed() { dpkg-query -W -f='${Status}' restreamer 2>/dev/null | grep -q "install ok installed"; }

# A package installed before the test: a leftover of an earlier run (its config is the example) is
# purged; any other is someone's, and the test leaves it alone.
if installed; then
    cmp -s "$ROOT/contrib/restreamer.json" /etc/restreamer/restreamer.json ||
        { echo "a restreamer package with a changed config is installed: not touching it"; exit 77; }
    log "purging the restreamer package an earlier run left"
    dpkg --purge restreamer >/dev/null
fi

SERVER_PID=
purge_package() {
    if [[ -n $SERVER_PID ]]; then kill -TERM "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true; fi
    if [[ $(dpkg-query -W -f='${Status}' restreamer 2>/dev/null) != *not-installed* ]]; then dpkg --purge restreamer >/dev/null 2>&1 || true; fi
}
trap 'rc=$?; set +e; purge_package; (exit $rc); cleanup' EXIT
trap 'exit 143' TERM INT

log "make deb"
make --no-print-directory -s -C "$ROOT" deb DEB_DIR="$T/deb" SERVER_BINARY="$BIN/server" >"$T/make.log" 2>&1 || { cat "$T/make.log"; fail "make deb"; }
deb=$(ls "$T"/deb/restreamer_*_"$(dpkg --print-architecture)".deb)
[[ $(basename "$deb") =~ ^restreamer_[0-9][0-9.]*_[a-z0-9]+\.deb$ ]] || fail "unexpected name $deb"
dpkg-deb -f "$deb" Depends | tee "$T/depends.txt"
grep -q "libc6 (>=" "$T/depends.txt" && grep -q adduser "$T/depends.txt" || fail "Depends lacks libc6 or adduser"

log "lintian: no errors"
lintian --tag-display-limit 0 "$deb" 2>&1 | grep -v "root privileges" | tee "$T/lintian.txt" || true
grep -q "^E:" "$T/lintian.txt" && fail "lintian reports errors"

log "dpkg -i"
dpkg -i "$deb" >"$T/dpkg.log" 2>&1 || { cat "$T/dpkg.log"; fail "dpkg -i"; }
dpkg -L restreamer | while read -r f; do if [[ -f $f ]]; then echo "$f"; fi; done >"$T/files.txt"
(( $(wc -l <"$T/files.txt") >= 8 )) || fail "the package installed only $(wc -l <"$T/files.txt") files"
getent passwd restreamer >/dev/null || fail "no system user restreamer"
[[ $(stat -c '%a %U:%G' /etc/restreamer/restreamer.json) == "640 root:restreamer" ]] ||
    fail "the config is $(stat -c '%a %U:%G' /etc/restreamer/restreamer.json), not 640 root:restreamer"
dpkg-query --showformat='${Conffiles}' -W restreamer | grep -q /etc/restreamer/restreamer.json || fail "the config is no conffile"
[[ -f /lib/systemd/system/restreamer.service ]] || fail "no unit"
systemd-analyze verify /lib/systemd/system/restreamer.service || fail "systemd-analyze verify rejects the installed unit"
as_user() { local user=$1; shift; setpriv --reuid="$user" --regid="$user" --init-groups "$@"; }
as_user restreamer /usr/sbin/restreamer --check-config /etc/restreamer/restreamer.json || fail "the service user cannot read its config"
as_user nobody /usr/sbin/restreamer --check-config /etc/restreamer/restreamer.json 2>/dev/null && fail "any user can read the config"

log "the installed binary, as restreamer, with the installed config pointed at bin/source"
start_source src "$SAMPLE"
chmod 0711 "$T"
install -d -o root -g restreamer -m 0750 "$T/etc"
install -d -o restreamer -g restreamer -m 0750 "$T/log"
sed -e 's|"listen": ":8000"|"listen": "127.0.0.1:0"|' -e "s|http://127.0.0.1:10000/stream.ts|http://127.0.0.1:$SOURCE_PORT/stream.ts|" \
    -e "s|/var/log/restreamer/access.json|$T/log/access.json|" /etc/restreamer/restreamer.json >"$T/etc/restreamer.json"
[[ $(grep -c -e 127.0.0.1:0 -e ":$SOURCE_PORT/" -e "$T/log" "$T/etc/restreamer.json") == 4 ]] || fail "the installed config changed shape"
chgrp restreamer "$T/etc/restreamer.json"; chmod 0640 "$T/etc/restreamer.json"
# setpriv itself, not the as_user function: a function in the background is a subshell, whose PID
# is not the server's.
setpriv --reuid=restreamer --regid=restreamer --init-groups /usr/sbin/restreamer "$T/etc/restreamer.json" 2>"$T/server.log" &
SERVER_PID=$!
PIDS+=($SERVER_PID)
wait_until 10 grep -q "event=listening" "$T/server.log" || { cat "$T/server.log"; fail "the installed server did not start"; }
SERVER_PORT=$(listening_port "$T/server.log")
wait_until 10 stream_connected /tv.ts || { cat "$T/server.log"; fail "stream never connected"; }
capture "http://127.0.0.1:$SERVER_PORT/tv.ts" 3 "$T/viewer.ts"
packets=$(ts_figure "$T/viewer.ts" packets)
echo "viewer got $packets packets"
(( packets > 500 )) || fail "the viewer got $packets packets"
wait_until 5 grep -q '"path":"/tv.ts"' "$T/log/access.json" || fail "no access log line"
kill -TERM $SERVER_PID; wait $SERVER_PID || fail "the server exited with $?"
SERVER_PID=

log "dpkg --purge"
dpkg --purge restreamer >"$T/dpkg.log" 2>&1 || { cat "$T/dpkg.log"; fail "dpkg --purge"; }
left=$(while read -r f; do if [[ -e $f ]]; then echo "$f"; fi; done <"$T/files.txt")
[[ -z $left ]] || fail "left after purge: $left"
[[ ! -e /etc/restreamer ]] || fail "/etc/restreamer left after purge"
getent passwd restreamer >/dev/null && fail "user restreamer left after purge"
getent group restreamer >/dev/null && fail "group restreamer left after purge"
[[ -z $(find /etc/systemd/system -name 'restreamer.service' 2>/dev/null) ]] || fail "service links left after purge"
