#!/usr/bin/env bash
# The nightly job: lock, fetch, run, compare with the last good run, keep the
# run in the history, report, publish.
#
#   scripts/nightly.sh
#   ZBENCH_CODECS=gzip-std,zstd-klauspost ZBENCH_LEVELS='gzip-std=1 zstd-klauspost=fastest' scripts/nightly.sh
#
# Steps:
#  1. build zbench from this tree (the commit goes into env.json);
#  2. lock: with ZBENCH_LOCK naming a lock file and `zbench fetch -lock`
#     available, pin the sources by digest (once: an existing lock is kept, so
#     every night measures the same bytes) and measure @LOCK; otherwise the
#     sources are measured as given, which must then be pinned already (layer
#     files, builtin, or references by digest);
#  3. fetch into the cache, when `zbench fetch` exists;
#  4. zbench run -count ZBENCH_COUNT (10) into WORK/run;
#  5. zbench history last: the newest good run of the same machine and corpus;
#  6. zbench compare BASE WORK/run (skipped when there is no base: the run is
#     then the baseline);
#  7. zbench history add: the run goes into the store as good, regressed,
#     incomparable or baseline; zbench history steps lists the nights where
#     cells stepped;
#  8. zbench report (base and tonight side by side), when it exists; the
#     report is kept in the store beside the run (STORE/runs/<name>/report.html)
#     so that the site can link it;
#  9. publish: PUBLISH/<run name>/ gets the comparison, steps, results and
#     report; PUBLISH/latest points at it;
# 10. zbench site: the trend site of the whole store into ZBENCH_SITE.
#
# Sharded (CI runs the matrix in parallel jobs, then joins the parts):
#   ZBENCH_SHARD=i/n scripts/nightly.sh     steps 1-4 only, with zbench run
#                                           -shard i/n; the part is WORK/run
#   ZBENCH_PARTS='DIR...' scripts/nightly.sh
#                                           step 1, then zbench merge of the
#                                           parts into WORK/run instead of
#                                           steps 2-4, then 5-10
#
# Environment (defaults in brackets):
#   ZBENCH_SOURCES   sources to measure, space-separated [builtin]
#   ZBENCH_LOCK      lock file for `zbench fetch -lock` [none]
#   ZBENCH_COUNT     samples per cell [10]
#   ZBENCH_PROFILE, ZBENCH_CODECS, ZBENCH_LEVELS, ZBENCH_OPS
#                    passed to zbench run as -profile, -codecs, -levels, -ops
#   ZBENCH_STORE     the history store [out/history]
#   ZBENCH_PUBLISH   where reports are published [out/publish]
#   ZBENCH_SITE      where the trend site is written [PUBLISH/site]
#   ZBENCH_SHARD, ZBENCH_PARTS   see above
#   ZBENCH_WORK      scratch directory of this night [out/nightly/<UTC time>]
#   ZBENCH_COMPARE   flags for zbench compare ["-alpha 0.01": at compare's default
#                    0.05, about 2% of unchanged cells are flagged on a noisy
#                    2-core VM, so half the nights of 33 cells would be red;
#                    see README, "Power and false alarms, measured"]
#
# The sources and flags come from the environment (a workflow_dispatch input,
# a repository variable): each is checked against an allow-list pattern, and
# sources are passed after "--", so none can become a flag of zbench run.
#
# Exit status (zbench's own, see README "Security and failure behaviour"):
# 0 no regression, 1 regression (slower, bigger, or a cell that newly fails),
# 2 usage or input error (a bad source or setting, or runs that cannot be
# compared), 3 could not run (build, registry, disk, a step that failed),
# 130 interrupted.
set -Eeuo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
log() { printf 'nightly: %s\n' "$*" >&2; }
# die STATUS MESSAGE: stop with the status.
die() { local rc=$1; shift; log "$*"; exit "$rc"; }
# Any step failing without its own handling means the night could not run.
trap 'rc=$?; trap - ERR; log "step failed (exit $rc): $BASH_COMMAND"; exit 3' ERR
trap 'log "interrupted"; exit 130' INT TERM
# passed STEP STATUS: stop unless a zbench step succeeded or (1) only some
# cells or blobs failed; 2 (input), 3 (could not run) and 130 (interrupted)
# stop the night with the same status.
passed() {
	case $2 in
	0 | 1) return 0 ;;
	2 | 130) die "$2" "$1 failed (exit $2)" ;;
	*) die 3 "$1 could not run (exit $2)" ;;
	esac
}

