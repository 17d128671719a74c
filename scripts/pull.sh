#!/usr/bin/env bash
# pull.sh: a pull measured through real clients, against zbench's model.
#
# Makes an image of the given gzip layer blobs (an OCI layout written here,
# pushed with skopeo into Debian's docker-registry on loopback), then pulls
# it through a bandwidth-limiting proxy (scripts/throttle) at each rate with
# each client on PATH:
#
#   skopeo   skopeo copy --dest-decompress docker://... dir:...   (containers/image: pgzip)
#   podman   podman pull with the vfs driver in a scratch root    (containers/image, then untar)
#   ctr      ctr image pull --snapshotter native to a scratch      (containerd: download, then
#            containerd on a scratch root                           unpack through its decoder)
#
# Each pull starts from an empty destination, REPS times; the median wall
# time is set against zbench's model of the same tool, layers and rate
# ("pipeline"): the tool's fixed cost, the median pull of an image of one
# small layer, plus its pull composed step by step (evidence/pullers.go)
# from download at the rate, the client's gzip decoder (zbench run -ops
# decode-original on the layers) and the client work beside it (zbench
# clientwork: sha256, write, fsync, untar, copy), as zbench evidence
# -bandwidth RATE gives it in client_pipelines. The older model, download
# and decode alone (overlapped and sequential), is kept beside it. The table
# goes to stdout (and OUT/pull.txt with OUT set), and as JSON to
# OUT/pulls.json and OUT/run/pulls.json, where zbench report OUT/run and
# zbench evidence OUT/run find it (results.Pulls: {"layers": [file names],
# "gzip_bytes", "count", "pulls": [{"client", "profile", "rate", "decoder",
# "reps", "times_s", "median_s", "overlapped_s", "sequential_s", "model":
# "pipeline", "model_s", "fixed_s", "work_s", "phases", "stages"}]}; miss %
# is median_s / model_s - 1).
#
# Usage: scripts/pull.sh [LAYER-BLOB...]   (in image order, base first;
#        default: debian-bookworm-minbase and the Debian python3 layer from
#        ../shared/corpus)
# Environment: RATES (default "none 100Mbit 1Gbit"; none pulls straight from
# the registry), FORMATS (default "gzip zstd": the image as published, and
# recompressed to zstd by skopeo at level 3, klauspost's default, which
# zbench models with zstd-klauspost default), REPS (3), CLIENTS (those of
# "skopeo podman ctr" on PATH), COUNT (zbench's -count, 5), PULL_FS (loop
# or none, below), OUT (a directory to keep the runs, the evidence and the
# table in).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/registry.sh

rates=${RATES:-none 100Mbit 1Gbit}
formats=${FORMATS:-gzip zstd}
for f in $formats; do
  case $f in gzip | zstd) ;; *) echo "pull.sh: FORMATS: $f: want gzip or zstd" >&2; exit 2 ;; esac
