// Package site writes the nightly trend site: static, self-contained HTML
// pages made from a history store (package history).
//
//	OUT/index.html                   every night, newest first, of every machine
//	OUT/<machine>/index.html         one machine: its steps, and small multiples
//	                                 of every cell's throughput, grouped by codec
//	OUT/<machine>/<cell>.html        one cell: a trend chart per metric, its nights
//	OUT/reports/<night>.html         each night's report, copied from the store
//
// Machines (Store.Machines: goos/goarch, CPU, cores) are kept apart: each has
// its pages, and its charts hold its nights only. The index groups them by
// architecture.
//
// A trend chart (plots.TrendChart) draws, night by night, the median with its
// 95% interval; a solid vertical line marks each step that History.Steps
// found in that cell and metric (red when worse, green when better), labelled
// with the change and the versions that changed that night; a dashed grey
// line marks a night on which Go, a module or libzstd changed without a step.
//
// The nightly job (scripts/nightly.sh) copies each night's report into the
// night's run directory as ReportFile; Write copies it into OUT/reports/, so
// that OUT can be published alone.
//
// Like the report, the pages hold no script and load nothing: charts are
// inline SVG, the stylesheet is inline, and a Content-Security-Policy
// forbids every request. Every string from a run is escaped by html/template.
package site
