#!/usr/bin/env bash
# first_picture.sh - `make bench-players`: how long after its connect each player decodes its
# first video frame, per stream "prebuffer", with bin/source and bin/server on the sample. Not a
# test (the figures depend on the players' own probing): prints a table of medians. Installs the
# players with apt-get when missing. See test/bench/README.md, "First picture per player".
#
# Env: BIN (bin), SAMPLE (build/media/sample.ts), RUNS (5), PREBUFFERS ("0 3"),
#      PLAYERS ("ffmpeg gstreamer gstreamer-playing mplayer mpv vlc vlc-playing"), TIMEOUT (15 s).
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${BIN:-bin} SAMPLE=${SAMPLE:-build/media/sample.ts}
RUNS=${RUNS:-5} PREBUFFERS=${PREBUFFERS:-"0 3"} TIMEOUT=${TIMEOUT:-15}
PLAYERS=${PLAYERS:-"ffmpeg gstreamer gstreamer-playing mplayer mpv vlc vlc-playing"}
WORK=build/first_picture
PACKAGES="ffmpeg mpv mplayer vlc-bin vlc-plugin-base gstreamer1.0-tools gstreamer1.0-plugins-base
          gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-libav util-linux python3"

install_players() {
    local p missing=()
    for p in $PACKAGES; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    (( ${#missing[@]} == 0 )) && return
    echo "installing: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# set_command NAME URL: CMD, the player decoding video to nowhere, with the output that shows its
# first decoded frame. gst-launch prints with stdio: line-buffered, so that lines come when printed.
set_command() {
    case $1 in
    ffmpeg) CMD=(ffmpeg -hide_banner -nostdin -i "$2" -map 0:v:0 -vf showinfo -f null -) ;;
    gstreamer | gstreamer-playing)
        CMD=(stdbuf -oL gst-launch-1.0 -v playbin uri="$2" "video-sink=fakesink name=vsink silent=false" "audio-sink=fakesink") ;;
    mplayer) CMD=(mplayer -nolirc -noconfig all -vo null -ao null "$2") ;;
    mpv) CMD=(mpv --no-config --vo=null --ao=null -v "$2") ;;
    # VLC refuses to run as root; nobody's home does not exist, so its settings go to $WORK/vlc-home.
    vlc | vlc-playing) CMD=(runuser -u nobody -- env HOME="$PWD/$WORK/vlc-home" cvlc -vv --vout=dummy --aout=dummy "$2") ;;
    esac
}

# The line that each player prints for its first decoded video frame:
# ffmpeg: showinfo's first frame; gstreamer: the first frame at the video sink, which a player
# shows at once (prerolled, paused); gstreamer-playing: the first one played, once its buffering
# is done; mplayer: its first status line with a video time; mpv: its own words; vlc: the first
# picture out of the decoder, which VLC shows at once; vlc-playing: its buffering (1 s) done.
player_pattern() {
    case $1 in
    ffmpeg) echo 'Parsed_showinfo.* n: *0 ' ;;
    gstreamer) echo 'vsink: last-message = (preroll|chain)' ;;
    gstreamer-playing) echo 'vsink: last-message = chain' ;;
    mplayer) echo '^A: *-?[0-9.]+ V: *-?[0-9.]+' ;;
    mpv) echo 'first video frame after restart shown' ;;
    vlc) echo 'Received first picture' ;;
    vlc-playing) echo 'Stream buffering done' ;;
    esac
}

start_servers() {
    mkdir -p "$WORK/vlc-home"
    chown nobody "$WORK/vlc-home"
    "$BIN/source" --listen 127.0.0.1:0 "$SAMPLE" 2>"$WORK/source.log" &
    PIDS+=($!)
    wait_for_line "$WORK/source.log" "event=listening"
    local source_port resources="" sep="" p
    source_port=$(listening_port "$WORK/source.log")
    for p in $PREBUFFERS; do
        resources+="$sep{\"type\": \"stream\", \"serve\": \"/p$p.ts\", \"prebuffer\": $p,
                      \"remote\": \"http://127.0.0.1:$source_port/stream.ts\"}"
        sep=", "
    done
    echo "{ \"listen\": \"127.0.0.1:0\", \"resources\": [ $resources ] }" >"$WORK/server.json"
    "$BIN/server" "$WORK/server.json" 2>"$WORK/server.log" &
    PIDS+=($!)
    wait_for_line "$WORK/server.log" "event=listening"
    SERVER_PORT=$(listening_port "$WORK/server.log")
}

