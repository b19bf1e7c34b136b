#!/usr/bin/env bash
# Signed, expiring links cross-checked against nginx's own secure_link module: 25 generated cases
# (valid, expired, tampered hash, path, address and expiry, missing and malformed arguments, and
# the corners of nginx's parsing: padding, unused bits, leading zeros, case, duplicates) are asked of
# nginx and of our server with the same secret and expression, and each must get the same class
# (200/403/410) from both, and the one expected. Then the HMAC form, --sign-url (accepted by both;
# its one-line errors), the signed playlist entries played with curl, a link made for the address a
# trusted proxy forwarded for, HLS and relay URLs, the log lines, and a securelink without its
# secret refused.
source "$(dirname "$0")/lib.sh"
start_source src "$SAMPLE"
up="http://127.0.0.1:$SOURCE_PORT/stream.ts"
SECRET="s3cr3t word"
EXPR="\$secure_link_expires\$uri\$remote_addr $SECRET"

cat >"$T/server.json" <<JSON
{ "listen": "127.0.0.1:0", "timeout": 2, "reconnect": 1, "readtimeout": 3, "trustedproxies": ["127.0.0.2/32"],
  "resources": [
    { "type": "static", "serve": "/ch1.txt", "remote": "/etc/hostname", "authentication": { "type": "securelink", "secure_link_md5": "$EXPR" } },
    { "type": "static", "serve": "/ch2.txt", "remote": "/etc/hostname", "authentication": { "type": "securelink", "secure_link_md5": "$EXPR" } },
    { "type": "stream", "serve": "/tv.ts", "remote": "$up", "hls": { "serve": "/hls/tv/", "segment": 1 },
      "authentication": { "type": "securelink", "secure_link_md5": "$EXPR" } },
    { "type": "static", "serve": "/h.txt", "remote": "/etc/hostname",
      "authentication": { "type": "securelink", "secure_link_hmac": { "secret": "hk", "message": "\$secure_link_expires\$uri\$remote_addr" } } },
    { "type": "static", "serve": "/open.txt", "remote": "/etc/hostname" },
    { "type": "relay", "serve": "/udp/", "groups": ["239.0.0.0/8"], "authentication": { "type": "securelink", "secure_link_md5": "$EXPR" } },
    { "type": "api", "api": "playlist", "serve": "/playlist.m3u" }
  ] }
JSON
start_server "$T/server.json"

log "nginx with secure_link on 127.0.0.1 (own prefix, pid, temp dirs)"
NGINX_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$T/nginx/tmp"
cat >"$T/nginx/nginx.conf" <<CONF
daemon off;
master_process off;
pid $T/nginx/nginx.pid;
error_log $T/nginx.log;
events { }
http {
    access_log off;
    client_body_temp_path $T/nginx/tmp/body; proxy_temp_path $T/nginx/tmp/proxy; fastcgi_temp_path $T/nginx/tmp/fastcgi;
    uwsgi_temp_path $T/nginx/tmp/uwsgi; scgi_temp_path $T/nginx/tmp/scgi;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        location / {
            secure_link \$arg_md5,\$arg_expires;
            secure_link_md5 "$EXPR";
            if (\$secure_link = "") { return 403; }
            if (\$secure_link = "0") { return 410; }
            return 200 "ok\n";
        }
    }
}
CONF
nginx -p "$T/nginx" -c "$T/nginx/nginx.conf" -e "$T/nginx.log" &
PIDS+=($!)
nginx_up() { [[ $(http_status "http://127.0.0.1:$NGINX_PORT/") == 403 ]]; }
wait_until 10 nginx_up || { cat "$T/nginx.log"; fail "nginx did not start"; }
wait_until 10 stream_connected /tv.ts || true  # HEAD is refused without a link; the cases below wait for 200

# The cases, made independently of our code (Python's hashlib): "EXPECTED PATH?QUERY" per line.
python3 - "$SECRET" >"$T/cases" <<'PY'
import base64, hashlib, sys, time
secret, now = sys.argv[1], int(time.time())
def h(expires, uri, addr="127.0.0.1"):
    digest = hashlib.md5(f"{expires}{uri}{addr} {secret}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")