done
reps=${REPS:-3}
count=${COUNT:-5}
if [ $# -eq 0 ]; then
  set -- ../shared/corpus/layers/debian-bookworm-minbase.tar.gz ../shared/corpus/layers/debian-bookworm-python3-layer.tar.gz
fi
for tool in skopeo docker-registry jq sha256sum; do
  command -v "$tool" >/dev/null || { echo "pull.sh: $tool is not on PATH (apt-get install skopeo docker-registry jq)" >&2; exit 2; }
done
if [ -z "${CLIENTS:-}" ]; then
  CLIENTS=skopeo
  command -v podman >/dev/null && CLIENTS="$CLIENTS podman"
  if command -v ctr >/dev/null && command -v containerd >/dev/null; then
    # the ctr puller (evidence/pullers.go) is read from containerd 1.6's source
    case "$(containerd --version 2>/dev/null | awk '{print $3}')" in
      v1.6.* | 1.6.* | v1.7.* | 1.7.*) CLIENTS="$CLIENTS ctr" ;;
      *) echo "pull.sh: containerd $(containerd --version 2>/dev/null | awk '{print $3}') is not 1.6 or 1.7, whose ctr pull zbench models: ctr skipped" >&2 ;;
    esac
  fi
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/zbench-pull.XXXXXX")
ctrd_pid=""
mounted=""
cleanup() {
  if [ -n "${proxy_pid:-}" ]; then kill "$proxy_pid" 2>/dev/null || true; wait "$proxy_pid" 2>/dev/null || true; fi
  if [ -n "$ctrd_pid" ]; then kill "$ctrd_pid" 2>/dev/null || true; wait "$ctrd_pid" 2>/dev/null || true; fi
  stop_registry
  if [ -n "$mounted" ]; then umount "$mounted" 2>/dev/null || umount -l "$mounted" 2>/dev/null || true; fi
  # podman's vfs layers may hold read-only directories
  chmod -R u+w "$work" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Where the clients write, and zbench clientwork with them: a scratch
# journaled ext4 (a sparse file on a loop device) when root can make one
# (PULL_FS=loop, the default), else the directory as it is (PULL_FS=none).
# A file system of the machine may behave unlike a node's: ext4 without a
# journal, for one, scans past every inode deleted in the last minutes
# (recently_deleted in fs/ext4/ialloc.c), which made unpacking a layer ten
# times slower here right after the last pull was removed.
fs=$work
case ${PULL_FS:-loop} in
  loop)
    if [ "$(id -u)" = 0 ] && command -v mkfs.ext4 >/dev/null && [ -e /dev/loop-control ]; then
      truncate -s "${PULL_FS_SIZE:-16G}" "$work/fs.img"
      mkfs.ext4 -q -F "$work/fs.img"
      mkdir "$work/fs"
      mount -o loop "$work/fs.img" "$work/fs"
      mounted=$work/fs
      fs=$work/fs
      echo "pull.sh: clients write to a scratch journaled ext4 (PULL_FS=none for $work's own)" >&2
    else
      echo "pull.sh: not root, or no mkfs.ext4 or loop device: clients write to $work's file system" >&2
    fi ;;
  none) ;;
  *) echo "pull.sh: PULL_FS=$PULL_FS: want loop or none" >&2; exit 2 ;;
esac
go build -buildvcs=auto -o "$work/zbench" ./cmd/zbench
go build -o "$work/throttle" ./scripts/throttle

# An image: an OCI layout (in $1) of the blobs as they are (gzip, as
# published); sets total to their bytes.
make_layout() {
  local layout=$1 blob d diff size layers='[]' diffids='[]'
  shift
  mkdir -p "$layout/blobs/sha256"
  total=0
  for blob in "$@"; do
    [ -f "$blob" ] || { echo "pull.sh: no layer blob at $blob" >&2; exit 2; }
    case "$(head -c 2 "$blob" | od -An -tx1 | tr -d ' \n')" in
      1f8b) ;;
      *) echo "pull.sh: $blob is not gzip: the pull compares gzip as published" >&2; exit 2 ;;
    esac
    d=$(sha256sum "$blob" | cut -d' ' -f1)
    diff=$(gzip -dc "$blob" | sha256sum | cut -d' ' -f1)
    size=$(stat -c %s "$blob")
    total=$((total + size))
    cp "$blob" "$layout/blobs/sha256/$d"
    layers=$(jq -c --arg d "sha256:$d" --argjson s "$size" \
      '. + [{mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $d, size: $s}]' <<<"$layers")
    diffids=$(jq -c --arg d "sha256:$diff" '. + [$d]' <<<"$diffids")
  done
  put() { # file → digest, size (the blob is moved into the layout)
    local d s
    d=$(sha256sum "$1" | cut -d' ' -f1)
    s=$(stat -c %s "$1")
    mv "$1" "$layout/blobs/sha256/$d"
    echo "sha256:$d $s"
  }
  jq -cn --argjson ids "$diffids" \
    '{architecture: "amd64", os: "linux", config: {}, rootfs: {type: "layers", diff_ids: $ids}}' >"$work/config.json"
  read -r cd cs < <(put "$work/config.json")
  jq -cn --arg cd "$cd" --argjson cs "$cs" --argjson layers "$layers" \
    '{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $cd, size: $cs}, layers: $layers}' >"$work/manifest.json"
  read -r md ms < <(put "$work/manifest.json")
  jq -cn --arg md "$md" --argjson ms "$ms" \
    '{schemaVersion: 2, manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $md, size: $ms,
      annotations: {"org.opencontainers.image.ref.name": "pull"}}]}' >"$layout/index.json"
  echo '{"imageLayoutVersion": "1.0.0"}' >"$layout/oci-layout"
}
# The tool's fixed cost is measured with an image of one small layer: one
# 4 KiB file.
mkdir -p "$work/small/etc"
head -c 4096 /dev/urandom >"$work/small/etc/small"
tar -C "$work/small" -c etc | gzip -n >"$work/small.tar.gz"
make_layout "$work/small-layout" "$work/small.tar.gz"
make_layout "$work/layout" "$@"
layout=$work/layout