# Allow-list checks of what the environment passes to zbench.
src_re='^[A-Za-z0-9@][A-Za-z0-9._/:@+=-]*$'
flag_re='^[A-Za-z0-9._/:%=,+-]+$'
read -r -a sources <<<"${ZBENCH_SOURCES:-builtin}"
[ ${#sources[@]} -gt 0 ] || die 2 "ZBENCH_SOURCES names no source"
for s in "${sources[@]}"; do
	[[ $s =~ $src_re ]] || die 2 "ZBENCH_SOURCES: refusing $(printf '%q' "$s"): a source is a name, path or reference, never a flag"
done
[[ ${ZBENCH_COUNT:-10} =~ ^[1-9][0-9]{0,3}$ ]] || die 2 "ZBENCH_COUNT: want a whole number from 1 to 9999, not $(printf '%q' "${ZBENCH_COUNT}")"
read -r -a compare_flags <<<"${ZBENCH_COMPARE--alpha 0.01}"
for f in "${compare_flags[@]}"; do
	if ! [[ $f =~ $flag_re ]] || [ "$f" = -json ] || [ "$f" = -format ]; then
		die 2 "ZBENCH_COMPARE: refusing $(printf '%q' "$f")"
	fi
done
started=$(date +%s)
stamp=$(date -u +%Y%m%dT%H%M%SZ)
store=${ZBENCH_STORE:-out/history}
publish=${ZBENCH_PUBLISH:-out/publish}
work=${ZBENCH_WORK:-out/nightly/$stamp}
site=${ZBENCH_SITE:-$publish/site}
shard=${ZBENCH_SHARD:-}
[ -z "$shard" ] || [[ $shard =~ ^[0-9]{1,3}/[1-9][0-9]{0,2}$ ]] || die 2 "ZBENCH_SHARD: want i/n, not $(printf '%q' "$shard")"
read -r -a parts <<<"${ZBENCH_PARTS:-}"
for p in "${parts[@]}"; do
	[[ $p =~ ^[A-Za-z0-9._/][A-Za-z0-9._/:@+=-]*$ ]] || die 2 "ZBENCH_PARTS: refusing $(printf '%q' "$p"): a part is a run directory"
done
if [ -n "$shard" ] && [ "${#parts[@]}" -gt 0 ]; then
	die 2 "ZBENCH_SHARD measures one part, ZBENCH_PARTS joins parts: set one"
fi
mkdir -p "$work" "$publish"

# 1. Build.
zb="$work/zbench"
commit=$(git rev-parse HEAD 2>/dev/null || true)
if [ -n "$commit" ] && [ -n "$(git status --porcelain 2>/dev/null)" ]; then
	commit="$commit-dirty"
fi
go build -ldflags "-X main.commit=$commit" -o "$zb" ./cmd/zbench || die 3 "could not build zbench"
# has COMMAND [FLAG]: whether this zbench has the command (and the flag).
has() {
	local h
	h=$("$zb" "$1" -h 2>&1 || true)
	grep -q "Usage: zbench $1" <<<"$h" && { [ -z "${2:-}" ] || grep -q -- "$2" <<<"$h"; }
}

# 2. Lock, 3. fetch, 4. run.
measure() {
	local rc
	if [ -n "${ZBENCH_LOCK:-}" ] && has fetch -lock; then
		if [ ! -f "$ZBENCH_LOCK" ]; then
			log "pinning ${sources[*]} into $ZBENCH_LOCK"
			rc=0
			"$zb" fetch -lock "$ZBENCH_LOCK" -- "${sources[@]}" || rc=$?
			passed "zbench fetch -lock" "$rc"
		fi
		sources=("@$ZBENCH_LOCK")
	elif [ -n "${ZBENCH_LOCK:-}" ]; then
		log "note: this zbench has no 'fetch -lock'; measuring ${sources[*]} as given"
	fi
	if has fetch; then
		rc=0
		"$zb" fetch -- "${sources[@]}" || rc=$?
		passed "zbench fetch" "$rc"
		if [ "$rc" = 1 ]; then log "some blobs could not be fetched; their layers fail in the run"; fi
	else
		log "note: this zbench has no 'fetch'; sources are read directly"
	fi

	local flags=(-count "${ZBENCH_COUNT:-10}" -progress plain -o "$work/run")
	[ -n "${ZBENCH_PROFILE:-}" ] && flags+=(-profile "$ZBENCH_PROFILE")
	[ -n "${ZBENCH_CODECS:-}" ] && flags+=(-codecs "$ZBENCH_CODECS")
	[ -n "${ZBENCH_LEVELS:-}" ] && flags+=(-levels "$ZBENCH_LEVELS")
	[ -n "${ZBENCH_OPS:-}" ] && flags+=(-ops "$ZBENCH_OPS")
	[ -n "$shard" ] && flags+=(-shard "$shard")
	log "zbench run ${flags[*]} ${sources[*]}"
	run_status=0
	"$zb" run "${flags[@]}" -- "${sources[@]}" 2>"$work/run.log" || run_status=$?
	if [ "$run_status" != 0 ] && [ "$run_status" != 1 ]; then
		tail -5 "$work/run.log" >&2
		passed "zbench run (log in $work/run.log)" "$run_status"
	fi
	if [ "$run_status" = 1 ]; then log "some cells failed; they are in the results and compare names new failures"; fi
	return 0
}

# Or, given the parts of a sharded run, join them (failed cells are in the
# parts' results; compare names new failures).
join_parts() {
	log "zbench merge -o $work/run ${parts[*]}"
	local rc=0
	"$zb" merge -o "$work/run" "${parts[@]}" 2>"$work/merge.log" || rc=$?
	cat "$work/merge.log" >&2
	if [ "$rc" != 0 ]; then passed "zbench merge (the parts could not be joined)" "$rc"; fi
	return 0
}

if [ "${#parts[@]}" -gt 0 ]; then
	join_parts
else
	measure
fi
if [ -n "$shard" ]; then
	log "shard $shard measured into $work/run in $(( $(date +%s) - started ))s; join the parts with ZBENCH_PARTS"
	exit 0
fi

# 5. The base, 6. compare.
base=$("$zb" history last -store "$store" "$work/run")
status=baseline cmp_status=0
if [ -n "$base" ]; then
	log "comparing with $base"
	cmp_status=0
	"$zb" compare "${compare_flags[@]}" -json "$work/compare.json" -- "$base" "$work/run" >"$work/compare.txt" 2>"$work/compare.err" || cmp_status=$?
	cat "$work/compare.err" >&2
	case $cmp_status in
	0) status=good ;;
	1) status=regressed ;;
	2) status=incomparable ;;
	130) die 130 "zbench compare interrupted" ;;
	*) die 3 "zbench compare could not run (exit $cmp_status)" ;;
	esac
	tail -1 "$work/compare.txt" >&2 || true
