package evidence

import (
	"fmt"
	"strings"

	"zbench/results"
)

// VersionsSummary answers from a determinism matrix's across-versions part
// (zbench determinism -versions) which upgrade changes the bytes, and so the
// digest, of which codec at which level, and by how many bytes.
type VersionsSummary struct {
	// Axes are the versions tried, "go: go1.26.8 → go1.27.4".
	Axes []string `json:"axes"`
	// Builds say what each build reports, or why it failed.
	Builds []string `json:"builds"`
	// FailedBuilds are those of Builds that failed: "ID: error".
	FailedBuilds []string `json:"failed_builds,omitempty"`
	// Rows are the steps by axis, codec and level, over the inputs.
	Rows []VersionRow `json:"rows"`
	// Changed counts the rows whose bytes changed on some input, Same
	// those that stayed the same on every input, Failed the others.
	Changed int    `json:"changed"`
	Same    int    `json:"same"`
	Failed  int    `json:"failed"`
	Method  string `json:"method"`
}

// A VersionRow is one upgrade of one codec at one level.
type VersionRow struct {
	Axis  string `json:"axis"`
	From  string `json:"from"`
	To    string `json:"to"`
	Codec string `json:"codec"`
	Level string `json:"level"`
	// Changed: the bytes changed on at least one input.
	Changed bool           `json:"changed"`
	Inputs  []VersionInput `json:"inputs"`
	// Err is the first failure among the inputs.
	Err string `json:"error,omitempty"`
}

// A VersionInput is one input of a VersionRow.
type VersionInput struct {
	Input     string `json:"input"`
	Same      bool   `json:"same"`
	FromBytes int64  `json:"from_bytes,omitempty"`
	ToBytes   int64  `json:"to_bytes,omitempty"`
	// Delta is ToBytes - FromBytes; DeltaPct is it in percent of
	// FromBytes.
	Delta    int64   `json:"delta"`
	DeltaPct float64 `json:"delta_pct"`
	Err      string  `json:"error,omitempty"`
}

// String is the delta for people: "-1,234 B (-0.05%)", "same".
func (in VersionInput) String() string {
	switch {
	case in.Err != "":
		return "failed"
	case in.Same:
		return "same"
	}
	return fmt.Sprintf("%+d B (%+.3f%%)", in.Delta, in.DeltaPct)
}

func summarizeVersions(m *results.VersionMatrix) *VersionsSummary {
	if m == nil {
		return nil
	}
	s := &VersionsSummary{Method: m.Method}
	for _, ax := range m.Axes {
		s.Axes = append(s.Axes, ax.Name+": "+strings.Join(ax.Values, " → "))
	}
	for _, b := range m.Builds {
		if b.Err != "" {
			first, _, _ := strings.Cut(b.Err, "\n")
			s.Builds = append(s.Builds, b.ID+": failed: "+first)
			s.FailedBuilds = append(s.FailedBuilds, b.ID+": "+first)
			continue
		}
		var rep []string
		for _, k := range []string{"go", "klauspost", "datadog", "libzstd"} {
			if v := b.Reported[k]; v != "" {
				rep = append(rep, k+" "+v)
			}
		}
		s.Builds = append(s.Builds, b.ID+": "+strings.Join(rep, ", "))
	}
	type key struct{ axis, from, to, codec, level string }
	idx := map[key]int{}
	for _, st := range m.Steps {
		k := key{st.Axis, st.From, st.To, st.Codec, st.Level}
		i, ok := idx[k]
		if !ok {
			i = len(s.Rows)
			idx[k] = i
			s.Rows = append(s.Rows, VersionRow{Axis: st.Axis, From: st.From, To: st.To, Codec: st.Codec, Level: st.Level})
		}
		r := &s.Rows[i]
		in := VersionInput{Input: st.Input, Same: st.Same, FromBytes: st.FromBytes, ToBytes: st.ToBytes, Delta: st.Delta(), Err: st.Err}
		if st.Err == "" && st.FromBytes > 0 {
			in.DeltaPct = 100 * float64(in.Delta) / float64(st.FromBytes)
		}
		switch {
		case st.Err != "":
			if r.Err == "" {
				r.Err = st.Input + ": " + st.Err
			}
		case !st.Same:
			r.Changed = true
		}
		r.Inputs = append(r.Inputs, in)
	}
	for _, r := range s.Rows {
		switch {
		case r.Changed:
			s.Changed++
		case r.Err != "":
			s.Failed++
		default:
			s.Same++
		}
	}
	return s
}

// Upgrade names a row's upgrade: "klauspost v1.19.2 → v1.20.4".
func (r VersionRow) Upgrade() string { return r.Axis + " " + r.From + " → " + r.To }

// Sentences say the summary for people: how many upgrades of a codec at a
// level changed the bytes, which, and which builds failed.
func (s *VersionsSummary) Sentences() []string {
	total := s.Changed + s.Same + s.Failed
	out := []string{fmt.Sprintf("Across versions (%s; each axis varied alone, the others at their first value): "+
		"%d of %d upgrades of a codec at a level changed the bytes, so the digest, on at least one layer; %d kept them on every layer; %d could not be compared.",
		strings.Join(s.Axes, "; "), s.Changed, total, s.Same, s.Failed)}
	type group struct {
		upgrade string
		codecs  []string
		levels  map[string][]string
	}
	var groups []*group
	for _, r := range s.Rows {
		if !r.Changed {
			continue
		}
		u := r.Upgrade()
		if len(groups) == 0 || groups[len(groups)-1].upgrade != u {
			groups = append(groups, &group{upgrade: u, levels: map[string][]string{}})
		}
		g := groups[len(groups)-1]
		if _, ok := g.levels[r.Codec]; !ok {
			g.codecs = append(g.codecs, r.Codec)
		}
		g.levels[r.Codec] = append(g.levels[r.Codec], r.Level)
	}
	if len(groups) > 0 {
		var parts []string
		for _, g := range groups {
			var cs []string
			for _, c := range g.codecs {
				cs = append(cs, c+" "+strings.Join(g.levels[c], ", "))
			}
			parts = append(parts, g.upgrade+": "+strings.Join(cs, "; "))
		}
		out = append(out, "Bytes changed with "+strings.Join(parts, "; with ")+".")
	}
	if len(s.FailedBuilds) > 0 {
		out = append(out, "Builds that failed: "+strings.Join(s.FailedBuilds, "; ")+".")
	}
	return out
}
