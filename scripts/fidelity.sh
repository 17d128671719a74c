#!/usr/bin/env bash
# fidelity.sh: does zbench measure libzstd as libzstd's own benchmark does?
#
# Runs zbench's zstd-cgo encode and decode at levels 1, 3 and 19 and the zstd
# program's own benchmark (zstd -b) on the same tar, in the same run, and
# prints each zbench median over the zstd -b figure. A ratio near 1.00 means
# the harness adds little of its own; the machine's zstd program may link an
# older libzstd than the one bundled with DataDog/zstd (both are printed).
#
# Usage: scripts/fidelity.sh [LAYER-BLOB]   (default: the Debian python3 layer
#        from ../shared/corpus, else zbench's builtin layer is not usable here)
#
# Exit status: 0 done, 2 usage or input error (no such blob, no zstd
# program), 3 could not run (a build, zbench run or zstd -b failed; zbench's
# own status when it is 1, 2 or 130), 130 interrupted.
set -Eeuo pipefail
trap 'rc=$?; trap - ERR; echo "fidelity.sh: step failed (exit $rc): $BASH_COMMAND" >&2; exit 3' ERR
trap 'echo "fidelity.sh: interrupted" >&2; exit 130' INT TERM
cd "$(dirname "$0")/.."

blob=${1:-../shared/corpus/layers/debian-bookworm-python3-layer.tar.gz}
levels=${LEVELS:-1 3 19}
count=${COUNT:-3}
if [ ! -f "$blob" ]; then
  echo "fidelity.sh: no layer blob at $blob; pass one as the first argument" >&2
  exit 2
fi
command -v zstd >/dev/null || { echo "fidelity.sh: the zstd program is not on PATH (apt-get install zstd)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -buildvcs=auto -o "$work/zbench" ./cmd/zbench

# The same tar for both: decode the blob once (format by magic bytes).
case "$(head -c 6 "$blob" | od -An -tx1 | tr -d ' \n')" in
  1f8b*) gzip -dc "$blob" >"$work/layer.tar" ;;
  28b52ffd*) zstd -qdc "$blob" >"$work/layer.tar" ;;
  fd377a585a00) xz -dc "$blob" >"$work/layer.tar" ;;
  *) cp "$blob" "$work/layer.tar" ;;
esac
size=$(stat -c %s "$work/layer.tar")

lv=$(echo "$levels" | tr ' ' ',')
echo "fidelity.sh: zbench zstd-cgo levels $lv, -count $count, on $(basename "$blob") ($size bytes of tar)" >&2
rc=0
"$work/zbench" run -progress plain -o "$work/run" -codecs zstd-cgo -levels "zstd-cgo=$lv" \
  -ops encode,decode -count "$count" -min-time 1s -- "$work/layer.tar" >&2 || rc=$?
case $rc in
  0) ;;
  1 | 2 | 130) echo "fidelity.sh: zbench run exit $rc" >&2; exit "$rc" ;;
  *) echo "fidelity.sh: zbench run could not run (exit $rc)" >&2; exit 3 ;;
esac

# Median MB/s per cell from results.txt (the Go benchmark format).
median() { # op level
  grep "^Benchmark$1/.*/codec=zstd-cgo/.*level=$2/" "$work/run/results.txt" |
    awk '{for (i=3;i<NF;i++) if ($(i+1)=="MB/s") print $i}' | sort -g |
    awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'
}

div() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.4f", a / b; else print 0 }'; }

echo
echo "libzstd bundled in zbench: $("$work/zbench" codecs | sed -n 's/^bundled libzstd \([^ ]*\).*/\1/p')"
echo "zstd program:              $(zstd --version)"
printf '\n%-6s %14s %14s %8s %14s %14s %8s\n' level "zbench enc" "zstd -b enc" ratio "zbench dec" "zstd -b dec" ratio
for l in $levels; do
  # zstd -b prints: " |-layer.tar :  75970560 ->  16459837 (x4.616),    3.1 MB/s,  1040.2 MB/s"
  # (the final line is drawn over the progress line with \r: take the last
  # state that carries both speeds)
  line=$(zstd -b"$l" -i3 "$work/layer.tar" 2>&1 | tr '\r' '\n' | grep -E 'MB/s, +[0-9.]+ MB/s' | tail -1)
  zenc=$(echo "$line" | awk -F, '{print $(NF-1)}' | awk '{print $1}')
  zdec=$(echo "$line" | awk -F, '{print $NF}' | awk '{print $1}')
  benc=$(median Encode "$l")
  bdec=$(median Decode "$l")
  printf '%-6s %10.1f MB/s %10.1f MB/s %8.2f %10.1f MB/s %10.1f MB/s %8.2f\n' "$l" "$benc" "$zenc" \
    "$(div "$benc" "$zenc")" "$bdec" "$zdec" "$(div "$bdec" "$zdec")"
done