start_registry >&2
trap cleanup EXIT # start_registry set its own
repo=zbench/pull-$$:latest
small=zbench/pull-small-$$:latest
skopeo copy -q --dest-tls-verify=false "oci:$work/small-layout:pull" "docker://$ZBENCH_REGISTRY/$small" >&2
skopeo copy -q --dest-tls-verify=false "oci:$layout:pull" "docker://$ZBENCH_REGISTRY/$repo" >&2
echo "pull.sh: pushed $# layer(s), $total bytes of gzip, as $ZBENCH_REGISTRY/$repo" >&2
# The same image recompressed to zstd as containers/image writes it
# (klauspost's encoder, level 3: zbench's zstd-klauspost default).
zrepo=zbench/pull-zstd-$$:latest
zbytes=0
case " $formats " in *" zstd "*)
  # into a layout first: a registry destination would reuse the gzip blobs
  # it already holds rather than recompress them; and pushed with the
  # digests kept, or it may substitute those gzip blobs (same tar) again
  skopeo copy -q --dest-compress-format zstd --dest-compress-level 3 "oci:$layout:pull" "oci:$work/zstd-layout:pull" >&2
  skopeo copy -q --preserve-digests --dest-tls-verify=false "oci:$work/zstd-layout:pull" "docker://$ZBENCH_REGISTRY/$zrepo" >&2
  zmanifest=$(skopeo inspect -n --raw --tls-verify=false "docker://$ZBENCH_REGISTRY/$zrepo")
  if [ "$(jq -r '[.layers[].mediaType | test("zstd")] | all' <<<"$zmanifest")" != true ]; then
    echo "pull.sh: skopeo did not recompress the layers to zstd:" >&2
    jq -c '[.layers[].mediaType]' <<<"$zmanifest" >&2
    exit 3
  fi
  zbytes=$(jq '[.layers[].size] | add' <<<"$zmanifest")
  echo "pull.sh: pushed it recompressed to zstd, $zbytes bytes, as $ZBENCH_REGISTRY/$zrepo" >&2 ;;
esac

# The model: every gzip decoder the clients' profiles name, on these layers.
decoders=gzip-std,gzip-klauspost,gzip-pgzip
command -v unpigz >/dev/null && decoders=$decoders,unpigz-pipe
command -v igzip >/dev/null && decoders=$decoders,igzip-pipe
"$work/zbench" run -progress none -o "$work/run" -codecs "$decoders" -ops decode-original -count "$count" "$@" >&2
runs=("$work/run")
case " $formats " in *" zstd "*)
  # and the zstd image's model: zbench's encoder of it and the clients' decoder
  "$work/zbench" run -progress none -o "$work/run-zstd" -codecs zstd-klauspost -levels zstd-klauspost=default \
    -ops encode,decode -count "$count" "$@" >&2
  runs+=("$work/run-zstd") ;;
