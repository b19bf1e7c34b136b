#!/usr/bin/env bash
# Static resources: a local file with ETag, If-None-Match -> 304, HEAD, Cache-Control max-age=cache and
# a new ETag when the file changes; a remote URL fetched once per `cache` seconds (and served from the
# cache while the remote is down), 502 for a dead or failing remote; and no request can read anything
# but the configured files: `..`, %2e%2e, doubled slashes and a symlink next to a served file all get
# 404 and never the content of /etc/passwd.
source "$(dirname "$0")/lib.sh"
# Debian's python3 when there is one: a pyenv shim costs 100 ms per call, and checks call it often.
PY=$(command -v /usr/bin/python3 || command -v python3)
python3 "$(dirname "$0")/../tools/fake_http.py" 2>"$T/fake.log" & PIDS+=($!)
fake_pid=$!
wait_until 10 grep -q "event=listening" "$T/fake.log" || fail "fake http server did not start"
fake="http://127.0.0.1:$(listening_port "$T/fake.log")"
mkdir "$T/www"
printf '<html><body>version one</body></html>\n' >"$T/www/index.html"
printf 'a note\n' >"$T/www/note.txt"
ln -s /etc/passwd "$T/www/passwd"
ln -s /etc/passwd "$T/www/passwd-link.html"
cat >"$T/server.json" <<JSON
{ "listen": "127.0.0.1:0", "timeout": 2,
  "resources": [
    { "type": "static", "serve": "/static/index.html", "remote": "$T/www/index.html", "cache": 3 },
    { "type": "static", "serve": "/static/note.txt", "remote": "file://$T/www/note.txt" },
    { "type": "static", "serve": "/static/missing.txt", "remote": "$T/www/missing.txt", "cache": 3 },
    { "type": "static", "serve": "/proxy/counter", "remote": "$fake/counter", "cache": 2 },
    { "type": "static", "serve": "/proxy/dead", "remote": "http://127.0.0.1:1/gone.txt", "cache": 2 },
    { "type": "static", "serve": "/proxy/404", "remote": "$fake/404", "cache": 2 }
  ] }
JSON
start_server "$T/server.json"
url="http://127.0.0.1:$SERVER_PORT"

# request [CURL-ARGS...] PATH: sets STATUS, BODY ($T/body) and the headers in $T/headers.
request() {
    local path=${*: -1}
    rm -f "$T/body" "$T/headers"  # curl writes no file for an empty body
    STATUS=$(curl -s -m 5 -D "$T/headers" -o "$T/body" -w '%{http_code}' "${@:1:$#-1}" "$url$path" || true)
    BODY=$(cat "$T/body" 2>/dev/null || true)
}
# raw_http METHOD TARGET [HEADER-LINE]: sends one request exactly as given (no normalisation) with
# Connection: close and prints the whole response, headers and body, as received.
raw_http() {
    "$PY" - "$SERVER_PORT" "$@" <<'PY'
import socket, sys
port, method, target = int(sys.argv[1]), sys.argv[2], sys.argv[3]
extra = "".join(h + "\r\n" for h in sys.argv[4:])
s = socket.create_connection(("127.0.0.1", port), timeout=5)
s.sendall(("%s %s HTTP/1.1\r\nHost: x\r\n%sConnection: close\r\n\r\n" % (method, target, extra)).encode())
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
sys.stdout.write(data.decode("latin-1"))
PY
}
header() { tr -d '\r' <"$T/headers" | awk -v n="$(tr 'A-Z' 'a-z' <<<"$1")" 'index(tolower($0), n ": ") == 1 { print substr($0, length(n) + 3) }' | tail -1; }
expect_status() { [[ $STATUS == "$1" ]] || { cat "$T/headers"; fail "$2: status $STATUS, expected $1 (body: ${BODY:0:200})"; }; }

