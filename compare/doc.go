// Package compare says whether a zbench run (NEW) is worse than another
// (BASE), cell by cell, with the statistics benchstat uses.
//
// It is the library behind `zbench compare`; the history package uses it
// for nightly runs. It lives apart from package results because results is
// the record format that the runner, the report and compare all read and
// write, while compare is policy: thresholds, verdicts, what counts as a
// regression.
//
// # Method
//
//  1. Load reads each side with results.ReadRun: a run directory or a
//     results file in the Go benchmark format. Run and Cell are
//     results.Run and results.Cell; the values compared are Cell.Values,
//     those of results.txt either way.
//  2. Cells are matched by their key (op, layer, codec, from, level,
//     threads), not by configuration: benchstat splits results whose
//     configuration lines differ (a new zbench commit, a new module
//     version) into separate tables, which is exactly the case a comparison
//     is for. The GOMAXPROCS suffix is not part of the key; a different
//     GOMAXPROCS is a different machine (below).
//  3. Environments, by results.KindOf, the one rule of comparability: a
//     difference in a machine key (goos, goarch, cpu, cores, gomaxprocs)
//     fails with an IncompatibleError, an ErrIncompatible
//     (Options.AllowEnv downgrades it to a warning). Differences in build
//     keys (Go, zbench commit, libzstd, module versions) are listed as
//     Report.Changes: they are what is being compared. System keys (os,
//     kernel, governor) and the rest (count, …) are listed as Report.Other.
//  4. Corpus: a layer name present in both runs must stand for the same
//     bytes: the same blob digest and diffID (run directories), or the same
//     tar size and published blob size (results files, which carry no
//     digests). Otherwise, or when the runs have no cell in common,
//     Compare fails with ErrDifferentCorpus.
//  5. Statistical metrics (MB/s, cpu-sec/GB, B/op): each side's median and
//     its 95% confidence interval (benchmath.AssumeNothing, an order
//     statistic interval), and the two-sided Mann-Whitney U test between
//     the two sides' samples. A metric regresses when p < Alpha (0.05),
//     the medians say it is worse by more than Threshold (5%), and (with
//     Options.Disjoint, the default) the two intervals do not overlap, so
//     that a shift smaller than either side's own uncertainty does not
//     count. Only the metrics in Options.Gate can regress; the others are
//     reported.
//     With Options.Normalize, NEW's MB/s and cpu-sec/GB samples are first
//     divided by the machine's Shift between the runs (see Noise), and the
//     table shows both the raw delta and the delta relative to the run.
//     With 10 samples a side the smallest possible p is about 1e-5; with
//     fewer than 4 a side no difference can reach p < 0.05, and the report
//     says so.
//  6. Exact metrics (compressed-B, ratio) compare by equality: a different
//     size at the same codec and level means different bytes and so a
//     different digest, and counts as a regression unless
//     Options.AllowSizeChange. It is counted on the encode cell; the decode
//     cells that read that output show it without counting it again. The
//     decode-original cells' size is the published blob's, checked in 4.
//  7. A cell that failed in NEW but not in BASE regresses (FAILED); one
//     that failed only in BASE is "fixed". Cells in one run only are listed
//     in Report.OnlyBase and Report.OnlyNew, not failures.
//
// A cell regresses when any of its gated metrics does; the report's
// Regressions name them. WriteText prints a table per metric (cell, base
// median ±CI, new median ±CI, delta, p, verdict); WriteJSON writes the same
// Report with every sample.
//
// # Noise
//
// Each cell is tested on its own, three statistical metrics per cell, so
// about alpha of unchanged metrics come out significant by chance; the
// threshold and the intervals keep those from counting unless the medians
// also moved clearly.
//
// A machine whose speed drifts between runs (other tenants of a virtual
// machine, the host's load, frequency) moves every sample of one run
// against every sample of the other, and the test is right that they
// differ. Two defences:
//
//   - zbench run visits each layer's cells in rounds (-rounds), so that a
//     drift within a run is shared by all cells instead of falling on the
//     few measured during it;
//   - Compare estimates the drift between the runs as a Shift per time
//     metric, the median over the codec cells of NEW's median over BASE's,
//     and with Options.Normalize (the default) judges each cell relative
//     to it: what regresses is a cell that moved against the rest of the
//     run. The memcpy row, bound by memory rather than by the CPU, is left
//     out of the shift and never counted. A change that slows every cell
//     alike is indistinguishable from the machine by this means; it
//     counts as a regression of the whole run when Go, libzstd or a module
//     version changed between the runs, and is reported as the machine's
//     otherwise.
//
// To separate a real change from the machine, interleave the two builds
// instead (scripts/ab.sh runs them in alternating rounds and pools each
// side with results.Merge). scripts/aa.sh measures the false-alarm rate
// of back-to-back runs on a machine; the README gives the rates measured on
// the project's machine.
package compare