f, p = now + 3600, now - 100
good = h(f, "/ch1.txt")
flip = lambda s, i: s[:i] + ("A" if s[i] != "A" else "B") + s[i + 1:]
alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
unused = good[:-1] + alphabet[alphabet.index(good[-1]) ^ 0x0F]  # the last character's 4 unused bits
e = next(e for e in range(f, f + 1000) if "-" in h(e, "/ch1.txt") or "_" in h(e, "/ch1.txt"))
std = h(e, "/ch1.txt").replace("-", "+").replace("_", "/")
cases = [
    (200, f"/ch1.txt?md5={good}&expires={f}"),
    (410, f"/ch1.txt?md5={h(p, '/ch1.txt')}&expires={p}"),
    (403, f"/ch1.txt?md5={flip(good, 5)}&expires={f}"),
    (403, f"/ch2.txt?md5={good}&expires={f}"),
    (403, f"/ch1.txt?md5={h(f, '/ch1.txt', '10.1.2.3')}&expires={f}"),
    (403, f"/ch1.txt?expires={f}"),
    (403, f"/ch1.txt?md5={good}"),
    (403, "/ch1.txt"),
    (403, f"/ch1.txt?md5={good}&expires={f + 1}"),
    (403, f"/ch1.txt?md5={h(0, '/ch1.txt')}&expires=0"),
    (403, f"/ch1.txt?md5={h(-5, '/ch1.txt')}&expires=-5"),
    (403, f"/ch1.txt?md5={h('abc', '/ch1.txt')}&expires=abc"),
    (200, f"/ch1.txt?md5={good}==&expires={f}"),
    (200, f"/ch1.txt?md5={unused}&expires={f}"),
    (200, f"/ch1.txt?EXPIRES={f}&x=1&MD5={good}"),
    (403, f"/ch1.txt?md5={flip(h(p, '/ch1.txt'), 3)}&expires={p}"),
    (403, f"/ch1.txt?md5={std}&expires={e}"),
    (403, f"/ch1.txt?md5={good}AAA&expires={f}"),
    (200, f"/ch1.txt?md5={h('0' + str(f), '/ch1.txt')}&expires=0{f}"),
    (403, f"/ch1.txt?md5={flip(good, 0)}&md5={good}&expires={f}"),
    (403, f"/ch1.txt?md5=%5F{good[1:]}&expires={f}"),
    (200, f"/ch2.txt?md5={h(f, '/ch2.txt')}&expires={f}&other=x"),
    (200, f"/tv.ts?md5={h(f, '/tv.ts')}&expires={f}"),
    (410, f"/tv.ts?md5={h(p, '/tv.ts')}&expires={p}"),
    (200, f"/ch%31.txt?md5={good}&expires={f}"),  # $uri is the decoded path
]
for expected, target in cases: print(expected, target)
PY
(( $(wc -l <"$T/cases") == 25 )) || fail "expected 25 cases"
# The stream answers 200 once its upstream is connected; wait for that with the valid link.
tv_ok() { [[ $(curl -s -o /dev/null -m 1 -w '%{http_code}' "http://127.0.0.1:$SERVER_PORT$(sed -n 23p "$T/cases" | cut -d' ' -f2)") == 200 ]]; }
wait_until 15 tv_ok || fail "the stream never answered 200 to a valid link"

log "25 cases, nginx and ours"
status() { curl -s -o /dev/null -m 1 -w '%{http_code}' "$1" || true; }
n=0
while read -r expected target; do
    ours=$(status "http://127.0.0.1:$SERVER_PORT$target")
    theirs=$(status "http://127.0.0.1:$NGINX_PORT$target")
    printf '%s nginx=%s ours=%s %s\n' "$expected" "$theirs" "$ours" "$target"
    [[ $theirs == "$expected" ]] || fail "nginx answered $theirs, not $expected, to $target"
    [[ $ours == "$theirs" ]] || fail "we answered $ours where nginx answered $theirs to $target"
    n=$((n + 1))
