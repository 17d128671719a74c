package evidence

import (
	"fmt"
	"sort"
	"strings"

	"zbench/results"
)

// DeterminismSummary answers from a determinism matrix (zbench determinism)
// whether the same input gives the same bytes.
type DeterminismSummary struct {
	Source string `json:"source,omitempty"` // the matrix file
	// Settings is how many codec × option × level settings were tried,
	// and Deterministic how many wrote the same bytes on every repeat,
	// at every GOMAXPROCS and for both ways of writing.
	Settings      int `json:"settings"`
	Deterministic int `json:"deterministic"`
	// NotDeterministic names the others and what changed their bytes.
	NotDeterministic []string `json:"not_deterministic,omitempty"`
	// OptionsChangeBytes names the concurrency or framing options that
	// made a codec write other bytes than it does as measured, by codec.
	OptionsChangeBytes []string `json:"options_change_bytes,omitempty"`
	// OptionsKeepBytes names those that did not.
	OptionsKeepBytes []string `json:"options_keep_bytes,omitempty"`
	// Comparisons is how many format × level × input comparisons of
	// implementations were made; SameAcrossImplementations lists the
	// groups of different codecs that wrote identical bytes.
	Comparisons               int      `json:"comparisons"`
	SameAcrossImplementations []string `json:"same_across_implementations,omitempty"`
	Inputs                    []string `json:"inputs"`
	Versions                  []string `json:"versions"`
	Method                    string   `json:"method"`
	// AcrossVersions, when the matrix has it, answers which upgrade of
	// Go, klauspost/compress or libzstd changes which codec's bytes.
	AcrossVersions *VersionsSummary `json:"across_versions,omitempty"`
	// Matrix is the matrix itself, without its per-encode digests.
	Matrix *results.DeterminismMatrix `json:"matrix"`
}

func summarizeDeterminism(m *results.DeterminismMatrix) *DeterminismSummary {
	if m == nil {
		return nil
	}
	s := &DeterminismSummary{Method: m.Method}
	for _, in := range m.Inputs {
		s.Inputs = append(s.Inputs, in.Name)
	}
	for k, v := range m.Versions {
		s.Versions = append(s.Versions, k+" "+v)
	}
	sort.Strings(s.Versions)
	changes := map[string][]string{} // option name → levels where bytes changed
	keeps := map[string][]string{}
	var optOrder []string
	for _, st := range m.Settings {
		s.Settings++
		if st.Deterministic() {
			s.Deterministic++
		} else {
			var why []string
			switch {
			case st.Err != "":
				why = append(why, "failed: "+st.Err)
			default:
				if !st.Repeatable {
					why = append(why, "differs between repeats")
				}
				if !st.SameAcrossGOMAXPROCS {
					why = append(why, "differs with GOMAXPROCS")
				}
				if !st.SameAcrossWrites {
					why = append(why, fmt.Sprintf("differs with %d-byte writes", m.WriteSize))
				}
			}
			s.NotDeterministic = append(s.NotDeterministic, fmt.Sprintf("%s level %s: %s", st.Name(), st.Level, strings.Join(why, ", ")))
		}
		if st.SameAsCodec != nil {
			name := st.Name()
			if _, ok := changes[name]; !ok {
				if _, ok := keeps[name]; !ok {
					optOrder = append(optOrder, name)
				}
			}
			if *st.SameAsCodec {
				keeps[name] = append(keeps[name], st.Level)
			} else {
				changes[name] = append(changes[name], st.Level)
			}
		}
	}
	for _, name := range optOrder {
		if ls := changes[name]; len(ls) > 0 {
			s.OptionsChangeBytes = append(s.OptionsChangeBytes, fmt.Sprintf("%s (level %s)", name, strings.Join(ls, ", ")))
		}
		if ls := keeps[name]; len(ls) > 0 {
			s.OptionsKeepBytes = append(s.OptionsKeepBytes, fmt.Sprintf("%s (level %s)", name, strings.Join(ls, ", ")))
		}
	}
	for _, c := range m.Across {
		s.Comparisons++
		for _, g := range c.Groups {
			codecs := map[string]bool{}
			for _, name := range g {
				codecs[codecOf(name)] = true
			}
			if len(codecs) > 1 {
				s.SameAcrossImplementations = append(s.SameAcrossImplementations,
					fmt.Sprintf("%s level %d on %s: %s", c.Format, c.Level, c.Input, strings.Join(g, " = ")))
			}
		}
	}
	s.AcrossVersions = summarizeVersions(m.AcrossVersions)
	mc := *m
	mc.Encodes = nil
	if m.AcrossVersions != nil {
		vc := *m.AcrossVersions
		vc.Encodes = nil
		mc.AcrossVersions = &vc
	}
	s.Matrix = &mc
	return s
}

// codecOf is the codec of an encoder named as a Comparison names it:
// "zstd-cli [--single-thread]@3" → "zstd-cli".
func codecOf(name string) string {
	name, _, _ = strings.Cut(name, "@")
	name, _, _ = strings.Cut(name, " [")
	return name
}
