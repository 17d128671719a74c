package plots

import (
	"fmt"
	"strconv"
	"strings"

	"zbench/evidence"
)

// versionsBlocks are the blocks of the determinism answer that show digest
// stability across versions (zbench determinism -versions): a sub-heading,
// the versions tried, the table of upgrades (a step a failed build could
// not compare names the build and its error) and the builds, folded. The answer's method, folded after
// them, says how the builds were made (evidence appends it). None when the
// determinism matrix has no across-versions part.
func versionsBlocks(ds *evidence.DeterminismSummary) []Block {
	if ds == nil || ds.AcrossVersions == nil {
		return nil
	}
	vs := ds.AcrossVersions
	blocks := []Block{
		{Subheading: "Digests across versions"},
		{Text: "Versions tried, in upgrade order, each axis varied alone while the others stay at their first value: " + strings.Join(vs.Axes, "; ") +
			". Each layer is encoded once per build; a step to the next version keeps the bytes (same) or writes other bytes, so another digest " +
			"(the change in compressed size). How the encoders were built is under Method below."},
	}
	if len(vs.Rows) > 0 {
		blocks = append(blocks, Block{Table: versionsTable(ds)})
	}
	if len(vs.Builds) > 0 {
		blocks = append(blocks, Block{Fold: "Builds", Text: strings.Join(vs.Builds, "; ") + "."})
	}
	return blocks
}

// versionsTable has one row per upgrade of a codec at a level and one
// column per layer: "same", or the change in compressed size in bytes and
// percent (the bytes, so the digest, changed), or "failed" with the error.
func versionsTable(ds *evidence.DeterminismSummary) *Table {
	vs := ds.AcrossVersions
	t := &Table{ID: "evidence-determinism-versions",
		Caption: "Digests across versions: same bytes after each upgrade, or the change in compressed size (new bytes, so a new digest)",
		Columns: []Column{{Title: "upgrade"}, {Title: "codec"}, {Title: "level"}}}
	var inputs []string
	col := map[string]int{}
	addInput := func(name string) {
		if _, ok := col[name]; !ok {
			col[name] = len(inputs)
			inputs = append(inputs, name)
		}
	}
	raw := map[string]int64{}
	if m := ds.Matrix; m != nil && m.AcrossVersions != nil {
		for _, in := range m.AcrossVersions.Inputs {
			addInput(in.Name)
			raw[in.Name] = in.RawBytes
		}
	}
	for _, r := range vs.Rows {
		for _, in := range r.Inputs {
			addInput(in.Input)
		}
	}
	for _, name := range inputs {
		c := Column{Title: name, Num: true}
		if raw[name] > 0 {
			c.Unit = mbText(raw[name]) + " MB of tar"
		}
		t.Columns = append(t.Columns, c)
	}
	for _, r := range vs.Rows {
		cells := make([]TableCell, len(inputs))
		for i := range cells {
			cells[i] = TableCell{Text: "–"}
		}
		for _, in := range r.Inputs {
			cells[col[in.Input]] = versionCell(in)
		}
		row := Row{Cells: append([]TableCell{{Text: r.Upgrade()}, {Text: r.Codec}, {Text: r.Level}}, cells...)}
		if r.Changed {
			row.Class = "differs"
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// versionCell is one layer's outcome of one upgrade.
func versionCell(in evidence.VersionInput) TableCell {
	switch {
	case in.Err != "":
		return TableCell{Text: "failed", Sub: in.Err, Class: "fail"}
	case in.Same:
		return TableCell{Text: "same", Class: "ok"}
	}
	return TableCell{Text: signedBytes(in.Delta), Sub: fmt.Sprintf("%s%%", signedPct(in.DeltaPct))}
}

// signedBytes is a size change with its sign and thousands separators:
// "+511,326 B", "−436 B", "±0 B" (other bytes, the same size).
func signedBytes(n int64) string {
	sign := "+"
	switch {
	case n < 0:
		sign, n = "−", -n
	case n == 0:
		sign = "±"
	}
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return sign + s + " B"
}

// signedPct is a percentage with its sign, two decimals or three under
// 0.1%: "+1.70", "−0.001".
func signedPct(v float64) string {
	prec := 2
	if v > -0.1 && v < 0.1 {
		prec = 3
	}
	s := strconv.FormatFloat(v, 'f', prec, 64)
	if strings.HasPrefix(s, "-") {
		return "−" + s[1:]
	}
	return "+" + s
}