esac
# The client work beside the decode, on the file system the clients write to.
"$work/zbench" clientwork -count "$count" -dir "$fs" -o "$work/run/clientwork.json" "$@" >&2

profile_of() { # client → zbench's client profile
  case $1 in
    skopeo | podman) echo containers-image ;;
    ctr) case "$(containerd --version 2>/dev/null | awk '{print $3}')" in
        v1.* | 1.*) echo containerd-1.7 ;;
        *) echo containerd ;;
      esac ;;
  esac
}
setting_of() { # format → what zbench calls the image's layers
  case $1 in
    gzip) echo "gzip as published" ;;
    zstd) echo "zstd-klauspost default" ;;
  esac
}
evidence_at() { # rate → zbench evidence of the runs at that rate (JSON), computed once a rate
  local f=$work/evidence-$1.json
  [ -s "$f" ] || "$work/zbench" evidence -bandwidth "$1" -o "$f" "${runs[@]}" >&2
  echo "$f"
}
model() { # profile rate setting → "decoder overlapped sequential": download and decode alone
  jq -r --arg p "$1" --arg s "$3" '.clients[] | select(.profile.name == $p) | .pull_time.corpus[] | select(.setting == $s)
    | "\(.decoder) \(.overlapped_s) \(.sequential_s)"' "$(evidence_at "$2")"
}
pipeline() { # client rate setting → the puller's row of client_pipelines (JSON)
  jq -c --arg p "$1" --arg s "$3" '.client_pipelines.rows[] | select(.puller == $p and .setting == $s)' "$(evidence_at "$2")"
}

# Each client pulls image $2 from registry address $1; with $3 = prepare it
# empties its destination instead (not timed).
pull_skopeo() {
  if [ "${3:-}" = prepare ]; then rm -rf "$fs/dest" && mkdir -p "$fs/dest"; return; fi
  skopeo copy -q --src-tls-verify=false --dest-decompress "docker://$1/$2" "dir:$fs/dest" >/dev/null
}
pull_podman() {
  if [ "${3:-}" = prepare ]; then
    chmod -R u+w "$fs/podman" 2>/dev/null || true
    rm -rf "$fs/podman" && mkdir -p "$fs/podman/tmp"
    return
  fi
  # TMPDIR: where containers/image keeps the blobs it pulls
  TMPDIR=$fs/podman/tmp podman --root "$fs/podman/root" --runroot "$fs/podman/run" --storage-driver vfs \
    pull -q --tls-verify=false "$1/$2" >/dev/null
}
ctr_clean() {
  # containerd keeps what it pulled, and ctr's pull holds a lease (24 h)
  # on its content and snapshots: remove the images and the leases, let
  # the collector run, and check that no snapshot is left.
  local c=(ctr -a "$work/ctrd/sock" -n zbench) id
  for id in $("${c[@]}" images ls -q); do "${c[@]}" images rm "$id" >/dev/null; done
  for id in $("${c[@]}" leases ls -q); do "${c[@]}" leases rm --sync "$id" >/dev/null; done
  "${c[@]}" content prune references >/dev/null 2>&1 || true
  if [ -n "$("${c[@]}" snapshots --snapshotter native ls 2>/dev/null | tail -n +2)" ]; then
    echo "pull.sh: containerd kept snapshots after cleanup; a pull would skip the unpack" >&2
    "${c[@]}" snapshots --snapshotter native ls >&2
    exit 3
  fi
}
pull_ctr() {
  if [ "${3:-}" = prepare ]; then ctr_clean; return; fi
  ctr -a "$work/ctrd/sock" -n zbench images pull --plain-http --snapshotter native "$1/$2" >/dev/null
}
start_containerd() {
  mkdir -p "$work/ctrd"
  cat >"$work/ctrd/config.toml" <<CONF
version = 2
root = "$fs/ctrd"
state = "$work/ctrd/state"
[grpc]
  address = "$work/ctrd/sock"
CONF
  containerd --config "$work/ctrd/config.toml" >"$work/ctrd/log" 2>&1 &
  ctrd_pid=$!
  for _ in $(seq 1 100); do
    ctr -a "$work/ctrd/sock" version >/dev/null 2>&1 && return 0
    kill -0 "$ctrd_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "pull.sh: containerd did not start:" >&2
  cat "$work/ctrd/log" >&2
  return 1
}

