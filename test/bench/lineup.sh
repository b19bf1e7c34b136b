#!/usr/bin/env bash
# lineup.sh - `make bench-lineup`: the scale of a lineup of on-demand multicast channels (issue 17
# item 6). Not a test: it prints figures and judges nothing but that the run itself worked. See
# test/bench/README.md ("The lineup") for what it measures and the figures of a run.
#
# Two network namespaces joined by a veth pair (test/e2e/netns.sh, as for the multicast e2e tests;
# never on the host's network): in the sender's, one bin/ts_pipe sends bin/source's paced stream to
# every group 239.10.0.1, 239.10.0.2, ... on port 5000; in the server's, bin/server serves them as
# on-demand streams /ch1.ts, /ch2.ts, ... and bin/lineup_client watches. Phases:
#   idle   nobody watches for LINEUP_IDLE_S: the server's CPU, threads, RSS, and no group joined;
#   load   LINEUP_VIEWERS viewers over the first LINEUP_WATCHED channels for LINEUP_LOAD_S: CC errors,
#          viewers at real time, CPU s per GB, RSS, threads, groups joined; then every group left
#          after linger;
#   zap    one viewer zaps every LINEUP_ZAP_S through LINEUP_ZAPS never-watched channels, going back
#          to a recent one between two (cold and warm zaps): time to the first keyframe.
# Env: BIN, SAMPLE (the stream every channel carries), LINEUP_CHANNELS (300), LINEUP_IDLE_S (60),
# LINEUP_VIEWERS (300), LINEUP_WATCHED (100), LINEUP_LOAD_S (30), LINEUP_ZAPS (50), LINEUP_ZAP_S (3),
# LINEUP_LINGER (10), LINEUP_LOGS (build/bench/lineup: where the logs are copied at the end). Needs
# root for the network namespaces (exit 77 without).
set -euo pipefail
# Re-runs this script inside the server's namespace; NS_A runs a command on the sender's side.
source "$(dirname "$0")/../e2e/netns.sh"
netns_pair 96 "$@"
source "$(dirname "$0")/../e2e/lib.sh"
# lib.sh removes $T on exit: the logs and the clients' output are copied out first, to look into later.
LOGS=${LINEUP_LOGS:-build/bench/lineup}
keep_logs() { mkdir -p "$LOGS" && cp "$T"/*.log "$T"/*.out "$T/server.json" "$LOGS/" 2>/dev/null || true; }
# lib.sh's cleanup takes the exit status from $?; without set +e, the (exit) that hands it over would
# end the trap there, before cleanup stopped the processes.
keep_logs_and_clean_up() { local rc=$?; keep_logs; set +e; (exit "$rc"); cleanup; }
trap keep_logs_and_clean_up EXIT
CHANNELS=${LINEUP_CHANNELS:-300} IDLE_S=${LINEUP_IDLE_S:-60} VIEWERS=${LINEUP_VIEWERS:-300}
WATCHED=${LINEUP_WATCHED:-100} LOAD_S=${LINEUP_LOAD_S:-30} ZAPS=${LINEUP_ZAPS:-50}
ZAP_S=${LINEUP_ZAP_S:-3} LINGER=${LINEUP_LINGER:-10}
for v in CHANNELS IDLE_S VIEWERS WATCHED LOAD_S ZAPS ZAP_S LINGER; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || fail "LINEUP_$v must be a whole number >= 1 (is '${!v}')"
done
(( CHANNELS <= 65000 )) || fail "at most 65000 channels (239.10.0.1 up)"
(( WATCHED + ZAPS <= CHANNELS )) || fail "LINEUP_WATCHED + LINEUP_ZAPS must not exceed LINEUP_CHANNELS: zaps go to never-watched channels"
(( VIEWERS % WATCHED == 0 )) || fail "LINEUP_VIEWERS must be a multiple of LINEUP_WATCHED (viewers per channel)"
(( LINGER > 2 * ZAP_S + 1 )) || fail "LINEUP_LINGER must exceed 2 x LINEUP_ZAP_S + 1, or the warm zaps find their channel closed"
TICKS=$(getconf CLK_TCK)
declare -A FIG  # the summary's figures, by name

# The group of channel K (1-based): 239.10.0.0 + K, the order in which ts_pipe udp-send-many counts.
group_of() { echo "239.10.$(( $1 >> 8 )).$(( $1 & 255 ))"; }
cpu_s() { awk -v t="$TICKS" '{printf "%.2f", ($14 + $15) / t}' "/proc/$1/stat"; }
status_field() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
groups_joined() { ip maddr show dev vb | grep -c 'inet  *239\.10\.' || true; }
tx_bytes() { "${NS_A[@]}" cat /sys/class/net/va/statistics/tx_bytes; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a - b}'; }
# figure LINE KEY: the value of KEY=VALUE in a line of bin/lineup_client's output.
figure() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }
# The streams' states from the statistics API, e.g. connected=0 idle=300 starting=0 failed=0 offline=0.
stream_states() {
    curl -s -m 5 "$URL/statistics" | python3 -c 'import json, sys
print(" ".join(f"{k}={v}" for k, v in json.load(sys.stdin)["streams"].items()))'
}
# On-demand starts and failed starts so far, summed over the streams (Prometheus).
starts() {
    curl -s -m 5 "$URL/metrics" | awk '/^restreamer_stream_starts_total/ {s += $NF}
        /^restreamer_stream_start_failures_total/ {f += $NF} END {printf "starts=%d start_failures=%d", s, f}'
}
# Continuity errors the server saw on its upstreams (datagrams lost on the way in) and packets its
# viewers lost, summed over the streams (the streams API).
stream_losses() {
    curl -s -m 5 "$URL/streams.json" | python3 -c 'import json, sys
streams = json.load(sys.stdin)
cc, dropped = (sum(s[key] for s in streams) for key in ("cc_errors", "packets_dropped"))
print(f"input_cc_errors={cc} packets_dropped={dropped}")'
}
# The sender still runs: if it (or the curl that feeds it) ended, every channel would go silent.
check_sender() {
    [[ -e /proc/$SENDER_PID ]] && return
    tail -5 "$T/src.log" "$T/lineup.log"
    fail "the sender ended"
}
server_sample() {  # CPU s, threads, RSS and groups of the server now, as one line
    echo "cpu_s=$(cpu_s "$SERVER_PID") threads=$(status_field "$SERVER_PID" Threads)" \
        "rss_kib=$(status_field "$SERVER_PID" VmRSS) groups_joined=$(groups_joined) $(stream_states)"
}

write_lineup_config() {
    local k
    {
        echo "{ \"listen\": \"127.0.0.1:0\", \"timeout\": 5, \"readtimeout\": 5, \"reconnect\": 1,"
        echo "  \"ondemand\": true, \"linger\": $LINGER, \"resources\": ["
        for k in $(seq "$CHANNELS"); do
            echo "  {\"type\": \"stream\", \"serve\": \"/ch$k.ts\", \"remote\": \"udp://$(group_of "$k"):5000?iface=vb\"},"
        done
        echo '  {"type": "api", "api": "statistics", "serve": "/statistics"},'
        echo '  {"type": "api", "api": "prometheus", "serve": "/metrics"},'
        echo '  {"type": "api", "api": "streams", "serve": "/streams.json"} ] }'
    } >"$1"
}

start_lineup() {
    log "lineup: $CHANNELS on-demand channels of $SAMPLE, linger $LINGER s; $(nproc) CPUs, $(uname -r);" \
        "commit $(git -C "$(dirname "$0")" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    log "load at start: $(uptime)"
    FIG[stream_mbps]=$(ffprobe -v error -show_entries format=bit_rate -of default=nw=1:nk=1 "$SAMPLE" |
        awk '{printf "%.3f", $1 / 1e6}')
    start_source src "$SAMPLE"
    write_lineup_config "$T/server.json"
    start_server "$T/server.json"
    URL="http://127.0.0.1:$SERVER_PORT"
    feed_pipe lineup "${NS_A[@]}" "$BIN/ts_pipe" udp-send-many "$(group_of 1):5000" --count "$CHANNELS" --iface va
    SENDER_PID=$LAST_PID
}

# Nobody watches: what the lineup costs the server at rest, and that it joins nothing.
idle_phase() {
    log "idle: nobody watches for $IDLE_S s"
    local cpu0 sender0 tx0 start most=0 now
    sleep 2  # the sender's first datagrams are out; the server's start-up is over
    cpu0=$(cpu_s "$SERVER_PID") sender0=$(cpu_s "$SENDER_PID") tx0=$(tx_bytes) start=$SECONDS
    while (( SECONDS - start < IDLE_S )); do
        sleep 1
        now=$(groups_joined)
        (( now > most )) && most=$now
    done
    FIG[idle_cpu_s]=$(sub "$(cpu_s "$SERVER_PID")" "$cpu0")
    FIG[idle_sender_cpu_pct]=$(awk -v a="$(cpu_s "$SENDER_PID")" -v b="$sender0" -v s="$IDLE_S" 'BEGIN {printf "%.1f", 100 * (a - b) / s}')
    FIG[sent_mbps]=$(awk -v a="$(tx_bytes)" -v b="$tx0" -v s="$IDLE_S" 'BEGIN {printf "%.0f", (a - b) * 8 / s / 1e6}')
    FIG[idle_threads]=$(status_field "$SERVER_PID" Threads)
    FIG[idle_rss_kib]=$(status_field "$SERVER_PID" VmRSS)
    FIG[idle_groups_max]=$most
    echo "idle $IDLE_S s: server cpu_s=${FIG[idle_cpu_s]} threads=${FIG[idle_threads]} rss_kib=${FIG[idle_rss_kib]}" \
        "most groups joined at once=$most; $(stream_states)"
    echo "sender: ${FIG[sent_mbps]} Mbit/s on the veth ($CHANNELS x ${FIG[stream_mbps]} Mbit/s), ${FIG[idle_sender_cpu_pct]} % of a core"
    (( most == 0 )) || fail "$most groups joined while nobody watched"
}

# VIEWERS viewers over WATCHED channels: every one clean and at real time, and what it cost.
load_phase() {
    local per=$(( VIEWERS / WATCHED )) client mid
    log "load: $VIEWERS viewers over channels 1-$WATCHED ($per each) for $LOAD_S s"
    "$BIN/lineup_client" watch "127.0.0.1:$SERVER_PORT" --stream "$SAMPLE" --channels "$WATCHED" \
        --per-channel "$per" --seconds "$LOAD_S" --server-pid "$SERVER_PID" >"$T/watch.out" 2>"$T/watch.log" &
    client=$!
    PIDS+=("$client")
    # In the middle of the window (the client ramps, settles 2 s, then measures).
    wait_until 30 bash -c "(( \$(ip maddr show dev vb | grep -c 'inet  *239\.10\.') >= $WATCHED ))" ||
        echo "only $(groups_joined) of $WATCHED groups joined after 30 s"
    sleep $(( 2 + LOAD_S / 2 ))
    mid=$(server_sample)
    wait "$client" || { cat "$T/watch.log"; fail "lineup_client watch failed"; }
    cat "$T/watch.out"
    echo "mid-window: $mid"
    local out; out=$(tr '\n' ' ' <"$T/watch.out")
    for k in answered at_real_time slowest_pct cc_errors sync_losses cpu_s_per_gb server_cpu_s delivered_mbps \
             keyframe_p50_ms keyframe_p99_ms server_rss_kib failures; do
        FIG[load_$k]=$(figure "$out" "$k")
    done
    FIG[load_threads]=$(figure "$mid" threads) FIG[load_groups]=$(figure "$mid" groups_joined)
    log "after the viewers left: every group left within linger ($LINGER s)"
    wait_until $(( LINGER + 5 )) bash -c "(( \$(ip maddr show dev vb | grep -c 'inet  *239\.10\.') == 0 ))" ||
        fail "$(groups_joined) groups still joined $(( LINGER + 5 )) s after the last viewer left"
    FIG[after_linger]=$(server_sample)
    FIG[load_starts]=$(starts) FIG[load_losses]=$(stream_losses)
    echo "after linger: ${FIG[after_linger]}; on-demand ${FIG[load_starts]}; ${FIG[load_losses]}"
    check_sender
}

# A cold on-demand response starts with PAT, PMT and the keyframe: the zapper's first byte is then its
# first picture. Checked on the last channel, which neither the load nor the zapper touch.
check_cold_start() {
    local path="/ch$CHANNELS.ts"
    curl -s -m 3 -o "$T/cold.ts" "$URL$path" || true
    "$BIN/ts_check" --head 3 "$T/cold.ts" >"$T/cold.head"
    echo "first packets of a cold $path: $(tr '\n' ' ' <"$T/cold.head")"
    FIG[cold_starts_with]=$(paste -sd ';' "$T/cold.head")
}

zap_phase() {
    log "zap: one viewer, a zap every $ZAP_S s through channels $(( WATCHED + 1 ))-$(( WATCHED + ZAPS )) and back"
    check_cold_start
    "$BIN/lineup_client" zap "127.0.0.1:$SERVER_PORT" --first $(( WATCHED + 1 )) --zaps "$ZAPS" \
        --interval "$ZAP_S" >"$T/zap.out" 2>"$T/zap.log" || { cat "$T/zap.log"; fail "lineup_client zap failed"; }
    awk '/^zap=/ && n++ < 6' "$T/zap.out"  # not head: its early exit would be a SIGPIPE, fatal under pipefail
    echo "... and every zap that did not get a keyframe:"
    grep '^zap=' "$T/zap.out" | grep -e 'keyframe_ms=-' -e 'failure=' || true
    grep -v '^zap=' "$T/zap.out"
    FIG[zap_starts]=$(starts)
    echo "on-demand so far: ${FIG[zap_starts]}; $(stream_losses)"
    check_sender
    local out; out=$(grep -v '^zap=' "$T/zap.out" | tr '\n' ' ')
    for k in cold_zaps cold_keyframe_p50_ms cold_keyframe_p99_ms cold_keyframe_max_ms warm_zaps warm_keyframe_p50_ms \
             warm_keyframe_p99_ms warm_keyframe_max_ms zaps_without_keyframe keyframe_after_first_byte_max_ms zap_cc_errors; do
        FIG[$k]=$(figure "$out" "$k")
    done
}

summary() {
    local row='%-58s %s\n'
    echo
    echo "=== lineup: $CHANNELS on-demand multicast channels of ${FIG[stream_mbps]} Mbit/s, linger $LINGER s"
    printf "$row" "sender: rate on the veth, CPU" "${FIG[sent_mbps]} Mbit/s, ${FIG[idle_sender_cpu_pct]} % of a core"
    printf "$row" "idle $IDLE_S s: server CPU s" "${FIG[idle_cpu_s]}"
    printf "$row" "idle: threads, RSS KiB, most groups joined" "${FIG[idle_threads]}, ${FIG[idle_rss_kib]}, ${FIG[idle_groups_max]}"
    printf "$row" "load $VIEWERS viewers / $WATCHED channels, $LOAD_S s: answered" "${FIG[load_answered]}"
    printf "$row" "  at real time (>= 95 % of the rate), slowest %" "${FIG[load_at_real_time]}, ${FIG[load_slowest_pct]}"
    printf "$row" "  CC errors, sync losses" "${FIG[load_cc_errors]}, ${FIG[load_sync_losses]}"
    printf "$row" "  server CPU s, CPU s/GB, delivered Mbit/s" "${FIG[load_server_cpu_s]}, ${FIG[load_cpu_s_per_gb]}, ${FIG[load_delivered_mbps]}"
    printf "$row" "  threads, RSS KiB, groups joined" "${FIG[load_threads]}, ${FIG[load_server_rss_kib]}, ${FIG[load_groups]}"
    printf "$row" "  first keyframe p50 / p99 ms (start of the load)" "${FIG[load_keyframe_p50_ms]} / ${FIG[load_keyframe_p99_ms]}"
    printf "$row" "  failures; on-demand starts (one per channel)" "${FIG[load_failures]}; ${FIG[load_starts]}"
    printf "$row" "  server side: upstream CC errors, viewer packets dropped" "${FIG[load_losses]}"
    printf "$row" "after linger" "${FIG[after_linger]}"
    printf "$row" "zap, cold ($ZAPS): first keyframe p50 / p99 / max ms" "${FIG[cold_keyframe_p50_ms]} / ${FIG[cold_keyframe_p99_ms]} / ${FIG[cold_keyframe_max_ms]} (${FIG[cold_zaps]} zaps)"
    printf "$row" "zap, warm (in linger): first keyframe p50 / p99 / max ms" "${FIG[warm_keyframe_p50_ms]} / ${FIG[warm_keyframe_p99_ms]} / ${FIG[warm_keyframe_max_ms]} (${FIG[warm_zaps]} zaps)"
    printf "$row" "zaps: most keyframe after first byte ms, none, CC errors" \
        "${FIG[keyframe_after_first_byte_max_ms]}, ${FIG[zaps_without_keyframe]}, ${FIG[zap_cc_errors]}"
    printf "$row" "a cold response's first packets" "${FIG[cold_starts_with]}"
    echo "load at end: $(uptime)"
}

# One compound command: bash reads it whole before running it, so editing this file during a run
# cannot change the run.
{
    start_lineup
    idle_phase
    load_phase
    zap_phase
    summary
    exit
}
