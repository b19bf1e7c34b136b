#!/usr/bin/env bash
# Debian's prometheus scrapes a real bin/server (with contrib/prometheus/alerts.yml loaded), and every
# panel query of contrib/grafana/restreamer.json, with the dashboard's variables substituted
# ($stream, $__rate_interval), returns data through Prometheus's HTTP API after a few scrapes.
source "$(dirname "$0")/lib.sh"
start_source src "$SAMPLE"
cat >"$T/server.json" <<JSON
{ "listen": "127.0.0.1:0", "timeout": 2, "reconnect": 1, "readtimeout": 3, "maxconnections": 100,
  "resources": [
    {"type": "stream", "serve": "/tv.ts", "remote": "http://127.0.0.1:$SOURCE_PORT/stream.ts"},
    {"type": "api", "serve": "/metrics", "api": "prometheus"} ] }
JSON
start_server "$T/server.json"
wait_until 10 stream_connected /tv.ts || fail "stream never connected"
start_viewers 1 "http://127.0.0.1:$SERVER_PORT/tv.ts"

prom_port=$(free_tcp_port)
cp "$PWD/contrib/prometheus/alerts.yml" "$T/alerts.yml"
cat >"$T/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [alerts.yml]
scrape_configs:
  - job_name: restreamer
    static_configs:
      - targets: ["127.0.0.1:$SERVER_PORT"]
YAML
prometheus --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/prometheus-data" \
    --web.listen-address="127.0.0.1:$prom_port" 2>"$T/prometheus.log" &
PIDS+=($!)
api="http://127.0.0.1:$prom_port/api/v1"
# query PROMQL: the first value of the first series, or nothing.
query() { curl -s --get "$api/query" --data-urlencode "query=$1" | python3 -c 'import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r else "")'; }
scraped_thrice() { [[ $(query 'count_over_time(up{job="restreamer"}[1m])') -ge 3 && $(query 'up{job="restreamer"}') == 1 ]]; }
wait_until 30 scraped_thrice || { tail -20 "$T/prometheus.log"; fail "prometheus did not scrape the server three times"; }

log "the alerting rules loaded"
rules=$(curl -s "$api/rules" | python3 -c 'import json, sys
print(sum(len(g["rules"]) for g in json.load(sys.stdin)["data"]["groups"]))')
(( rules == 6 )) || fail "prometheus loaded $rules rules, not 6"

log "every panel's query returns data"
python3 - "$PWD/contrib/grafana/restreamer.json" "$api" <<'PY' || fail "a panel's query returned no data"
import json, sys, urllib.parse, urllib.request
dashboard, api = json.load(open(sys.argv[1])), sys.argv[2]
variables = {"$stream": "/tv.ts", "$__rate_interval": "1m"}
empty = queries = 0
for panel in dashboard["panels"]:
    for target in panel["targets"]:
        expr = target["expr"]
        for name, value in variables.items():
            expr = expr.replace(name, value)
        assert "$" not in expr, f"unsubstituted variable in {expr}"
        with urllib.request.urlopen(f"{api}/query?" + urllib.parse.urlencode({"query": expr})) as reply:
            answer = json.load(reply)
        series = answer["data"]["result"] if answer["status"] == "success" else []
        queries += 1
        print(f"{panel['title']}: {expr} -> {len(series)} series")
        if not series:
            empty += 1
print(f"{queries} queries, {empty} without data")
sys.exit(1 if empty or queries < 20 else 0)
PY
echo PASS