done <"$T/cases"
(( n == 25 )) || fail "ran $n cases"
grep -q 'event=client_refused path=/ch1.txt .*address=127.0.0.1 reason="link expired' "$T/server.log" || fail "no log line for the expired link"
grep -q 'event=client_refused path=/ch1.txt .*reason="wrong md5"' "$T/server.log" || fail "no log line for a wrong md5"
grep -q 'event=client_refused path=/ch1.txt .*reason="missing md5"' "$T/server.log" || fail "no log line for a missing md5"

log "HMAC-SHA256: valid, expired, tampered"
hmac_link() {  # EXPIRES [ADDRESS]
    python3 -c 'import base64, hashlib, hmac, sys
e, a = sys.argv[1], sys.argv[2]
d = hmac.new(b"hk", f"{e}/h.txt{a}".encode(), hashlib.sha256).digest()
print("/h.txt?hmac=" + base64.urlsafe_b64encode(d).decode().rstrip("=") + "&expires=" + e)' "$1" "${2:-127.0.0.1}"
}
now=$(date +%s)
[[ $(status "http://127.0.0.1:$SERVER_PORT$(hmac_link $((now + 60)))") == 200 ]] || fail "valid hmac link refused"
[[ $(status "http://127.0.0.1:$SERVER_PORT$(hmac_link $((now - 60)))") == 410 ]] || fail "expired hmac link not 410"
[[ $(status "http://127.0.0.1:$SERVER_PORT$(hmac_link $((now + 60)) 10.0.0.1)") == 403 ]] || fail "hmac for another address accepted"
[[ $(status "http://127.0.0.1:$SERVER_PORT$(hmac_link $((now + 60)) | sed 's/hmac=./hmac=A/;s/hmac=AA/hmac=BA/')") == 403 ]] ||
    fail "tampered hmac accepted"
grep -q 'path=/h.txt .*reason="wrong hmac"' "$T/server.log" || fail "no log line for a wrong hmac"

log "--sign-url: accepted by us and by nginx; one-line errors"
signed=$("$BIN/server" --sign-url "http://127.0.0.1:$SERVER_PORT/ch1.txt" --expires 60 --client 127.0.0.1 "$T/server.json")
[[ $signed == "http://127.0.0.1:$SERVER_PORT/ch1.txt?md5="*"&expires="* ]] || fail "--sign-url printed $signed"
[[ $(status "$signed") == 200 ]] || fail "our server refused $signed"
[[ $(status "${signed/:$SERVER_PORT/:$NGINX_PORT}") == 200 ]] || fail "nginx refused ${signed/:$SERVER_PORT/:$NGINX_PORT}"
signed_h=$("$BIN/server" --sign-url "/h.txt" --expires 60 --client 127.0.0.1 "$T/server.json")
[[ $(status "http://127.0.0.1:$SERVER_PORT$signed_h") == 200 ]] || fail "our server refused the signed hmac link $signed_h"
expect_error() {  # EXPECTED_MESSAGE ARGS...
    local want=$1 rc=0; shift
    "$BIN/server" "$@" >"$T/out" 2>"$T/err" || rc=$?
    [[ $rc == 2 && $(wc -l <"$T/err") == 1 && $(cat "$T/err") == "$want" && ! -s $T/out ]] ||
        fail "server $*: exit $rc, stderr: $(cat "$T/err")"
}
expect_error 'server: no resource serves "/nothing"' --sign-url http://h/nothing --expires 60 --client 1.2.3.4 "$T/server.json"
expect_error 'server: the resource "/open.txt" has no securelink authentication (no secret to sign with)' \
    --sign-url http://h/open.txt --expires 60 "$T/server.json"
expect_error 'server: --sign-url needs --expires SECONDS' --sign-url http://h/ch1.txt "$T/server.json"