median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
# cpu_ticks PID: the CPU time, in clock ticks, of the waited-for children
# of shell PID, and of containerd's daemon (and its children) when it
# runs: what a pull costs in CPU, the client's processes all counted.
cpu_ticks() {
  local t
  t=$(awk '{print $16 + $17}' "/proc/$1/stat")
  if [ -n "$ctrd_pid" ]; then t=$((t + $(awk '{print $14 + $15 + $16 + $17}' "/proc/$ctrd_pid/stat"))); fi
  echo "$t"
}
hz=$(getconf CLK_TCK)
timed() ( # REPS pulls of image $2 through address $1 with client $3 → "wall cpu" seconds, a line each
  set -e
  local t0 t1 c0 c1 me=$BASHPID
  for _ in $(seq 1 "$reps"); do
    # each pull starts with the last one's files removed and written out
    # (zbench clientwork syncs before each timing too)
    "pull_$3" "$1" "$2" prepare
    sync
    c0=$(cpu_ticks "$me")
    t0=$(date +%s.%N)
    "pull_$3" "$1" "$2"
    t1=$(date +%s.%N)
    c1=$(cpu_ticks "$me")
    awk -v a="$t0" -v b="$t1" -v c="$((c1 - c0))" -v hz="$hz" 'BEGIN { printf "%.3f %.2f\n", b - a, c / hz }'
  done
)

