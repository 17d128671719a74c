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
//     the two sides' samples. Before the test, each run's MB/s and
//     cpu-sec/GB samples have the machine's drift within the run taken out
//     (Options.Drift, see Noise), and NEW's are divided by the machine's
//     Shift between the runs (Options.Normalize); the table shows both the
//     raw delta and the delta relative to the run. A metric regresses when
//     p < Alpha (0.05) and the medians of the samples so adjusted say it is
//     worse by more than Threshold (5%). Only the metrics in Options.Gate
//     can regress; the others are reported. (Options.Disjoint, off by
//     default, also requires the two medians' intervals not to overlap:
//     see Decision rule.) With 10 samples a side the smallest possible p is
//     about 1e-5; with fewer than 4 a side no difference can reach p <
//     0.05, and the report says so.
//  6. Minimum detectable effect: for each gated statistical metric, the
//     smallest worsening the rule of step 5 would have flagged, at the
//     spread and sample counts the two sides have (MetricResult.MDE, in
//     the metric's terms), and for each cell the least slowdown (time per
//     pass times 1+MDE) that MB/s or cpu-sec/GB would have flagged
//     (CellResult.MDE). It is found by moving NEW's adjusted samples so
//     that their median sits at BASE's, making them slower by a factor,
//     and searching the smallest factor the rule flags (bisection; the rule
//     is monotonic in it). A change of exactly the MDE is flagged about
//     half the time; one of the MDE plus twice the medians' uncertainty
//     almost always. Report.Blind names the cells whose MDE is above
//     Options.Sensitivity (10%), or that no slowdown could have made
//     regress, and the verdict line counts them: a "no regression" says
//     nothing about changes of that size in those cells.
//  7. Exact metrics (compressed-B, ratio) compare by equality: a different
//     size at the same codec and level means different bytes and so a
//     different digest, and counts as a regression unless
//     Options.AllowSizeChange. It is counted on the encode cell; the decode
//     cells that read that output show it without counting it again. The
//     decode-original cells' size is the published blob's, checked in 4.
//  8. A cell that failed in NEW but not in BASE regresses (FAILED); one
//     that failed only in BASE is "fixed". Cells in one run only are listed
//     in Report.OnlyBase and Report.OnlyNew, not failures.
//
// A cell regresses when any of its gated metrics does; the report's
// Regressions name them. WriteText prints a table per metric (cell, base
// median ±CI, new median ±CI, delta, MDE, p, verdict) and a verdict line
// that ends with the count of blind cells; WriteJSON writes the same
// Report with every sample.
//
// # Noise
//
// A machine whose speed drifts (other tenants of a virtual machine, the
// host's load, frequency) moves samples for reasons that are not the code.
// It does so at three scales, and each is taken out by the design of the
// measurement rather than by a stricter test:
//
//   - Between rounds. zbench run visits each layer's cells in rounds
//     (-rounds, 5), each taking its share of the samples, and records each
//     sample's round (results.Record.Round). A slow round slows every cell
//     of it, which widens every cell's spread and so blunts the test.
//     Options.Drift divides each sample by the machine's speed when it was
//     taken, measured on the other cells of the same layer and round: the
//     median of their samples in that round relative to their own medians,
//     over the whole round (DriftRound) or over the 8 cells measured
//     nearest to it (DriftLocal, the default).
//   - Within a round. A round of the quick profile lasts most of a minute;
//     a slow spell of a few seconds falls on a few cells of it and moves
//     them against the rest of the run. Measuring in rounds cut the cells
//     flagged between back-to-back runs from 11-17% to 1-3% (README) by
//     spreading such spells over five visits; DriftLocal takes what is
//     left of them out, which DriftRound cannot, as long as a spell fell
//     on fewer than half of a cell's rounds (a cell's own median is its
//     reference; a spell on more is a shift of that cell, and the
//     threshold judges it).
//   - Between runs. Compare estimates the drift between the runs as a
//     Shift per time metric, the median over the codec cells of NEW's
//     median over BASE's,
//     and with Options.Normalize (the default) judges each cell relative
//     to it: what regresses is a cell that moved against the rest of the
//     run. The memcpy row, bound by memory rather than by the CPU, is left
//     out of the shift and never counted. A change that slows every cell
//     alike is indistinguishable from the machine by this means; it
//     counts as a regression of the whole run when Go, libzstd or a module
//     version changed between the runs, and is reported as the machine's
//     otherwise.
//
// Runs written before rounds were recorded have their rounds read from the
// sample index and the run's rounds setting (sample i of n in round
// i·rounds/n, which is where the runner takes it when -count decides the
// samples); a results.txt has no rounds and is read the same way. The
// rounds of merged parts are numbered apart (results.Merge), so that a
// round always names samples taken together. Pairing round i of BASE with
// round i of NEW would pair samples taken minutes or days apart: it is not
// done.
//
// # Decision rule
//
// A metric regresses when p < Alpha and the adjusted medians are worse by
// more than Threshold. Each cell is tested on its own, three statistical
// metrics per cell, so about Alpha/2 of unchanged metrics come out
// significantly worse by chance; the threshold keeps those from counting
// unless the medians also moved clearly, and the drift taken out keeps the
// medians from moving for the machine's reasons. The rule used to require
// also that the two medians' intervals not overlap (Options.Disjoint).
// With 8 or 10 samples a side those order-statistic intervals run from the
// second-lowest to the second-highest sample, so on a drifting machine
// they held nearly every sample and the rule went deaf: a cell 25% slower
// at p = 0.005 was not flagged. The drift taken out now does the work the
// intervals did, without the deafness. scripts/power.sh measures both
// sides of the rule on a machine: the share of injected slowdowns of 5%,
// 10% and 20% caught, and the share of untouched cells flagged, for any
// set of compare flags; scripts/aa.sh the false alarms alone.
//
// To separate a real change that slows every cell from the machine,
// interleave the two builds instead (scripts/ab.sh runs them in alternating
// rounds and pools each side with results.Merge, each part's rounds its
// own). The README gives the false-alarm and power figures measured on the
// project's machine.
package compare