log "local file: 200 with ETag, Cache-Control max-age and Content-Type"
request /static/index.html
expect_status 200 "GET index.html"
[[ $BODY == "$(cat "$T/www/index.html")" ]] || fail "body is not the file: $BODY"
etag1=$(header ETag)
echo "ETag: $etag1"
[[ $etag1 =~ ^\"[^\"]+\"$ ]] || fail "ETag '$etag1' is not a quoted strong entity tag"
[[ $(header Cache-Control) == "max-age=3" ]] || fail "Cache-Control '$(header Cache-Control)', expected max-age=3"
[[ $(header Content-Type) == "text/html; charset=utf-8" ]] || fail "Content-Type '$(header Content-Type)'"
[[ $(header Content-Length) == "$(stat -c %s "$T/www/index.html")" ]] || fail "Content-Length '$(header Content-Length)'"

request -H "If-None-Match: $etag1" /static/index.html
expect_status 304 "If-None-Match with the current ETag"
[[ -z $BODY ]] || fail "a 304 has a body: $BODY"
[[ $(header ETag) == "$etag1" ]] || fail "the 304 does not repeat the ETag"
[[ $(header Cache-Control) == "max-age=3" ]] || fail "the 304 lacks Cache-Control max-age=3"
request -H "If-None-Match: \"nope\", W/$etag1" /static/index.html
expect_status 304 "If-None-Match with a list holding the weak form of the ETag"
request -H 'If-None-Match: "nope"' /static/index.html
expect_status 200 "If-None-Match with another ETag"
[[ $BODY == "$(cat "$T/www/index.html")" ]] || fail "body after a non-matching If-None-Match"

raw_http HEAD /static/index.html >"$T/head.raw"
[[ $(head -1 "$T/head.raw" | tr -d '\r') == "HTTP/1.1 200 OK" ]] || fail "HEAD: $(head -1 "$T/head.raw")"
[[ -z $("$PY" -c 'import sys; print(open(sys.argv[1], "rb").read().split(b"\r\n\r\n", 1)[1].decode(), end="")' "$T/head.raw") ]] ||
    fail "HEAD has a body: $(cat "$T/head.raw")"
request -I /static/index.html
expect_status 200 "HEAD"
[[ $(header ETag) == "$etag1" ]] || fail "HEAD ETag '$(header ETag)' differs from GET's"
[[ $(header Cache-Control) == "max-age=3" ]] || fail "HEAD lacks Cache-Control max-age=3"
[[ $(header Content-Type) == "text/html; charset=utf-8" ]] || fail "HEAD Content-Type '$(header Content-Type)'"
# RFC 9110 9.3.2 and 8.6: the headers of GET; a Content-Length must be GET's.
[[ $(header Content-Length) == "$(stat -c %s "$T/www/index.html")" ]] || fail "HEAD Content-Length '$(header Content-Length)', GET sends $(stat -c %s "$T/www/index.html") bytes"
request -I -H "If-None-Match: $etag1" /static/index.html
expect_status 304 "HEAD with If-None-Match"

request /static/note.txt
expect_status 200 "GET note.txt (file:// remote, no cache)"
[[ $BODY == "a note" ]] || fail "note.txt body: $BODY"
[[ $(header Cache-Control) == "no-cache" ]] || fail "cache 0 should say Cache-Control: no-cache, not '$(header Cache-Control)'"
[[ $(header Content-Type) == "text/plain; charset=utf-8" ]] || fail "note.txt Content-Type '$(header Content-Type)'"
request /static/missing.txt
expect_status 404 "a configured file that does not exist"
[[ $BODY != *root:* ]] || fail "missing file answered with /etc/passwd"

log "the file changes: new body, new ETag, the old ETag no longer gives 304"
printf '<html><body>version two, longer</body></html>\n' >"$T/www/index.html"
changed() { request /static/index.html && [[ $BODY == *"version two"* ]]; }
wait_until 5 changed || fail "the changed file was not served within 5 s: $BODY"
etag2=$(header ETag)
echo "ETag after the change: $etag2"
[[ $etag2 =~ ^\"[^\"]+\"$ && $etag2 != "$etag1" ]] || fail "ETag did not change with the file ($etag1 -> $etag2)"
request -H "If-None-Match: $etag1" /static/index.html
expect_status 200 "If-None-Match with the old ETag"
[[ $BODY == *"version two"* ]] || fail "old ETag got the old body"
request -H "If-None-Match: $etag2" /static/index.html
expect_status 304 "If-None-Match with the new ETag"

log "remote: fetched once per cache period, ETag and 304, served from the cache while the remote is down"
fetches() { grep -c "event=counter" "$T/fake.log" || true; }
fetched_at=$(date +%s%N)  # before the fetch: the time since then is at least the cached copy's age
request /proxy/counter
expect_status 200 "GET a remote"
[[ $BODY == "count=1" ]] || fail "remote body: $BODY"
[[ $(header Cache-Control) == "max-age=2" ]] || fail "remote Cache-Control '$(header Cache-Control)'"
[[ $(header Content-Type) == "text/plain" ]] || fail "remote Content-Type '$(header Content-Type)' (the remote said text/plain)"
retag1=$(header ETag)
[[ $retag1 =~ ^\"[^\"]+\"$ ]] || fail "remote ETag '$retag1'"
for _ in 1 2 3 4 5; do
    request /proxy/counter
    expect_status 200 "GET a cached remote"
    [[ $BODY == "count=1" && $(header ETag) == "$retag1" ]] || fail "not served from the cache: $BODY $(header ETag)"
done
request -H "If-None-Match: $retag1" /proxy/counter
expect_status 304 "If-None-Match on a remote"
(( $(date +%s%N) - fetched_at < 1500000000 )) || fail "too slow to check the cache period (machine overloaded?)"
[[ $(fetches) == 1 ]] || fail "the remote was fetched $(fetches) times within its cache period"
recached() { request /proxy/counter && [[ $BODY == "count=2" ]]; }
wait_until 4 recached || fail "the remote was not fetched again after the cache period: $BODY"
refetch_ms=$(( ($(date +%s%N) - fetched_at) / 1000000 ))
echo "refetched after $refetch_ms ms (cache 2 s)"
(( refetch_ms >= 2000 )) || fail "refetched after $refetch_ms ms, before the 2 s cache period ended"
[[ $(header ETag) != "$retag1" ]] || fail "new remote content kept the old ETag"
[[ $(fetches) == 2 ]] || fail "expected 2 fetches, the remote saw $(fetches)"

request /proxy/404
expect_status 502 "a remote that answers 404"
[[ $BODY == "bad gateway" ]] || fail "502 body: $BODY"
grep -q 'event=static_fetch_failed path=/proxy/404 .*reason="HTTP status 404"' "$T/server.log" || fail "the 404 of the remote is not logged"

kill "$fake_pid"
wait "$fake_pid" 2>/dev/null || true
request /proxy/counter
expect_status 200 "a cached remote while the remote is down"
[[ $BODY == "count=2" ]] || fail "cached body while the remote is down: $BODY"
dead() { request /proxy/counter && [[ $STATUS == 502 ]]; }
wait_until 4 dead || fail "a dead remote past its cache period gives $STATUS, expected 502"

log "dead and failing remotes: 502"
request /proxy/dead
expect_status 502 "a remote that refuses connections"
[[ $BODY == "bad gateway" ]] || fail "502 body: $BODY"
[[ $(header Cache-Control) == "no-cache" ]] || fail "a 502 must not be cached: Cache-Control '$(header Cache-Control)'"
grep -q 'event=static_fetch_failed path=/proxy/dead .*reason=' "$T/server.log" || fail "the failed fetch is not logged"

log "nothing outside the configured files: .., %2e%2e, //, symlinks"
passwd_line=$(head -1 /etc/passwd)
for path in /static/../etc/passwd /static/../../../../etc/passwd /static/index.html/../../../../etc/passwd \
    /static/%2e%2e/%2e%2e/%2e%2e/etc/passwd /static/%2E%2E/%2E%2E/%2E%2E/etc/passwd \
    /static/..%2f..%2f..%2f..%2fetc%2fpasswd /static/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd \
    //etc/passwd ///etc/passwd /etc/passwd /static//etc/passwd /static/passwd /static/passwd-link.html \
    /static/ /static /static/. /static/index.html/ /static/index.html/. /static/./index.html \
    "/static/index.html%00" /static/missing.txt/../../../../etc/passwd /%2fetc%2fpasswd \
    "/proxy/counter/../../etc/passwd"; do
    request --path-as-is "$path"
    [[ $BODY != *"$passwd_line"* && $BODY != *root:* ]] || fail "$path served /etc/passwd"
    [[ $STATUS == 404 ]] || fail "$path: status $STATUS, expected 404"
done
# A query string does not change which file a configured path serves.
request --path-as-is "/static/index.html?x=/../../etc/passwd"
expect_status 200 "a configured path with a query string"
[[ $BODY == *"version two"* ]] || fail "a configured path with a query string got: $BODY"
# Request targets that are not origin-form: sent raw, as curl would normalise them.
for target in ../../../../etc/passwd static/../../etc/passwd "*" "http://127.0.0.1:$SERVER_PORT/../../etc/passwd"; do
    reply=$(raw_http GET "$target")
    status=$(head -1 <<<"$reply" | awk '{print $2}')
    echo "raw target $target: $(head -1 <<<"$reply" | tr -d '\r')"
    [[ $reply != *"$passwd_line"* && $reply != *root:* ]] || fail "raw target $target served /etc/passwd"
    [[ $status == 400 || $status == 404 ]] || fail "raw target $target: status '$status', expected 400 or 404"
done
echo "PASS"
