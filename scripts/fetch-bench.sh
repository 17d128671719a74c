#!/usr/bin/env bash
# Pull time of a multi-layer image from a loopback registry: zbench fetch
# (cold cache) against skopeo copy to an OCI directory, same image, same run,
# alternating, as a ratio of medians (zbench / skopeo: below 1 means zbench
# is faster).
#
# The image is built from the gzip layers of ../shared/corpus (14 layers,
# about 107 MB), pushed with skopeo to Debian's docker-registry on loopback
# (started here unless ZBENCH_REGISTRY names one).
#
# Usage: scripts/fetch-bench.sh [ROUNDS]   (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
corpus=${ZBENCH_SHARED_CORPUS:-../shared/corpus}
[ -d "$corpus/layers" ] || { echo "fetch-bench.sh: $corpus/layers not found" >&2; exit 1; }
for c in skopeo docker-registry sha256sum zcat awk; do
  command -v "$c" >/dev/null || { echo "fetch-bench.sh: $c not found (scripts/test.sh installs skopeo and docker-registry)" >&2; exit 1; }
done

source scripts/registry.sh
work=$(mktemp -d "${TMPDIR:-/tmp}/zbench-fetch-bench.XXXXXX")
trap 'stop_registry; rm -rf "$work"' EXIT
start_registry

go build -o "$work/zbench" ./cmd/zbench

# An OCI layout holding one image with every gzip layer of the corpus.
oci=$work/src
mkdir -p "$oci/blobs/sha256"
layers="" diffids="" total=0 n=0
for f in "$corpus"/layers/*.tar.gz; do
  d=$(sha256sum "$f" | cut -d' ' -f1)
  size=$(stat -c %s "$f")
  cp "$f" "$oci/blobs/sha256/$d"
  diff=$(zcat "$f" | sha256sum | cut -d' ' -f1)
  layers+="${layers:+,}{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$d\",\"size\":$size}"
  diffids+="${diffids:+,}\"sha256:$diff\""
  total=$((total + size)); n=$((n + 1))
done
put() { # put FILE: store a JSON blob, print its descriptor fields
  local d size
  d=$(sha256sum "$1" | cut -d' ' -f1); size=$(stat -c %s "$1")
  mv "$1" "$oci/blobs/sha256/$d"
  echo "\"digest\":\"sha256:$d\",\"size\":$size"
}
printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[%s]},"config":{}}' "$diffids" >"$work/config.json"
cfg=$(put "$work/config.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json",%s},"layers":[%s]}' "$cfg" "$layers" >"$work/manifest.json"
man=$(put "$work/manifest.json")
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json",%s,"annotations":{"org.opencontainers.image.ref.name":"bench"}}]}' "$man" >"$oci/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' >"$oci/oci-layout"

ref=$ZBENCH_REGISTRY/zbench-bench/corpus:latest
skopeo copy -q --preserve-digests --dest-tls-verify=false "oci:$oci:bench" "docker://$ref"
echo "fetch-bench.sh: $ref: $n layers, $total bytes; $rounds rounds, cold cache each time"

now() { date +%s.%N; }
zb=() sk=()
for i in $(seq 1 "$rounds"); do
  rm -rf "$work/cache" "$work/copy"
  t0=$(now)
  "$work/zbench" fetch -insecure -progress none -cache "$work/cache" "$ref" >/dev/null
  t1=$(now)
  skopeo copy -q --src-tls-verify=false "docker://$ref" "oci:$work/copy:bench"
  t2=$(now)
  zb+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')") sk+=("$(awk -v a="$t1" -v b="$t2" 'BEGIN{print b-a}')")
  printf 'round %d: zbench %.3fs  skopeo %.3fs\n' "$i" "${zb[-1]}" "${sk[-1]}"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
mz=$(median "${zb[@]}") ms=$(median "${sk[@]}")
awk -v z="$mz" -v s="$ms" -v t="$total" 'BEGIN {
  printf "median: zbench %.3fs (%.0f MB/s), skopeo %.3fs (%.0f MB/s); ratio zbench/skopeo = %.2f\n", z, t/z/1e6, s, t/s/1e6, z/s }'
