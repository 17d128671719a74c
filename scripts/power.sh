#!/usr/bin/env bash
# Power on one machine: what share of single-cell slowdowns does `zbench
# compare` catch, and what share of untouched cells does it flag? The other
# half of scripts/aa.sh: a detector judged only by its false alarms can
# reach any rate by flagging nothing.
#
#   scripts/power.sh [-- RUN_ARGS...]
#
#   scripts/power.sh -- -count 10 builtin          # the nightly's settings
#   POWER_MODE=both scripts/power.sh -- -count 10 builtin
#
# It builds zbench from this tree and runs it POWER_RUNS times one after the
# other with RUN_ARGS (as zbench run takes them; default: builtin at run's
# defaults; name the SOURCE when giving flags). Then, by POWER_MODE:
#
#   inject (default): for each run and the next, both ways (BASE, NEW), for
#     each codec cell of NEW and each slowdown in POWER_EFFECTS, it writes a
#     copy of NEW with that one cell's samples slower (wall and CPU time
#     times 1+slowdown, written with results' own writer by
#     scripts/powertool), compares BASE with it, and counts whether that
#     cell was flagged and how many of the untouched cells were. Slowdown 0
#     is the plain comparison (the A/A of aa.sh).
#   codec: it builds zbench again with -tags zbench_slowcodec and, for each
#     slowdown and each codec of POWER_CODECS, runs it with that codec
#     really slowed (ZBENCH_SLOWCODEC=codec=slowdown: busy-work after each
#     timed pass, in proportion to it), compares the first run with it, and
#     counts the codec's cells flagged and the other cells flagged.
#   both: both.
#
# Each comparison is made with compare's defaults plus each flag set of
# POWER_VARIANTS, so that rules can be weighed on the same runs.
#
# Environment:
#   POWER_RUNS      runs of the plain build, one after the other (default 3)
#   POWER_EFFECTS   slowdowns, as fractions of time (default "0.05 0.10 0.20")
#   POWER_MODE      inject, codec or both (default inject)
#   POWER_CODECS    codec mode: codecs to slow, a run each per slowdown
#                   (default zstd-klauspost)
#   POWER_VARIANTS  flag sets for zbench compare, separated by ';' (default
#                   one, empty: compare's defaults), e.g.
#                   ";-drift round;-drift off;-drift off -disjoint" (the
#                   last is the rule before -drift)
#   POWER_OUT       output directory (default out/power-<UTC time>)
#   POWER_REUSE     set: keep the runs already in POWER_OUT (run-N, as aa.sh
#                   names them: POWER_OUT may be an AA_OUT) and slow-* runs
#
# Output in POWER_OUT: zbench, run-N, slow-CODEC-SLOWDOWN (codec mode),
# trials.tsv (one line per comparison: variant, mode, slowdown, what was
# slowed, base, new, slowed cells flagged, slowed cells, untouched flagged,
# untouched cells) and summary.txt: per variant and slowdown, the share of
# slowed cells caught and of untouched cells flagged. Exit status: 0 when,
# for the first variant, the 10% slowdown (when measured) is caught in 90%
# or more and untouched cells are flagged in 1% or less; 1 when not; 2 on a
# usage or input error; 3 when a step could not run (a build, a zbench run
# or compare that failed); 130 when interrupted (the exit statuses of
# zbench and the other scripts, README "Security and failure behaviour").
set -Eeuo pipefail
trap 'rc=$?; trap - ERR; printf "power.sh: step failed (exit %s): %s\n" "$rc" "$BASH_COMMAND" >&2; exit 3' ERR
trap 'echo "power.sh: interrupted" >&2; exit 130' INT TERM

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2; exit 2; }
if [ $# -gt 0 ]; then
	[ "$1" = "--" ] || usage
	shift
fi
run_args=("$@")
[ ${#run_args[@]} -gt 0 ] || run_args=(builtin)

root=$(cd "$(dirname "$0")/.." && pwd)
runs=${POWER_RUNS:-3}
mode=${POWER_MODE:-inject}
read -r -a effects <<<"${POWER_EFFECTS:-0.05 0.10 0.20}"
read -r -a codecs <<<"${POWER_CODECS:-zstd-klauspost}"
case $mode in inject | codec | both) ;; *) echo "power.sh: POWER_MODE must be inject, codec or both" >&2; exit 2 ;; esac
if [ "$mode" != codec ] && [ "$runs" -lt 2 ]; then
	echo "power.sh: POWER_RUNS must be at least 2 to inject (a BASE and a NEW)" >&2
	exit 2
fi
[ "$runs" -ge 1 ] || { echo "power.sh: POWER_RUNS must be at least 1" >&2; exit 2; }
[ ${#effects[@]} -gt 0 ] || { echo "power.sh: POWER_EFFECTS is empty" >&2; exit 2; }
for e in "${effects[@]}"; do
	awk -v e="$e" 'BEGIN { exit (e ~ /^[0-9]*\.?[0-9]+$/ && e > 0) ? 0 : 1 }' ||
		{ echo "power.sh: POWER_EFFECTS: $e is not a positive fraction" >&2; exit 2; }
done
variants=()
IFS=';' read -r -a variants <<<"${POWER_VARIANTS:-}"
[ ${#variants[@]} -gt 0 ] || variants=("")

out=${POWER_OUT:-$root/out/power-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out"
out=$(cd "$out" && pwd)
log() { printf 'power.sh: %s\n' "$*" >&2; }
started=$(date +%s)

zb="$out/zbench" tool="$out/powertool"
(cd "$root" && go build -buildvcs=auto -o "$zb" ./cmd/zbench && go build -o "$tool" ./scripts/powertool)
if [ "$mode" != inject ]; then
	(cd "$root" && go build -buildvcs=auto -tags zbench_slowcodec -o "$out/zbench-slow" ./cmd/zbench)
fi

# measure DIR [ENV...]: zbench run into DIR, unless kept (POWER_REUSE).
measure() {
	local dir=$1 bin=$2
	shift 2
	if [ -n "${POWER_REUSE:-}" ] && [ -f "$dir/results.txt" ]; then
		log "reusing $dir (POWER_REUSE)"
		return
	fi
	rm -rf "$dir"
	log "$(basename "$dir"): ${*:+$* }zbench run ${run_args[*]}"
	local s
	s=$(date +%s)
	env "$@" "$bin" run -progress none -o "$dir" "${run_args[@]}"
	log "$(basename "$dir") took $(($(date +%s) - s))s"
}
for i in $(seq 1 "$runs"); do
	measure "$out/run-$i" "$zb"
done

trials="$out/trials.tsv"
printf 'variant\tmode\tslowdown\tslowed\tbase\tnew\tslowed_flagged\tslowed_cells\tuntouched_flagged\tuntouched_cells\n' >"$trials"

# judge VARIANT_INDEX MODE EFFECT WHAT BASE NEW TALLY_ARGS...: compare with
# the variant's flags, tally, and append a line to trials.tsv.
judge() {
	local vi=$1 m=$2 e=$3 what=$4 base=$5 new=$6
	shift 6
	local flags=() rc=0 js="$out/trial.json"
	read -r -a flags <<<"${variants[$vi]}"
	"$zb" compare "${flags[@]}" -format json "$base" "$new" >"$js" 2>"$out/compare.err" || rc=$?
	if [ "$rc" -ge 2 ]; then
		log "zbench compare ${flags[*]} $base $new failed (exit $rc):"
		cat "$out/compare.err" >&2
		case $rc in 2 | 130) exit "$rc" ;; *) exit 3 ;; esac
	fi
	local t
	t=$("$tool" tally "$@" "$js")
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$vi" "$m" "$e" "$what" "$(basename "$base")" "$(basename "$new")" "${t// /$'\t'}" >>"$trials"
}

if [ "$mode" != codec ]; then
	ncells=$("$tool" cells "$out/run-1" | wc -l)
	log "inject: $ncells codec cells, $((2 * (runs - 1))) comparisons, slowdowns ${effects[*]}"
	for i in $(seq 1 $((runs - 1))); do
		j=$((i + 1))
		for pair in "$i $j" "$j $i"; do
			read -r a b <<<"$pair"
			base="$out/run-$a" new="$out/run-$b"
			for vi in "${!variants[@]}"; do
				judge "$vi" inject 0 - "$base" "$new"
			done
			while IFS= read -r cell; do
				for e in "${effects[@]}"; do
					trial="$out/trial"
					rm -rf "$trial"
					"$tool" slow -cell "$cell" -by "$e" -o "$trial" "$new"
					for vi in "${!variants[@]}"; do
						judge "$vi" inject "$e" "$cell" "$base" "$trial" -cell "$cell"
					done
				done
			done < <("$tool" cells "$new")
		done
	done
	rm -rf "$out/trial"
fi

if [ "$mode" != inject ]; then
	for e in "${effects[@]}"; do
		for c in "${codecs[@]}"; do
			dir="$out/slow-$c-$e"
			measure "$dir" "$out/zbench-slow" "ZBENCH_SLOWCODEC=$c=$e"
			for vi in "${!variants[@]}"; do
				judge "$vi" codec "$e" "$c" "$out/run-1" "$dir" -codec "$c"
			done
		done
	done
fi
rm -f "$out/trial.json" "$out/compare.err"

# The summary: per variant, mode and slowdown, the shares.
summary="$out/summary.txt"
awk -F'\t' -v variants="${POWER_VARIANTS:-}" -v runargs="${run_args[*]}" '
function pct(n, d) { return d ? sprintf("%.1f%%", 100 * n / d) : "n/a" }
NR == 1 { next }
{
	k = $1 SUBSEP $2 SUBSEP $3
	if (!(k in trials)) keys[++n] = k
	if (!($3 in erank)) erank[$3] = ++ne
	if ($1 + 1 > nv) nv = $1 + 1
	hit[k] += $7; slowed[k] += $8; fl[k] += $9; un[k] += $10; trials[k]++
}
END {
	split(variants, names, ";")
	printf "power of zbench compare over: zbench run %s\n", runargs
	for (v = 0; v < nv; v++) {
		name = names[v + 1]; if (name == "") name = "(defaults)"
		printf "\ncompare flags: %s\n", name
		printf "%-7s %-9s %-7s %-26s %s\n", "mode", "slowdown", "trials", "slowed cells flagged", "untouched cells flagged"
		for (m = 1; m <= 2; m++) {
			mode = m == 1 ? "inject" : "codec"
			for (r = 1; r <= ne; r++) {
				for (i = 1; i <= n; i++) {
					split(keys[i], f, SUBSEP)
					if (f[1] != v || f[2] != mode || erank[f[3]] != r) continue
					k = keys[i]
					caught = slowed[k] ? sprintf("%d of %d (%s)", hit[k], slowed[k], pct(hit[k], slowed[k])) : "-"
					printf "%-7s %-9s %-7d %-26s %d of %d (%s)\n", mode, (f[3] * 100) "%", trials[k], caught, fl[k], un[k], pct(fl[k], un[k])
				}
			}
		}
	}
}' "$trials" >"$summary"

# Targets, on the first variant: 10% caught in >= 90%, untouched <= 1%.
verdict=$(awk -F'\t' 'NR > 1 && $1 == 0 {
	fl += $9; un += $10
	if ($3 + 0 == 0.10) { hit += $7; slowed += $8 }
}
END {
	bad = (un && fl / un > 0.01) || (slowed && hit / slowed < 0.90)
	printf "%s: untouched cells flagged %.2f%% (target at most 1%%)", bad ? "targets missed" : "targets met", un ? 100 * fl / un : 0
	if (slowed) printf ", a 10%% slowdown caught in %.1f%% (target at least 90%%)", 100 * hit / slowed
	exit bad
}' "$trials") && met=0 || met=1
printf '\n%s (first flag set); %ds in all\n' "$verdict" $(($(date +%s) - started)) >>"$summary"
cat "$summary"
exit "$met"
