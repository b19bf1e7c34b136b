#!/bin/sh
# Makes a test stream with ffmpeg (lavfi test sources), GOP 2 s, one program, constant mux rate.
# Usage: make_sample.sh OUT [sample|bench|bench-1mbit]
#        make_sample.sh OUT mpts IN PROGRAMS MUXRATE_KBIT
#   sample       640x360 H.264 + AAC, 2 Mbit/s, 10 s (the tests' sample)
#   bench        1280x720 H.264 + AAC, 8 Mbit/s, 20 s (make bench)
#   bench-1mbit  1280x720 HEVC + AAC, 1 Mbit/s, 20 s, the rate of many IPTV channels (make bench);
#                H.264 when this ffmpeg has no libx265
set -eu
out=$1
kind=${2:-sample}
mkdir -p "$(dirname "$out")"
# mpts: PROGRAMS copies of IN's video and audio, remuxed without re-encoding into one multiplex
# whose programs are numbered 1..PROGRAMS (make bench-programs).
if [ "$kind" = mpts ]; then
  in=$3 programs=$4 muxrate=$5 args="" i=0
  while [ $i -lt "$programs" ]; do args="$args -i $in"; i=$((i + 1)); done
  i=0
  while [ $i -lt "$programs" ]; do args="$args -map $i:v -map $i:a"; i=$((i + 1)); done
  i=0
  while [ $i -lt "$programs" ]; do
    args="$args -program program_num=$((i + 1)):title=P$((i + 1)):st=$((2 * i)):st=$((2 * i + 1))"; i=$((i + 1))
  done
  # shellcheck disable=SC2086 # $args is a list of arguments
  ffmpeg -nostdin -hide_banner -loglevel error $args -c copy -f mpegts -muxrate "${muxrate}k" -y "$out.tmp.ts"
  mv "$out.tmp.ts" "$out"
  exit 0
fi
codec=h264
case "$kind" in
  sample)      size=640x360  vrate=1600 arate=96k  mux=2000k secs=10 ;;
  bench)       size=1280x720 vrate=7000 arate=128k mux=8000k secs=20 ;;
  bench-1mbit) size=1280x720 vrate=800  arate=64k  mux=1000k secs=20 codec=hevc ;;
  *) echo "make_sample.sh: unknown kind $kind (sample, bench or bench-1mbit)" >&2; exit 2 ;;
esac
if [ "$codec" = hevc ] && ! ffmpeg -hide_banner -encoders 2>/dev/null | grep -q libx265; then codec=h264; fi
# The same constraints for both encoders: constant bitrate with a buffer of half a second, a keyframe
# every 50 frames and no others.
if [ "$codec" = hevc ]; then
  video="-c:v libx265 -preset veryfast -x265-params log-level=error:keyint=50:min-keyint=50:scenecut=0:bitrate=$vrate:vbv-maxrate=$vrate:vbv-bufsize=$((vrate / 2))"
else
  video="-c:v libx264 -preset veryfast -b:v ${vrate}k -maxrate ${vrate}k -bufsize $((vrate / 2))k -g 50 -keyint_min 50 -sc_threshold 0"
fi
# shellcheck disable=SC2086 # $video is a list of arguments
ffmpeg -nostdin -hide_banner -loglevel error -f lavfi -i testsrc2=size=$size:rate=25 \
  -f lavfi -i sine=frequency=440:sample_rate=48000 -t $secs \
  $video -c:a aac -b:a $arate -f mpegts -muxrate $mux \
  -metadata service_name=TestChannel -metadata service_provider=restreamer -y "$out.tmp.ts"
mv "$out.tmp.ts" "$out"
