#!/usr/bin/env bash
# Same bytes: does a refactoring change any output? Runs two zbench
# binaries on the same runs and diffs everything they write.
#
#   scripts/samebytes.sh OLD_ZBENCH NEW_ZBENCH RUN_A RUN_B [OUT]
#
# RUN_A and RUN_B are run directories of the same corpus (RUN_B a genuinely
# different run: other samples, an even -count to exercise even-count
# medians, a subset of codecs). For each binary, in twin directories
# (OUT/old and OUT/new, default a temporary directory) holding copies of
# the runs, it writes: compare text and JSON (A against a copy of itself,
# A against B both ways, results.txt against results.txt, a directory
# against a results file), report HTML with its chart, PNG, SVG and CSV
# files (with and without -evidence, one run and two), evidence JSON and
# HTML, merge (one part, two parts pooled, two parts refused), and a run
# refused for an existing directory; every exit status, stdout and stderr.
# Then it diffs OUT/old and OUT/new and exits 1 when anything differs.
# Timing is irrelevant: it measures nothing.
set -u
if [ $# -lt 4 ]; then
	sed -n '2,18p' "$0"
	exit 2
fi
old=$(realpath "$1") new=$(realpath "$2") a=$(realpath "$3") b=$(realpath "$4")
out=${5:-$(mktemp -d)}
rm -rf "$out/old" "$out/new"
for side in old new; do
	bin=$old
	[ "$side" = new ] && bin=$new
	d=$out/$side
	mkdir -p "$d"
	cp -r "$a" "$d/A"
	cp -r "$a" "$d/A2"
	cp -r "$b" "$d/B"
	(
		cd "$d" || exit 1
		run() {
			name=$1
			shift
			"$bin" "$@" >"out.$name.stdout" 2>"out.$name.stderr"
			echo "exit $?" >>"out.$name.stdout"
		}
		run cmpAA compare A A2
		run cmpAAjson compare -format json A A2
		run cmpAB compare -json out.cmpAB.json A B
		run cmpBA compare B A
		run cmpBAjson compare -format json B A
		run cmpTxt compare A/results.txt B/results.txt
		run cmpTxtJson compare -format json A/results.txt B/results.txt
		run cmpMixed compare -json out.cmpMixed.json A B/results.txt
		run report report -o rep/report.html A B
		run reportEv report -evidence -o rep2/report.html -labels base,new A B
		run report1 report -o rep3/report.html -assets none B
		run evid evidence -o out.evid.json A B
		run evidB evidence -o out.evidB.json -html out.evidB.html B
		run merge merge -o merged A
		run mergePool merge -pool -o mergedPool A A2
		run mergeDup merge -o mergedDup A A2
		run resumeRefused run -o A -count 1 builtin
		run cmpMerged compare merged A
	)
done
# A report states when it was made; two made in the same minute agree.
# Otherwise strip the generation time before diffing.
if diff -r "$out/old" "$out/new"; then
	echo "samebytes: every output of $old and $new is the same ($out)"
	exit 0
fi
echo "samebytes: outputs differ ($out)"
exit 1
