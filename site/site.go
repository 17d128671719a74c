package site

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"zbench/compare"
	"zbench/history"
	"zbench/results"
)

// ReportFile is the name of a night's report in its run directory of the
// store: scripts/nightly.sh copies `zbench report`'s page there.
const ReportFile = "report.html"

// ReportsDir is the directory of OUT that the nights' reports are copied to.
const ReportsDir = "reports"

// Options shape the site.
type Options struct {
	Title string // default "zbench nightly"
	// Steps is what counts as a step (history.DefaultStepOptions when zero).
	Steps history.StepOptions
}

// A Site is what the pages show, built from a store by Build.
type Site struct {
	Title    string
	Machines []*Machine // by architecture, then the newest night first
	Nights   []*Night   // every night of every machine, newest first
}

// A Machine is one machine's nights, cells and steps.
type Machine struct {
	Name   string // history.Entry.Machine
	Arch   string // goos/goarch
	Slug   string // its directory under OUT
	Nights []*Night
	Steps  []history.Step
	Codecs []*Codec
	Cells  []*Cell
}

// A Codec groups the cells of one codec (the encoder, or the decoder of a
// decode cell) for the small multiples.
type Codec struct {
	Name  string
	Cells []*Cell
}

// A Cell is one cell's series on one machine.
type Cell struct {
	Key    results.CellKey
	Name   string // CellKey.String()
	Title  string // a short title: "encode zstd-klauspost default"
	Slug   string // its page's file name, without .html
	Series []history.Series
	Steps  []CellStep
}

// A CellStep is a step of one of a cell's metrics, with its night.
type CellStep struct {
	history.CellStep
	Night   *Night
	Changes []compare.EnvChange
}

// A Night is one run of the store.
type Night struct {
	history.Entry
	Arch        string
	MachineSlug string
	// Index is the night's position among its machine's nights.
	Index int
	// Changes are the versions (Go, modules, libzstd) that differ from the
	// machine's night before; the zbench commit is in Entry.Commit.
	Changes []compare.EnvChange
	// Stepped is how many cells' metrics stepped on this night.
	Stepped int
	// Report is the night's report, relative to OUT ("" when the store
	// holds none); reportSrc is its file in the store.
	Report    string
	reportSrc string
}

// Build reads every machine's history from st and finds its steps.
func Build(st *history.Store, opt Options) (*Site, error) {
	if opt.Title == "" {
		opt.Title = "zbench nightly"
	}
	if opt.Steps.Window == 0 && opt.Steps.Alpha == 0 && opt.Steps.Threshold == 0 && opt.Steps.Units == nil {
		opt.Steps = history.DefaultStepOptions()
	}
	s := &Site{Title: opt.Title}
	slugs := map[string]bool{}
	for _, name := range st.Machines() {
		h, err := st.Load(name)
		if err != nil {
			return nil, err
		}
		m, err := buildMachine(st, h, opt)
		if err != nil {
			return nil, err
		}
		if slugs[m.Slug] {
			return nil, fmt.Errorf("two machines named %s", m.Slug)
		}
		slugs[m.Slug] = true
		s.Machines = append(s.Machines, m)
		s.Nights = append(s.Nights, m.Nights...)
	}
	// Machines: by architecture, then the one measured last first.
	slices.SortStableFunc(s.Machines, func(a, b *Machine) int {
		return cmp.Or(strings.Compare(a.Arch, b.Arch), last(b).Start.Compare(last(a).Start))
	})
	slices.SortStableFunc(s.Nights, func(a, b *Night) int {
		return cmp.Or(b.Start.Compare(a.Start), strings.Compare(a.Name, b.Name))
	})
	return s, nil
}

func last(m *Machine) *Night { return m.Nights[len(m.Nights)-1] }

