#!/usr/bin/env bash
# fidelity.sh: does zbench measure libzstd as libzstd's own benchmark does,
# and what does streaming cost against the whole-buffer API?
#
# On each layer (default: zbench's builtin layer, the Debian python3 layer
# and the alpine 3.20.3 minirootfs from ../shared/corpus/layers), at each
# level (default 1, 3 and 19), in one run per layer and level, one right
# after the other so that a machine whose speed drifts moves both alike:
#
#   - zbench's zstd-cgo through its streaming API (DataDog's Writer fed
#     32 KiB writes, its Reader) and its whole-buffer API (api=buffer:
#     CompressLevel and Decompress on a reused Ctx), encode and decode;
#   - zstd -b at the same level, --single-thread (libzstd's single-threaded
#     API, as zstd-cgo calls it), on the same tar.
#
# It prints a table: zbench's median MB/s for each API, zstd -b's figure,
# buffer over zstd -b (the harness's fidelity: the same API, so near 1.00)
# and stream over buffer (what streaming costs a client).
#
# Where the zstd program links another libzstd than the one DataDog/zstd
# bundles, zbench is built with -tags external_libzstd against the system's
# libzstd (Debian: apt-get install libzstd-dev pkg-config), so that both
# sides run the same library; the versions are printed.
#
# Usage: scripts/fidelity.sh [SOURCE...]   (layer blobs, or builtin)
# Environment: LEVELS ("1 3 19"), COUNT (6: samples per cell), SLOW_COUNT
# (3: samples per cell at levels 16 and above, a pass each), MIN_TIME (2s:
# least timed time per cell), BENCH_SECS (3: zstd -b's -i, seconds per
# level and direction), ROUNDS (3).
#
# Duration on 2 cores with the defaults: about 8 minutes, half of it level
# 19 on the Debian tar (76 MB at 2-3 MB/s: about 30 s a pass, 3 passes per
# API, then zstd -b); the builtin tar takes 10 s a pass at 19, alpine's 3 s.
# LEVELS="1 3" takes about 2 minutes.
#
# Exit status: 0 done, 2 usage or input error (no such layer, no zstd
# program, no system libzstd to build against), 3 could not run (a build,
# zbench run or zstd -b failed, or the two sides do not run the same
# libzstd; zbench's own status when it is 1, 2 or 130), 130 interrupted.
set -Eeuo pipefail
trap 'rc=$?; trap - ERR; echo "fidelity.sh: step failed (exit $rc): $BASH_COMMAND" >&2; exit 3' ERR
trap 'echo "fidelity.sh: interrupted" >&2; exit 130' INT TERM
cd "$(dirname "$0")/.."

levels=${LEVELS:-1 3 19}
count=${COUNT:-6}
slow_count=${SLOW_COUNT:-3}
min_time=${MIN_TIME:-2s}
bench_secs=${BENCH_SECS:-3}
rounds=${ROUNDS:-3}
L=../shared/corpus/layers
if [ $# -eq 0 ]; then
  set -- builtin "$L/debian-bookworm-python3-layer.tar.gz" "$L/alpine-3.20.3-x86_64-minirootfs.tar.gz"
fi
command -v zstd >/dev/null || { echo "fidelity.sh: the zstd program is not on PATH (apt-get install zstd)" >&2; exit 2; }
for src in "$@"; do
  if [ "$src" != builtin ] && [ ! -f "$src" ]; then
    echo "fidelity.sh: no layer blob at $src; pass layer blobs or builtin as arguments" >&2
    exit 2
  fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The libzstd both sides run.
cli_version=$(zstd -V | sed -n 's/.*v\([0-9][0-9.]*\).*/\1/p')
go build -buildvcs=auto -o "$work/zbench" ./cmd/zbench
lib_version() { "$work/zbench" codecs | sed -n 's/^bundled libzstd \([^ ]*\).*/\1/p'; }
lib=$(lib_version)
how="bundled with github.com/DataDog/zstd"
if [ "$lib" != "$cli_version" ]; then
  echo "fidelity.sh: zstd links libzstd $cli_version, DataDog/zstd bundles $lib: building zbench with -tags external_libzstd" >&2
  if ! pkg-config --exists libzstd 2>/dev/null; then
    echo "fidelity.sh: the system's libzstd is not there for cgo (apt-get install libzstd-dev pkg-config)" >&2
    exit 2
  fi
  go build -buildvcs=auto -tags external_libzstd -o "$work/zbench" ./cmd/zbench
  lib=$(lib_version)
  how="the system's, -tags external_libzstd"
  if [ "$lib" != "$cli_version" ]; then
    echo "fidelity.sh: zbench built against the system's libzstd reports $lib, zstd $cli_version: not the same library" >&2
    exit 3
  fi
fi

# MB/s median of a cell of results.txt: $1 = file, $2 = name pattern.
median() {
  grep -E "^Benchmark$2" "$1" |
    awk '{for (i=3;i<NF;i++) if ($(i+1)=="MB/s") print $i}' | sort -g |
    awk '{a[NR]=$1} END {if (NR==0) print 0; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'
}
div() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "-" }'; }