wait_for_line() {
    local i
    for i in $(seq 100); do grep -q "$2" "$1" && return; sleep 0.1; done
    cat "$1"
    echo "first_picture.sh: no \"$2\" in $1" >&2
    exit 1
}

listening_port() { sed -n 's/.*event=listening address=[^ ]*:\([0-9]*\).*/\1/p' "$1" | head -1; }

stop_servers() {
    local pid
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}

# How far behind live a new viewer starts: the stream time of the head, which goes out in its first
# batch (the next one waits 300 ms).
head_span() {
    curl -s -m 0.2 -o "$WORK/head.ts" "http://127.0.0.1:$SERVER_PORT/p$1.ts" || true
    truncate -s $(( $(stat -c %s "$WORK/head.ts") / 188 * 188 )) "$WORK/head.ts"
    "$BIN/ts_check" "$WORK/head.ts" | sed -n 's/.*pcr_span=\([0-9.]*\).*/\1/p'
}

# median FILE: the median of the numbers in FILE, one a line ("none" counts as the largest), with
# the count of "none" when there is any.
median() {
    sort -g "$1" | awk '{ v[NR] = $1; if ($1 == "none") n++ }
        END { if (NR == 0) { print "-"; exit }
              m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] == "none" || v[NR / 2 + 1] == "none") ? "none" : (v[NR / 2] + v[NR / 2 + 1]) / 2
              printf "%s%s", (m == "none" ? "none" : sprintf("%.2f", m)), (n ? " (" n " none)" : "") }'
}

measure() {
    local run player p result pid
    for run in $(seq "$RUNS"); do
        for p in $PREBUFFERS; do
            # The machine is shared: a source or server stopped from outside would make every figure "none".
            for pid in "${PIDS[@]}"; do
                kill -0 "$pid" 2>/dev/null || { echo "first_picture.sh: bin/source or bin/server has ended" >&2; exit 1; }
            done
            # A random moment in the GOP: where the viewer comes decides how old the cached keyframes are.
            sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.2f", r / 32768 * 2 }')"
            head_span "$p" >>"$WORK/head-p$p.txt"
            for player in $PLAYERS; do
                set_command "$player" "http://127.0.0.1:$SERVER_PORT/p$p.ts"
                result=$(python3 test/bench/first_frame.py "$WORK/server.log" "$(player_pattern "$player")" "$TIMEOUT" \
                    -- "${CMD[@]}")
                echo "run $run prebuffer $p $player: $result s"
                echo "$result" >>"$WORK/$player-p$p.txt"
            done
        done
    done
}

report() {
    local player p line
    echo
    echo "First picture: seconds from connect to the first decoded video frame, median of $RUNS runs"
    line="| player |"
    for p in $PREBUFFERS; do line+=" prebuffer $p |"; done
    echo "$line"
    echo "|---|$(for p in $PREBUFFERS; do printf -- '---|'; done)"
    for player in $PLAYERS; do
        line="| $player |"
        for p in $PREBUFFERS; do line+=" $(median "$WORK/$player-p$p.txt") |"; done
        echo "$line"
    done
    line="| start behind live (head's PCR span) |"
    for p in $PREBUFFERS; do line+=" $(median "$WORK/head-p$p.txt") |"; done
    echo "$line"
}

install_players
for tool in "$BIN/server" "$BIN/source" "$BIN/ts_check" "$SAMPLE"; do
    [[ -e $tool ]] || { echo "first_picture.sh: $tool missing (run make)" >&2; exit 1; }
done
rm -rf "$WORK" && mkdir -p "$WORK"
PIDS=()
trap stop_servers EXIT
trap 'exit 143' TERM INT
start_servers
max=0
for p in $PREBUFFERS; do max=$(awk -v a="$max" -v b="$p" 'BEGIN { print (b > a ? b : a) }'); done
# The cache holds the largest prebuffer and a GOP (2 s in the sample) once this much has come.
sleep "$(awk -v m="$max" 'BEGIN { print m + 3 }')"
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD), $(nproc) cores, $SAMPLE"
measure
report
