#!/usr/bin/env bash
# A/A on one machine: how many cells does `zbench compare` flag when nothing
# changed? The false-alarm rate of the nightly comparison, measured.
#
#   scripts/aa.sh [-- RUN_ARGS...]
#
#   scripts/aa.sh                              # zbench run's defaults, builtin
#   AA_RUNS=4 scripts/aa.sh -- -count 10 builtin   # the nightly job's settings
#
# It builds zbench once from this tree, runs it AA_RUNS times one after the
# other with the same RUN_ARGS, flags and SOURCEs as zbench run takes them
# (default: builtin at run's defaults; name the SOURCE when giving flags,
# or run measures its default corpus), and
# compares each run with the next, both ways (A against B, and B against A),
# with compare's default settings plus AA_COMPARE. A cell that regresses in
# either direction is flagged: with no change at all, every flag is noise.
#
# Environment:
#   AA_RUNS     runs, one after the other (default 3: two pairs)
#   AA_OUT      output directory (default out/aa-<UTC time>)
#   AA_COMPARE  extra flags for zbench compare, e.g. "-normalize=false"
#   AA_REUSE    set: keep the runs already in AA_OUT and only compare again
#
# Output in AA_OUT: zbench, run-N, compare-N-M.txt, and summary.txt: per
# pair, the cells flagged each way and the machine shift; last, the flagged
# share of all compared cells. Exit status: 0 when that share is 5% or less,
# 1 when it is more, 2 on a usage or input error, 3 when a run or a
# comparison could not be made (zbench's exit 3, a failed build), 130 when
# interrupted. A run with failed cells (exit 1) is kept: compare shows them.
set -Eeuo pipefail
trap 'rc=$?; trap - ERR; printf "aa.sh: step failed (exit %s): %s\n" "$rc" "$BASH_COMMAND" >&2; exit 3' ERR
trap 'echo "aa.sh: interrupted" >&2; exit 130' INT TERM

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2; exit 2; }
if [ $# -gt 0 ]; then
	[ "$1" = "--" ] || usage
	shift
fi
run_args=("$@")
[ ${#run_args[@]} -gt 0 ] || run_args=(builtin)

root=$(cd "$(dirname "$0")/.." && pwd)
runs=${AA_RUNS:-3}
[ "$runs" -ge 2 ] || { echo "aa.sh: AA_RUNS must be at least 2" >&2; exit 2; }
out=${AA_OUT:-$root/out/aa-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out"
out=$(cd "$out" && pwd)
log() { printf 'aa.sh: %s\n' "$*" >&2; }
read -r -a cmp_args <<<"${AA_COMPARE:-}"

zb="$out/zbench"
(cd "$root" && go build -buildvcs=auto -o "$zb" ./cmd/zbench) || { log "could not build zbench"; exit 3; }
# zbench_status WHAT STATUS: stop with zbench's status unless it is 0 or 1.
zbench_status() {
	case $2 in
	0 | 1) return 0 ;;
	2 | 130) log "$1: exit $2"; exit "$2" ;;
	*) log "$1 could not run (exit $2)"; exit 3 ;;
	esac
}

for i in $(seq 1 "$runs"); do
	if [ -n "${AA_REUSE:-}" ] && [ -f "$out/run-$i/results.txt" ]; then
		log "run $i: reusing $out/run-$i (AA_REUSE)"
		continue
	fi
	rm -rf "$out/run-$i"
	log "run $i of $runs: zbench run ${run_args[*]}"
	s=$(date +%s)
	rc=0
	"$zb" run -progress none -o "$out/run-$i" "${run_args[@]}" || rc=$?
	zbench_status "zbench run $i" "$rc"
	log "run $i took $(($(date +%s) - s))s"
done

# flagged FILE: the number of regressed cells and of cells compared, from
# compare's last line ("REGRESSED: 3 of 56 cells …" or "no regression: 56
# cells compared …").
flagged() {
	local last
	last=$(tail -n 1 "$1")
	case $last in
	"REGRESSED: "*) sed -E 's/^REGRESSED: ([0-9]+) of ([0-9]+) cells.*/\1 \2/' <<<"$last" ;;
	"no regression: "*) sed -E 's/^no regression: ([0-9]+) cells.*/0 \1/' <<<"$last" ;;
	*) return 1 ;;
	esac
}

summary="$out/summary.txt"
: >"$summary"
total=0 cells=0
for i in $(seq 1 $((runs - 1))); do
	j=$((i + 1))
	for pair in "$i $j" "$j $i"; do
		read -r a b <<<"$pair"
		f="$out/compare-$a-$b.txt"
		rc=0
		"$zb" compare "${cmp_args[@]}" "$out/run-$a" "$out/run-$b" >"$f" 2>"$out/compare.err" || rc=$?
		if [ "$rc" -ge 2 ]; then
			cat "$out/compare.err" >&2
			zbench_status "zbench compare run-$a run-$b" "$rc"
		fi
		if ! read -r n m < <(flagged "$f"); then
			log "compare run-$a run-$b: no verdict line in $f"
			exit 3
		fi
		total=$((total + n)) cells=$((cells + m))
		shift_line=$(grep -m1 '^machine shift: MB/s' "$f" | sed -E 's/^machine shift: MB\/s ([^ ]+) in NEW.*/\1/' || true)
		printf 'run-%s vs run-%s: %d of %d cells flagged; machine shift %s\n' "$a" "$b" "$n" "$m" "${shift_line:-n/a}" >>"$summary"
		grep -E 'REGRESSED' "$f" | grep -v -E '^(REGRESSED|machine)' | awk '{print "  " $1}' | sort -u >>"$summary" || true
	done
done
rate=$(awk -v t="$total" -v c="$cells" 'BEGIN { printf "%.1f", c ? 100 * t / c : 0 }')
printf 'A/A: %d of %d cell comparisons flagged (%s%%) over %d runs of: zbench run %s\n' \
	"$total" "$cells" "$rate" "$runs" "${run_args[*]}" >>"$summary"
cat "$summary"
awk -v t="$total" -v c="$cells" 'BEGIN { exit (c && t / c > 0.05) ? 1 : 0 }'