func buildMachine(st *history.Store, h *history.History, opt Options) (*Machine, error) {
	if len(h.Runs) == 0 {
		return nil, fmt.Errorf("machine %q has no runs", h.Machine)
	}
	cfg := h.Runs[len(h.Runs)-1].Config
	m := &Machine{Name: h.Machine, Arch: cfg["goos"] + "/" + cfg["goarch"]}
	m.Slug = slug(cfg["goarch"], h.Machine)
	for i, e := range h.Entries {
		n := &Night{Entry: e, Arch: m.Arch, MachineSlug: m.Slug, Index: i}
		if i > 0 {
			n.Changes = versionChanges(h.Runs[i-1].Config, h.Runs[i].Config)
		}
		if src := filepath.Join(st.Path(e), ReportFile); fileExists(src) {
			n.reportSrc = src
			n.Report = ReportsDir + "/" + e.Name + ".html"
		}
		m.Nights = append(m.Nights, n)
	}
	m.Steps = h.Steps(opt.Steps)
	byKey := map[results.CellKey]*Cell{}
	cellSlugs := map[string]bool{}
	for _, se := range h.Series() {
		c := byKey[se.Cell]
		if c == nil {
			c = &Cell{Key: se.Cell, Name: se.Name, Title: cellTitle(se.Cell), Slug: slug(se.Name, se.Name)}
			if cellSlugs[c.Slug] {
				return nil, fmt.Errorf("two cells named %s", c.Slug)
			}
			cellSlugs[c.Slug] = true
			byKey[se.Cell] = c
			m.Cells = append(m.Cells, c)
		}
		c.Series = append(c.Series, se)
	}
	for _, step := range m.Steps {
		n := m.Nights[step.Index]
		for _, cs := range step.Cells {
			n.Stepped++
			if c := byKey[cs.Key]; c != nil {
				c.Steps = append(c.Steps, CellStep{CellStep: cs, Night: n, Changes: n.Changes})
			}
		}
	}
	codecs := map[string]*Codec{}
	for _, c := range m.Cells {
		name := cmp.Or(c.Key.Codec, c.Key.Op)
		g := codecs[name]
		if g == nil {
			g = &Codec{Name: name}
			codecs[name] = g
			m.Codecs = append(m.Codecs, g)
		}
		g.Cells = append(g.Cells, c)
	}
	slices.SortStableFunc(m.Codecs, func(a, b *Codec) int {
		return cmp.Or(cmp.Compare(codecRank(a.Name), codecRank(b.Name)), strings.Compare(a.Name, b.Name))
	})
	return m, nil
}

// codecRank puts gzip codecs first, then zstd, then the rest (memcpy).
func codecRank(name string) int {
	switch {
	case strings.HasPrefix(name, "gzip"):
		return 0
	case strings.HasPrefix(name, "zstd"):
		return 1
	}
	return 2
}

// versionChanges lists the build versions that differ between two nights:
// Go, modules and libzstd (not the zbench commit, which changes nightly).
func versionChanges(a, b map[string]string) []compare.EnvChange {
	var out []compare.EnvChange
	for _, c := range compare.EnvChanges(a, b) {
		if c.Key == "go" || c.Key == results.ExtraLibzstd || strings.HasPrefix(c.Key, "mod-") {
			out = append(out, c)
		}
	}
	return out
}

// ChangeText says what changed in few words: "klauspost/compress v1.20.4 →
// v1.21.0", "Go go1.26.0 → go1.26.1".
func ChangeText(c compare.EnvChange) string {
	k := c.Key
	switch {
	case k == "go":
		k = "Go"
	case strings.HasPrefix(k, "mod-"):
		k = strings.TrimPrefix(strings.TrimPrefix(k, "mod-"), "github.com/")
	}
	return fmt.Sprintf("%s %s → %s", k, orNone(c.Base), orNone(c.New))
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// cellTitle names a cell briefly, as a chart title.
func cellTitle(k results.CellKey) string {
	parts := []string{k.Op, k.Codec}
	if k.From != "" {
		parts = append(parts, "of "+k.From)
	}
	if k.Level != "" {
		parts = append(parts, k.Level)
	}
	if k.Threads > 1 {
		parts = append(parts, fmt.Sprintf("%d threads", k.Threads))
	}
	parts = append(parts, "· "+k.Layer)
	return strings.Join(slices.DeleteFunc(parts, func(s string) bool { return s == "" }), " ")
}

// slug makes a file name from s: lowercase letters, digits and '-', at
// most 60 of them, and 8 hex digits of the hash of key so that names that
// read alike stay apart.
func slug(s, key string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 60 {
			break
		}
	}
	sum := sha256.Sum256([]byte(key))
	return strings.TrimSuffix(b.String(), "-") + "-" + hex.EncodeToString(sum[:4])
}

// DeltaText formats a step's change: "−20.0%", or bytes for exact metrics.
func DeltaText(cs history.CellStep) string {
	if cs.Unit == results.UnitCompressedB {
		return fmt.Sprintf("%+.0f B", cs.After-cs.Before)
	}
	d := float64(cs.Delta) * 100
	if math.IsNaN(d) {
		return "–"
	}
	return strings.Replace(fmt.Sprintf("%+.1f%%", d), "-", "−", 1)
}

// MainUnit is the metric of the small multiples.
const MainUnit = "MB/s"

var errNoRuns = errors.New("the history store has no runs")

// dateOf formats a night's start.
func dateOf(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") }
