package plots

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"zbench/results"
)

// The formatting of figures in tables and sentences: numbers, sizes,
// percentages, intervals, labels and slugs.

func mbText(bytes int64) string { return formatNum(float64(bytes) / 1e6) }

func statCell(s Stat) TableCell {
	c := TableCell{Text: formatNum(s.Median), CSV: []string{fmtCSV(s.Median), "", ""}}
	if s.N == 0 {
		return TableCell{Text: "–", CSV: []string{"", "", ""}}
	}
	if s.CI {
		c.Sub = formatNum(s.Lo) + "–" + formatNum(s.Hi)
		c.CSV = []string{fmtCSV(s.Median), fmtCSV(s.Lo), fmtCSV(s.Hi)}
	}
	return c
}

func fmtCSV(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

func numCell(v float64) TableCell {
	if v == 0 {
		return TableCell{Text: "–", CSV: []string{""}}
	}
	return TableCell{Text: formatNum(v), CSV: []string{fmtCSV(v)}}
}

func pctCell(v float64, ok bool) TableCell {
	if !ok {
		return TableCell{Text: "–", CSV: []string{""}}
	}
	return TableCell{Text: fmt.Sprintf("%+.1f%%", v), CSV: []string{strconv.FormatFloat(v, 'f', 2, 64)}}
}

func runSentence(rd *RunData, multi bool) string {
	var raw int64
	formats := map[string]int{}
	for _, l := range rd.Layers {
		raw += l.RawBytes
		formats[cmp.Or(l.Format, "not read by any decoder")]++
	}
	_, pub, _ := rd.Published()
	var fs []string
	for _, f := range slices.SortedFunc(maps.Keys(formats), compareFormats) {
		fs = append(fs, fmt.Sprintf("%d %s", formats[f], f))
	}
	prefix := "This run"
	if multi {
		prefix = "Run " + rd.Label
	}
	s := fmt.Sprintf("%s measured %d layer(s), %s MB of tar in all", prefix, len(rd.Layers), mbText(raw))
	if pub > 0 {
		s += fmt.Sprintf(" (%s MB as published", mbText(pub))
		s += "; " + strings.Join(fs, ", ") + ")"
	} else {
		s += " (" + strings.Join(fs, ", ") + ")"
	}
	s += fmt.Sprintf(", in %d cells with %d to %d samples each", len(rd.Cells), rd.MinSamples, rd.MaxSamples)
	if n := len(rd.Failures); n > 0 {
		s += fmt.Sprintf("; %d failed", n)
	}
	s += ", on " + envLine(rd) + "."
	return s
}

func envLine(rd *RunData) string {
	e := rd.Env
	parts := []string{e.CPU}
	if e.Cores > 0 {
		parts = append(parts, fmt.Sprintf("%d cores", e.Cores))
	}
	if e.GOMAXPROCS > 0 {
		parts = append(parts, fmt.Sprintf("GOMAXPROCS %d", e.GOMAXPROCS))
	}
	if e.Go != "" {
		parts = append(parts, e.Go)
	}
	return strings.Join(slices.DeleteFunc(parts, func(s string) bool { return s == "" }), ", ")
}

// slug makes s fit a file name or an HTML id: lowercase letters, digits
// and '-'.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.TrimSuffix(b.String(), "-")
	if len(out) > 40 {
		out = strings.TrimSuffix(out[:40], "-")
	}
	return out
}

func verifiedCell(ok bool) TableCell {
	if ok {
		return TableCell{Text: "yes", Class: "ok"}
	}
	return TableCell{Text: "NO", Class: "fail"}
}

func opLabel(op string) string {
	switch op {
	case results.OpDecodeOriginal:
		return "decode published"
	}
	return op
}

func itoa(n int) string {
	if n <= 0 {
		return ""
	}
	return strconv.Itoa(n)
}