table=$work/pull.txt
rows='[]'
printf '%-8s %-6s %-16s %-8s %-14s %10s %10s %10s %10s %10s %10s %8s %9s\n' client format profile rate decoder measured fixed work model measured/model 'dl+decode' cpu 'model cpu' >"$table"
for client in $CLIENTS; do
  command -v "$client" >/dev/null || { echo "pull.sh: $client is not on PATH: skipped" >&2; continue; }
  if [ "$client" = ctr ] && [ -z "$ctrd_pid" ]; then start_containerd; fi
  prof=$(profile_of "$client")
  # The tool's fixed cost: its start, the registry's handshake, manifest and
  # config, and a layer of one small file, straight from the registry.
  fixed=$(timed "$ZBENCH_REGISTRY" "$small" "$client" | cut -d' ' -f1 | median)
  echo "pull.sh: $client: fixed cost (an image of one small layer) ${fixed} s" >&2
  for format in $formats; do
  image=$repo
  [ "$format" = zstd ] && image=$zrepo
  setting=$(setting_of "$format")
  for rate in $rates; do
    addr=$ZBENCH_REGISTRY
    model_rate=$rate
    if [ "$rate" = none ]; then
      model_rate=1000Tbit # download takes no time
    else
      "$work/throttle" -target "$ZBENCH_REGISTRY" -rate "$rate" >"$work/proxy.out" &
      proxy_pid=$!
      for _ in $(seq 1 100); do grep -q '^listening on' "$work/proxy.out" 2>/dev/null && break; sleep 0.05; done
      addr=$(sed -n 's/^listening on //p' "$work/proxy.out")
      [ -n "$addr" ] || { echo "pull.sh: the proxy did not start" >&2; exit 1; }
    fi
    mapfile -t pulls < <(timed "$addr" "$image" "$client")
    [ "${#pulls[@]}" -eq "$reps" ] || { echo "pull.sh: $client, $format at $rate: a pull failed" >&2; exit 3; }
    times=() cpus=()
    for p in "${pulls[@]}"; do times+=("${p% *}"); cpus+=("${p#* }"); done
    cpu=$(printf '%s\n' "${cpus[@]}" | median)
    if [ -n "${proxy_pid:-}" ]; then
      kill "$proxy_pid" && wait "$proxy_pid" 2>/dev/null || true
      proxy_pid=""
    fi
    measured=$(printf '%s\n' "${times[@]}" | median)
    read -r dec ovl seq < <(model "$prof" "$model_rate" "$setting")
    pl=$(pipeline "$client" "$model_rate" "$setting")
    if [ -z "$pl" ] || [ "$(jq -r '.missing // ""' <<<"$pl")" != "" ]; then
      echo "pull.sh: no pipeline model of $client, $setting: ${pl:-none in zbench evidence}" >&2
      exit 3
    fi
    work_s=$(jq -r .work_s <<<"$pl")
    m=$(awk -v a="$fixed" -v b="$work_s" 'BEGIN { printf "%.6f", a + b }')
    ratio=$(awk -v a="$measured" -v b="$m" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
    dlm=$ovl
    [ "$client" != skopeo ] && dlm=$seq
    mcpu=$(jq -r .cpu_s <<<"$pl")
    printf '%-8s %-6s %-16s %-8s %-14s %9.3fs %9.3fs %9.3fs %9.3fs %10s %9.3fs %7.2fs %8.2fs\n' "$client" "$format" "$prof" "$rate" "$dec" "$measured" "$fixed" "$work_s" "$m" "$ratio" "$dlm" "$cpu" "$mcpu" >>"$table"
    rows=$(jq -c --arg client "$client" --arg format "$format" --arg prof "$prof" --arg rate "$rate" --arg dec "$dec" --argjson reps "$reps" \
      --argjson times "$(printf '%s\n' "${times[@]}" | jq -sc .)" --argjson median "$measured" \
      --argjson ovl "$ovl" --argjson seq "$seq" --argjson m "$m" --argjson fixed "$fixed" --argjson pl "$pl" \
      --argjson cpus "$(printf '%s\n' "${cpus[@]}" | jq -sc .)" --argjson cpu "$cpu" \
      '. + [{client: $client, format: $format, profile: $prof, rate: $rate, decoder: $dec, reps: $reps, times_s: $times, median_s: $median,
        cpus_s: $cpus, cpu_s: $cpu, overlapped_s: $ovl, sequential_s: $seq, model: "pipeline", model_s: $m, fixed_s: $fixed,
        work_s: $pl.work_s, model_cpu_s: $pl.cpu_s, phases: $pl.phases, stages: $pl.stages}]' <<<"$rows")
    echo "pull.sh: $client, $format at $rate: ${times[*]} s" >&2
  done
  done
done
names=()
for blob in "$@"; do names+=("$(basename "$blob")"); done
jq -n --argjson rows "$rows" --argjson bytes "$total" --argjson zbytes "$zbytes" --argjson count "$count" \
  --argjson layers "$(printf '%s\n' "${names[@]}" | jq -Rsc 'split("\n") | map(select(. != ""))')" \
  '{layers: $layers, gzip_bytes: $bytes, count: $count, pulls: $rows} + (if $zbytes > 0 then {zstd_bytes: $zbytes} else {} end)' >"$work/run/pulls.json"
echo
echo "Pull of $# layer(s), $total bytes of gzip (zstd: $zbytes), median of $reps; model: fixed (one small layer) + work (zbench evidence client_pipelines); dl+decode: the older model"
cat "$table"
if [ -n "${OUT:-}" ]; then
  mkdir -p "$OUT"
  cp -r "$work/run" "$OUT/run"
  [ -d "$work/run-zstd" ] && cp -r "$work/run-zstd" "$OUT/run-zstd"
  cp "$table" "$OUT/pull.txt"
  cp "$work/run/pulls.json" "$OUT/pulls.json"
  echo "pull.sh: wrote $OUT/pulls.json; zbench report -o pulls.html $OUT/run shows it as \"Measured pulls\"" >&2
fi
