package plots

import (
	"strconv"
)

// The CSV tables written beside the report: one row per corpus-wide
// setting, and one per cell.

// summaryCSV is every corpus-wide aggregate, one row each, with full
// precision: what summary.csv holds.
func (b *builder) summaryCSV() *Table {
	t := &Table{ID: "summary"}
	t.Columns = []Column{{Title: "run"}, {Title: "op"}, {Title: "codec"}, {Title: "from"}, {Title: "level"}, {Title: "threads"},
		{Title: "layers"}, {Title: "raw", Unit: "bytes"}, {Title: "compressed", Unit: "bytes"}, {Title: "ratio"},
		{Title: "throughput", Unit: "MB/s"}, {Title: "cpu", Unit: "s/GB"}, {Title: "verified"}, {Title: "pareto"}}
	for _, rd := range b.d.Runs {
		for _, a := range rd.Corpus {
			t.Rows = append(t.Rows, Row{Cells: []TableCell{{Text: csvSafe(rd.Label)}, {Text: a.Op}, {Text: csvSafe(a.Codec)}, {Text: csvSafe(a.From)},
				{Text: csvSafe(a.Level)}, {Text: strconv.Itoa(a.Threads)}, {Text: strconv.Itoa(a.Layers)},
				{Text: strconv.FormatInt(a.RawBytes, 10)}, {Text: strconv.FormatInt(a.CompressedBytes, 10)},
				numCell(a.Ratio()), statCell(a.MBps), statCell(a.CPU), {Text: strconv.FormatBool(a.Verified)}, {Text: strconv.FormatBool(a.Pareto)}}})
		}
	}
	return t
}

// cellsCSV is every cell of every run, one row each: what cells.csv holds.
func (b *builder) cellsCSV() *Table {
	t := &Table{ID: "cells"}
	t.Columns = []Column{{Title: "run"}, {Title: "layer"}, {Title: "op"}, {Title: "codec"}, {Title: "from"}, {Title: "level"}, {Title: "threads"},
		{Title: "samples"}, {Title: "raw", Unit: "bytes"}, {Title: "compressed", Unit: "bytes"}, {Title: "ratio"},
		{Title: "throughput", Unit: "MB/s"}, {Title: "cpu", Unit: "s/GB"}, {Title: "heap", Unit: "bytes/pass"}, {Title: "verified"}, {Title: "error"}}
	for _, rd := range b.d.Runs {
		for _, c := range rd.Cells {
			t.Rows = append(t.Rows, Row{Cells: []TableCell{{Text: csvSafe(rd.Label)}, {Text: csvSafe(c.Layer)}, {Text: c.Op}, {Text: csvSafe(c.Codec)},
				{Text: csvSafe(c.From)}, {Text: csvSafe(c.Level)}, {Text: strconv.Itoa(c.Threads)}, {Text: strconv.Itoa(c.MBps.N)},
				{Text: strconv.FormatInt(c.RawBytes, 10)}, {Text: strconv.FormatInt(c.CompressedBytes, 10)}, numCell(c.Ratio()),
				statCell(c.MBps), statCell(c.CPU), {Text: strconv.FormatFloat(c.AllocBytes, 'f', 0, 64)},
				{Text: strconv.FormatBool(c.Verified)}, {Text: csvSafe(c.Err)}}})
		}
	}
	return t
}