rows="$work/rows"
: >"$rows"
: >"$work/notes"
n=0
for src in "$@"; do
  n=$((n + 1))
  tar="$work/layer$n.tar"
  go run ./internal/layertar "$src" "$tar"
  name=$(basename "$src")
  name=${name%%.tar*}
  size=$(stat -c %s "$tar")
  for l in $levels; do
    echo "fidelity.sh: $name ($size bytes of tar), level $l" >&2
    run="$work/run-$n-$l"
    c=$count
    [ "$l" -ge 16 ] && c=$slow_count
    rc=0
    "$work/zbench" run -progress none -o "$run" -codecs zstd-cgo,zstd-cgo:buffer \
      -levels "zstd-cgo=$l zstd-cgo:buffer=$l" -ops encode,decode \
      -count "$c" -rounds "$(( rounds < c ? rounds : c ))" -min-time "$min_time" -- "$tar" >/dev/null || rc=$?
    case $rc in
      0) ;;
      1 | 2 | 130) echo "fidelity.sh: zbench run exit $rc" >&2; exit "$rc" ;;
      *) echo "fidelity.sh: zbench run could not run (exit $rc)" >&2; exit 3 ;;
    esac
    # zstd -b prints: " 3#layer1.tar :  75970560 ->  16459837 (x4.616),  350.0 MB/s, 1595.2 MB/s"
    # (the last state is drawn over the progress with \r: take the last line
    # that carries both speeds)
    ultra=""
    [ "$l" -gt 19 ] && ultra=--ultra
    line=$(zstd -b"$l" $ultra --single-thread -i"$bench_secs" "$tar" 2>&1 | tr '\r' '\n' |
      grep -E 'MB/s, +[0-9.]+ MB/s' | tail -1)
    zenc=$(echo "$line" | awk -F, '{print $(NF-1)}' | awk '{print $1}')
    zsize=$(echo "$line" | sed -n 's/.*-> *\([0-9]*\) .*/\1/p')
    zdec=$(echo "$line" | awk -F, '{print $NF}' | awk '{print $1}')
    res="$run/results.txt"
    senc=$(median "$res" "Encode/.*/codec=zstd-cgo/level=$l/")
    benc=$(median "$res" "Encode/.*/codec=zstd-cgo/api=buffer/level=$l/")
    sdec=$(median "$res" "Decode/.*/codec=zstd-cgo/from=zstd-cgo/level=$l/")
    bdec=$(median "$res" "Decode/.*/codec=zstd-cgo/api=buffer/from=zstd-cgo/level=$l/")
    # The same API and library at the same level write the same bytes.
    bsize=$(grep -m1 -E "^BenchmarkEncode/.*/codec=zstd-cgo/api=buffer/level=$l/" "$res" |
      awk '{for (i=3;i<NF;i++) if ($(i+1)=="compressed-B") printf "%d\n", $i}')
    if [ "${bsize:-x}" != "${zsize:-y}" ]; then
      echo "note: $name level $l: zstd-cgo's buffer API wrote ${bsize:-?} bytes, zstd -b ${zsize:-?}" >>"$work/notes"
    fi
    echo "$name $l encode ${senc:-0} ${benc:-0} ${zenc:-0}" >>"$rows"
    echo "$name $l decode ${sdec:-0} ${bdec:-0} ${zdec:-0}" >>"$rows"
  done
done

echo
echo "libzstd $lib ($how); zstd program $cli_version"
echo "zbench: median MB/s of $count samples or more ($slow_count at levels 16 and above; -rounds $rounds, -min-time $min_time); zstd -b: -i$bench_secs --single-thread"
echo
printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' layer level op "stream MB/s" "buffer MB/s" "zstd -b MB/s" "buffer / zstd -b" "stream / buffer"
echo '| --- | --- | --- | --- | --- | --- | --- | --- |'
while read -r name l op s b z; do
  printf '| %s | %s | %s | %.1f | %.1f | %s | %s | %s |\n' "$name" "$l" "$op" "$s" "$b" "$z" "$(div "$b" "$z")" "$(div "$s" "$b")"
done <"$rows"
cat "$work/notes"
