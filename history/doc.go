// Package history keeps nightly runs and finds the nights on which
// something changed.
//
// # The store
//
// A Store is a directory that the nightly job appends to:
//
//	STORE/index.json                  every run: name, start, status, machine, base, regressions
//	STORE/runs/2026-01-02T030405Z/    the run directory, copied, with compare.json
//
// Each night (scripts/nightly.sh):
//
//  1. Store.LastGood finds the newest good run that tonight's run can be
//     compared with (same machine by results.KindOf's machine keys, same
//     corpus bytes, cells in common). Runs are read with results.ReadRun
//     (through compare.Load); the index is written with atomicfile.
//  2. compare.Compare compares them; `zbench compare` exits 1 on a
//     regression.
//  3. Store.Add copies tonight's run in, with its status (good, baseline
//     when there was nothing to compare with, regressed, incomparable)
//     and the comparison.
//
// A regressed night is never a base, so the next night is compared with
// the last good one again: a regression stays red until it is fixed, or
// until Store.SetStatus marks a run good to accept its numbers (an
// intended size change, say).
//
// # Reading the history (for charts)
//
//	st, err := history.Open(dir)
//	h, err := st.Load("")              // the newest run's machine; runs of other machines are left out
//	series := h.Series()               // []Series: one per cell and metric, a Point per night
//	steps := h.Steps(history.DefaultStepOptions())
//
// A Point holds the night's median with its 95% confidence interval, every
// sample, the run's status and the layer digest. A Step names the night,
// the cells that stepped there (before and after medians, change, p-value,
// whether it is tentative), and the configuration that changed that night
// (Go, module versions, zbench commit, libzstd). A chart draws each Series
// and marks each Step's night, labelled with its Changes. See Steps for
// the method.
package history