log "the playlist's entries are signed for the client, and play"
curl -s -m 3 "http://127.0.0.1:$SERVER_PORT/playlist.m3u" >"$T/list.m3u"
entry=$(grep '^http.*/tv.ts' "$T/list.m3u") || fail "no /tv.ts entry: $(cat "$T/list.m3u")"
[[ $entry == "http://127.0.0.1:$SERVER_PORT/tv.ts?md5="*"&expires="* ]] || fail "entry not signed: $entry"
capture "$entry" 2 "$T/entry.ts"
(( $(stat -c %s "$T/entry.ts") > 100000 )) || fail "the signed entry delivered $(stat -c %s "$T/entry.ts") bytes"
[[ $(status "${entry%%\?*}") == 403 ]] || fail "the entry's URL without its signature was not refused"

log "HLS: a signed playlist lists signed segments, which play; unsigned ones are refused"
hls=$("$BIN/server" --sign-url "http://127.0.0.1:$SERVER_PORT/hls/tv/index.m3u8" --expires 60 --client 127.0.0.1 "$T/server.json")
[[ $(status "${hls%%\?*}") == 403 ]] || fail "an unsigned HLS playlist was not refused"
curl -s -m 15 "$hls" >"$T/index.m3u8"
segment=$(grep -m1 '^[0-9]*\.ts?md5=.*&expires=' "$T/index.m3u8") || fail "no signed segment in: $(cat "$T/index.m3u8")"
curl -s -m 5 -o "$T/segment.ts" "http://127.0.0.1:$SERVER_PORT/hls/tv/$segment"
(( $(stat -c %s "$T/segment.ts") > 10000 )) || fail "the signed segment $segment delivered $(stat -c %s "$T/segment.ts") bytes"
[[ $(status "http://127.0.0.1:$SERVER_PORT/hls/tv/${segment%%\?*}") == 403 ]] || fail "an unsigned segment was not refused"

log "a relay checks the link before its own URL rules (no group is joined: the URL is malformed)"
relay=$("$BIN/server" --sign-url /udp/not-a-group --expires 60 --client 127.0.0.1 "$T/server.json")
old_relay=$(python3 -c 'import base64, hashlib, sys, time
e = int(time.time()) - 100
d = hashlib.md5(f"{e}/udp/not-a-group127.0.0.1 {sys.argv[1]}".encode()).digest()
print("/udp/not-a-group?md5=" + base64.urlsafe_b64encode(d).decode().rstrip("=") + "&expires=" + str(e))' "$SECRET")
[[ $(status "http://127.0.0.1:$SERVER_PORT/udp/not-a-group") == 403 ]] || fail "an unsigned relay URL was not refused"
[[ $(status "http://127.0.0.1:$SERVER_PORT$relay") == 400 ]] || fail "a signed relay URL did not reach the relay's own check"
[[ $(status "http://127.0.0.1:$SERVER_PORT$old_relay") == 410 ]] || fail "an expired relay URL was not 410"

log "\$remote_addr is the address a trusted proxy forwarded for"
fwd=$("$BIN/server" --sign-url /ch1.txt --expires 60 --client 10.9.9.9 "$T/server.json")
via_proxy() { curl -s -o /dev/null -m 1 -w '%{http_code}' --interface 127.0.0.2 -H 'X-Forwarded-For: 10.9.9.9' "$@" || true; }
[[ $(via_proxy "http://127.0.0.1:$SERVER_PORT$fwd") == 200 ]] || fail "a link for the forwarded address was refused"
[[ $(status "http://127.0.0.1:$SERVER_PORT$fwd") == 403 ]] || fail "a link for 10.9.9.9 was accepted from 127.0.0.1"

log "a securelink without its secret is a one-line config error"
echo '{"resources": [{"type": "static", "serve": "/a", "remote": "/etc/hostname", "authentication": {"type": "securelink"}}]}' >"$T/bad.json"
expect_error "$T/bad.json: resources[0].authentication: securelink needs \"secure_link_md5\" or \"secure_link_hmac\"" --check-config "$T/bad.json"
echo '{"resources": [{"type": "static", "serve": "/a", "remote": "/etc/hostname", "authentication": {"type": "securelink", "secure_link_hmac": {"message": "$uri"}}}]}' >"$T/bad.json"
expect_error "$T/bad.json: resources[0].authentication.secure_link_hmac.secret: missing" --check-config "$T/bad.json"
echo "PASS"