else
	log "no good run of this machine and corpus in $store: this run is the baseline"
	echo "no base: this run is the baseline of $store" >"$work/compare.txt"
fi

# 7. History.
add=(history add -store "$store" -status "$status" -note "nightly $stamp")
[ -f "$work/compare.json" ] && add+=(-compare "$work/compare.json")
"$zb" "${add[@]}" "$work/run" 2>"$work/add.log"
name=$(sed -n 's/.*added \([^ ]*\) as .*/\1/p' "$work/add.log")
cat "$work/add.log" >&2
"$zb" history steps -store "$store" -json "$work/steps.json" >"$work/steps.txt"

# 8. Report.
if has report; then
	# With a base, the report shows both runs and compares tonight with it.
	report=(report -o "$work/report.html")
	[ -n "$base" ] && report+=(-labels "base $(basename "$base"),tonight" "$base")
	"$zb" "${report[@]}" "$work/run" >"$work/report.log" 2>&1 || log "zbench report failed (see $work/report.log); publishing without it"
else
	log "note: this zbench has no 'report'; publishing the tables only"
fi

# The report stays with the night in the store, for the site.
if [ -f "$work/report.html" ] && [ -n "$name" ]; then
	cp "$work/report.html" "$store/runs/$name/report.html"
fi

# 9. Publish.
dst="$publish/${name:-$stamp}"
mkdir -p "$dst"
for f in compare.txt compare.json steps.txt steps.json report.html run.log; do
	if [ -f "$work/$f" ]; then cp "$work/$f" "$dst/"; fi
done
if [ -d "$work/report-files" ]; then cp -r "$work/report-files" "$dst/"; fi
cp "$work/run/results.txt" "$work/run/env.json" "$dst/"
ln -sfn "$(basename "$dst")" "$publish/latest"
printf '%s\t%s\t%s\t%s\n' "${name:-$stamp}" "$status" "${base:+$(basename "$base")}" "$commit" >>"$publish/index.tsv"

# 10. The site.
if has site; then
	if "$zb" site -store "$store" -o "$site" 2>"$work/site.log"; then
		cat "$work/site.log" >&2
	else
		cat "$work/site.log" >&2
		log "zbench site failed; the night is in the store and published without the site"
	fi
fi
log "$status; published $dst in $(( $(date +%s) - started ))s"

case $status in
regressed) exit 1 ;;
incomparable) exit 2 ;;
esac
exit 0
