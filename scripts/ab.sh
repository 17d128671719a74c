#!/usr/bin/env bash
# A/B on one machine: did a new version of a dependency (or of Go) make a codec
# slower, or change its output?
#
#   scripts/ab.sh MODULE VERSION_A VERSION_B [-- RUN_ARGS...]
#   scripts/ab.sh go GO_A GO_B [-- RUN_ARGS...]
#
#   scripts/ab.sh github.com/klauspost/compress v1.18.0 v1.20.4 -- -codecs zstd-klauspost,gzip-klauspost builtin
#   scripts/ab.sh go go1.26.0 go1.26.8 -- ../shared/corpus/layers/alpine-3.20.3-x86_64-minirootfs.tar.gz
#
# It builds zbench from this tree twice: with `go get MODULE@VERSION` applied to
# a copy of the tree, or with GOTOOLCHAIN=GO_x (fetched through the module
# proxy; it must satisfy go.mod's go line). Then it runs the two binaries
# alternately on the same cells, AB_ROUNDS rounds of AB_COUNT samples each, in
# the order A B, B A, A B, … so that a machine drifting during the session
# weighs on both sides alike. Each side's rounds are pooled with
# `zbench merge -pool`, and `zbench compare` judges B against A.
#
# RUN_ARGS go to `zbench run`: flags (-codecs, -levels, -ops, -profile,
# -min-time, …) and SOURCEs (default: builtin). builtin is made from the Go
# installation, so for a Go A/B name a layer file instead.
#
# Environment:
#   AB_ROUNDS   rounds (default 10)
#   AB_COUNT    samples per cell per round (default 1, and at least run's -min-time;
#               each side gets ROUNDS×COUNT or more)
#   AB_OUT      output directory (default out/ab-<module>-<A>-<B>)
#   AB_COMPARE  extra flags for zbench compare, e.g. "-threshold 2% -allow-size-change"
#
# Output in AB_OUT: zbench-a, zbench-b (the two builds), a/round-N, b/round-N,
# a/merged, b/merged, compare.txt, compare.json. Exit status is compare's:
# 0 no regression, 1 B regressed against A, 2 usage or input error (the runs
# cannot be compared), 3 could not run (a build, a run or the merge failed),
# 130 interrupted. A round with failed cells (exit 1) is kept: compare shows
# them.
set -Eeuo pipefail
trap 'rc=$?; trap - ERR; printf "ab.sh: step failed (exit %s): %s\n" "$rc" "$BASH_COMMAND" >&2; exit 3' ERR
trap 'echo "ab.sh: interrupted" >&2; exit 130' INT TERM

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2; exit 2; }
[ $# -ge 3 ] || usage
module=$1 va=$2 vb=$3
shift 3
if [ $# -gt 0 ]; then
	[ "$1" = "--" ] || usage
	shift
fi
run_args=("$@")

root=$(cd "$(dirname "$0")/.." && pwd)
rounds=${AB_ROUNDS:-10}
count=${AB_COUNT:-1}
safe() { printf '%s' "$1" | tr -c 'A-Za-z0-9._-' '_'; }
out=${AB_OUT:-$root/out/ab-$(safe "${module##*/}")-$(safe "$va")-$(safe "$vb")}
mkdir -p "$out"
out=$(cd "$out" && pwd)
log() { printf 'ab.sh: %s\n' "$*" >&2; }

if [ "$module" = go ]; then
	# builtin (also what run measures with no SOURCE) is made from the Go
	# installation, so two Go releases would measure two different layers.
	has_file=0
	for a in "${run_args[@]}"; do
		[ "$a" = builtin ] && has_file=0 && break
		[ -e "$a" ] && has_file=1
	done
	if [ $has_file = 0 ]; then
		log "builtin is made from the Go installation that built zbench: $va and $vb would measure different layers."
		log "Name layer files after --, e.g. -- ../shared/corpus/layers/alpine-3.20.3-x86_64-minirootfs.tar.gz"
		exit 2
	fi
fi

# The tool that merges and compares: this tree as it is.
log "building zbench from $root"
(cd "$root" && go build -o "$out/zbench" ./cmd/zbench)

# build SIDE VERSION: a copy of this tree (tracked and untracked files, not
# ignored ones), with the version applied, built to $out/zbench-SIDE.
build() {
	local side=$1 version=$2 src="$out/src-$1"
	rm -rf "$src"
	mkdir -p "$src"
	(cd "$root" && git ls-files -z -co --exclude-standard | tar --null -T - -cf -) | tar -C "$src" -xf -
	if [ "$module" = go ]; then
		log "building $side with GOTOOLCHAIN=$version"
		(cd "$src" && GOTOOLCHAIN=$version go build -o "$out/zbench-$side" ./cmd/zbench)
		local got
		got=$(go version "$out/zbench-$side" | awk '{print $2}')
		[ "$got" = "$version" ] || { log "$side: built with $got, not $version"; exit 2; }
	else
		log "building $side with $module@$version"
		(cd "$src" && go get "$module@$version" && go build -o "$out/zbench-$side" ./cmd/zbench)
		local got
		got=$(go version -m "$out/zbench-$side" | awk -v m="$module" '$1 == "dep" && $2 == m {print $3}')
		[ "$got" = "$version" ] || { log "$side: the build holds $module ${got:-(none)}, not $version (go get may have moved it; see $src/go.mod)"; exit 2; }
	fi
	rm -rf "$src"
}
build a "$va"
build b "$vb"

rm -rf "$out/a" "$out/b"
mkdir -p "$out/a" "$out/b"
start=$(date +%s)
for r in $(seq 1 "$rounds"); do
	order="a b"
	[ $((r % 2)) = 0 ] && order="b a"
	for side in $order; do
		log "round $r/$rounds: $side"
		# A failed cell (exit 1) is kept in the run and shown by compare.
		rc=0
		"$out/zbench-$side" run -count "$count" -progress none -o "$out/$side/round-$r" "${run_args[@]}" 2>>"$out/run.log" || rc=$?
		case $rc in
		0 | 1) ;;
		2 | 130) log "round $r, $side: zbench run exit $rc (log in $out/run.log)"; exit "$rc" ;;
		*) log "round $r, $side: zbench run could not run (exit $rc; log in $out/run.log)"; exit 3 ;;
		esac
	done
done
log "rounds took $(( $(date +%s) - start ))s; run log in $out/run.log"

for side in a b; do
	"$out/zbench" merge -pool -o "$out/$side/merged" "$out/$side"/round-*
done

read -r -a compare_flags <<<"${AB_COMPARE:-}"
set +e
"$out/zbench" compare "${compare_flags[@]}" -json "$out/compare.json" -- "$out/a/merged" "$out/b/merged" | tee "$out/compare.txt"
status=${PIPESTATUS[0]}
set -e
log "A = $module $va, B = $module $vb; comparison in $out/compare.txt (exit $status)"
exit "$status"
