// Package plots draws the charts of zbench runs and writes the HTML report.
//
// It reads run directories through package results only; nothing that
// measures imports it. A report is made in four steps:
//
//  1. LoadRuns reads each run directory with results.ReadRun (or Label
//     labels runs already read, so that the command reads each run once
//     for the charts and the evidence).
//  2. Summarize turns the cells into Data: per cell the median and 95%
//     confidence interval of throughput and CPU (results.Summarize, with
//     golang.org/x/perf/benchmath), and per setting the whole-corpus
//     Aggregate, each layer weighted by its bytes, with the Pareto front of
//     ratio against encode throughput marked.
//  3. The Data methods Tradeoff, Decode, CPU, Levels, Interop and Compare
//     return what each chart or comparison is drawn from: plain values,
//     covered by golden tests. TradeoffChart, DecodeChart, CPUChart,
//     LevelChart and InteropChart draw them with gonum plot and return a
//     *plot.Plot (or an error wrapping ErrNoData); WriteSVG and WritePNG
//     write one to an io.Writer.
//  4. Build lays the charts and tables out as a Report: charts first, then
//     tables, then the method and the environment. Report.WriteHTML writes
//     one self-contained page; Report.WriteFiles writes each chart as SVG
//     and PNG and the tables as CSV. build.go holds Build; sections.go
//     one method per section; format.go the formatting of numbers;
//     csv.go the CSV tables. Comparisons between runs (Data.Compare) test
//     with compare.Test, the U test zbench compare uses.
//
// # Units
//
// Throughput is uncompressed bytes per second of wall time in MB/s, MB =
// 10^6 bytes; ratio is uncompressed over compressed size; CPU is user plus
// system seconds per GB (10^9 bytes) of uncompressed data. Every axis and
// column says its unit.
//
// # Adding a section
//
// Sections are values: build a *Section (paragraphs, figures, tables) from
// the Data and insert it with Report.AddSection before SectionSummary, so
// that every chart comes before the tables. The evidence for the image-spec
// discussion is meant to go there.
//
// # Safety
//
// The page holds no script and declares a Content-Security-Policy that
// forbids every request, so it opens offline and nothing in it can reach
// out. Every string that came from a run (layer names, errors, paths,
// labels) is escaped by html/template or, inside a chart, by gonum's SVG
// writer; inlineSVG refuses SVG with anything active in it.
package plots
