package compare

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/perf/benchmath"
	"golang.org/x/perf/benchunit"

	"zbench/results"
)

var (
	// ErrDifferentCorpus means the two runs measured different bytes under
	// the same layer name (different digests, diffIDs or sizes), or have no
	// cell in common. Their numbers say nothing about a change in the
	// codecs; compare runs of the same pinned corpus.
	ErrDifferentCorpus = errors.New("the runs measured different corpora")
	// ErrIncompatible means the runs come from different machines (goos,
	// goarch, cpu, cores, gomaxprocs): their numbers are not comparable.
	// Options.AllowEnv compares them anyway.
	ErrIncompatible = results.ErrIncompatible
)

// Directions in which a metric improves.
const (
	HigherIsBetter = "higher"
	LowerIsBetter  = "lower"
)

// A Metric is one measured unit and how it compares.
type Metric struct {
	Unit   string
	Better string // HigherIsBetter or LowerIsBetter
	// Exact metrics are the same on every sample of a cell (sizes); they
	// compare by equality, without statistics.
	Exact bool
}

// Metrics are the units Compare looks at, in the order it reports them.
// ns/op is left out (it is MB/s turned over) and so is allocs/op (B/op
// says more).
var Metrics = []Metric{
	{Unit: "MB/s", Better: HigherIsBetter},
	{Unit: results.UnitCPUSecPerGB, Better: LowerIsBetter},
	{Unit: "B/op", Better: LowerIsBetter},
	{Unit: results.UnitCompressedB, Better: LowerIsBetter, Exact: true},
	{Unit: results.UnitRatio, Better: HigherIsBetter, Exact: true},
}

// DefaultGate lists the statistical metrics whose significant worsening
// counts as a regression by default.
var DefaultGate = []string{"MB/s", results.UnitCPUSecPerGB, "B/op"}

// Options say when a change counts.
type Options struct {
	// Alpha is the significance level of the Mann-Whitney U test: a change
	// is significant when p < Alpha. Zero means 0.05.
	Alpha float64
	// Threshold is the least relative worsening of the medians that counts
	// as a regression (0.05 is 5%), on top of significance.
	Threshold float64
	// Confidence is the level of the intervals around medians. Zero means
	// 0.95.
	Confidence float64
	// Gate lists the statistical metrics (units) that can regress; others
	// are reported only. Nil means DefaultGate.
	Gate []string
	// AllowSizeChange reports size changes without counting them as
	// regressions.
	AllowSizeChange bool
	// AllowEnv compares runs from different machines, reporting the
	// differences as warnings instead of failing with ErrIncompatible.
	AllowEnv bool
	// Disjoint also requires a significant change to move the median out
	// of reach of the other side's: the two medians' confidence intervals
	// must not overlap. Off by default: with 8 or 10 samples those
	// intervals span nearly every sample (the 2nd to the 9th of 10), so on
	// a drifting machine it kept a 25% slowdown at p = 0.005 from counting.
	// With fewer samples than an interval needs, p alone decides.
	Disjoint bool
	// Normalize judges each cell's time metrics (MB/s, cpu-sec/GB)
	// relative to the machine's shift between the runs (see Shift) rather
	// than to the raw figures. It needs MinShiftCells cells.
	Normalize bool
	// Drift takes the machine's drift within each run out of its time
	// metrics before anything else: DriftLocal (the default; "" means it),
	// DriftRound or DriftOff. See Drift.
	Drift string
	// Sensitivity is the slowdown every cell should be able to show: the
	// report counts the cells whose minimum detectable effect (MDE) is
	// larger. Zero means 0.10.
	Sensitivity float64
}

// DefaultOptions are the defaults of zbench compare: alpha 0.05, threshold
// 5%, 95% intervals, the drift within each run taken out around each
// sample (DriftLocal), the shift between the runs taken out, sensitivity
// 10%.
//
// The false alarms are kept down by the design of the measurement rather
// than by a stricter test. The samples of one round, and above all those
// of the cells measured one after the other in it, were taken at nearly
// the same moment: dividing each sample by the machine's speed at that
// moment, read from the neighbouring cells, takes out both what widened
// every cell's spread (a slow round) and what moved one cell against the
// others (a slow few seconds that fell on it); the shift takes out what
// moved every cell between the runs. What is left is each cell's own
// noise, which the U test and the threshold judge. Disjoint is off: see its
// note.
//
// Normalize is on by default because two runs of one binary on that
// machine, one after the other, differ by a factor of several percent in
// every cell: the machine's speed moved (README, "Comparing runs").
func DefaultOptions() Options {
	return Options{Alpha: 0.05, Threshold: 0.05, Confidence: 0.95, Normalize: true, Drift: DriftLocal, Sensitivity: 0.10}
}

func (o Options) withDefaults() Options {
	if o.Alpha <= 0 {
		o.Alpha = 0.05
	}
	if o.Confidence <= 0 {
		o.Confidence = 0.95
	}
	if o.Gate == nil {
		o.Gate = DefaultGate
	}
	if o.Drift == "" {
		o.Drift = DriftLocal
	}
	if o.Sensitivity <= 0 {
		o.Sensitivity = 0.10
	}
	return o
}

// Verdicts of a metric or a cell.
const (
	Same      = "same"      // exact metric unchanged
	Changed   = "changed"   // exact metric changed: different bytes, a different digest
	NoChange  = "~"         // no significant change
	Better    = "better"    // significantly better
	Worse     = "worse"     // significantly worse, by no more than the threshold (or not gated)
	Regressed = "REGRESSED" // significantly worse by more than the threshold
	Failed    = "FAILED"    // the cell failed in NEW and not in BASE
	Fixed     = "fixed"     // the cell failed in BASE and not in NEW
	BothFail  = "failed in both"
)

// A Report is the comparison of two runs.
type Report struct {
	Base    RunInfo `json:"base"`
	New     RunInfo `json:"new"`
	Options Options `json:"options"`
	// Method says in words how cells were compared.
	Method string `json:"method"`
	// Changes are the differences of build between the runs: Go, module
	// versions, zbench commit, libzstd. They are what a comparison is
	// usually about.
	Changes []EnvChange `json:"changes,omitempty"`
	// Other lists other configuration that differs: kernel, count, ….
	// With AllowEnv it also holds the machine differences.
	Other []EnvChange  `json:"other,omitempty"`
	Cells []CellResult `json:"cells"`
	// OnlyBase and OnlyNew name the cells found in one run only. They are
	// listed, not failures: a run may measure more or fewer codecs.
	OnlyBase []string `json:"only_base,omitempty"`
	OnlyNew  []string `json:"only_new,omitempty"`
	// Shifts are the machine's speed in NEW against BASE, per time metric:
	// the median change across cells (see Shift).
	Shifts []Shift `json:"shifts,omitempty"`
	// Drifts say how the machine's drift within each run was taken out,
	// per side and time metric (Options.Drift).
	Drifts []Drift `json:"drifts,omitempty"`
	// Blind names the cells whose minimum detectable effect (CellResult.MDE)
	// is larger than Options.Sensitivity, or that no slowdown could have
	// made regress: a "no regression" says nothing about changes of that
	// size in them. Failed cells and memcpy are not counted.
	Blind []string `json:"blind"`
	// Regressions names the cells that regressed, in report order, and
	// last a shift of the whole run that regressed (Shift.Name).
	Regressions []string `json:"regressions"`
	Warnings    []string `json:"warnings,omitempty"`
}

// RunInfo describes one side of a comparison.
type RunInfo struct {
	Path   string    `json:"path"`
	Start  time.Time `json:"start,omitzero"`
	Go     string    `json:"go,omitempty"`
	Commit string    `json:"zbench_commit,omitempty"`
	Cells  int       `json:"cells"`
}

// An EnvChange is one configuration key whose value differs.
type EnvChange struct {
	Key  string `json:"key"`
	Base string `json:"base"`
	New  string `json:"new"`
}

func (c EnvChange) String() string {
	return fmt.Sprintf("%s %s → %s", c.Key, orNone(c.Base), orNone(c.New))
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// A CellResult compares one cell present in both runs.
type CellResult struct {
	Cell    string          `json:"cell"` // the benchmark name without -GOMAXPROCS
	Key     results.CellKey `json:"key"`
	Metrics []MetricResult  `json:"metrics,omitempty"`
	BaseErr string          `json:"base_error,omitempty"`
	NewErr  string          `json:"new_error,omitempty"`
	// Verdict is the cell's worst: FAILED, REGRESSED, changed, worse,
	// better, ~, or fixed.
	Verdict   string `json:"verdict"`
	Regressed bool   `json:"regressed"`
	// MDE is the minimum detectable effect: the least slowdown of the cell
	// (its time per pass times 1+MDE) that a gated time metric would have
	// flagged, at the noise and sample counts of these two runs (see
	// MetricResult.MDE). Null when no slowdown could have been flagged (too
	// few samples, time metrics not gated, memcpy, a failed cell).
	MDE Num `json:"mde"`
}

// A MetricResult compares one metric of one cell.
type MetricResult struct {
	Unit   string  `json:"unit"`
	Better string  `json:"better"`
	Exact  bool    `json:"exact,omitempty"`
	Base   Summary `json:"base"`
	New    Summary `json:"new"`
	// Delta is new/base − 1 of the medians: +0.05 is 5% more. With a
	// machine shift applied, NEW's median is divided by Shift first, and
	// RawDelta is the change before that.
	Delta    Num     `json:"delta"`
	RawDelta Num     `json:"raw_delta"`
	Shift    float64 `json:"shift,omitempty"`
	// P is the Mann-Whitney U test's p-value; null for exact metrics.
	P Num `json:"p"`
	// MDE is the minimum detectable effect, as a delta of this metric: the
	// smallest worsening (negative for MB/s, positive for cpu-sec/GB and
	// B/op) that the decision rule would have flagged had NEW's samples,
	// as adjusted for the test, sat that far from BASE's median with the
	// spread they have. Null when no change could have been flagged or the
	// metric is not gated; absent for exact metrics.
	MDE       *Num     `json:"mde,omitempty"`
	Verdict   string   `json:"verdict"`
	Regressed bool     `json:"regressed"`
	Note      string   `json:"note,omitempty"`
	Warnings  []string `json:"warnings,omitempty"`
}

// A Summary is the median of a cell's samples and its confidence
// interval (infinite, null in JSON, when there are too few samples).
type Summary struct {
	Median     Num       `json:"median"`
	Lo         Num       `json:"lo"`
	Hi         Num       `json:"hi"`
	Confidence float64   `json:"confidence,omitempty"`
	N          int       `json:"n"`
	Values     []float64 `json:"values,omitempty"`
}

// Num is a float64 that is null in JSON when it is not finite.
type Num float64

// MarshalJSON writes n, or null for NaN and infinities.
func (n Num) MarshalJSON() ([]byte, error) {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, f, 'g', -1, 64), nil
}

// UnmarshalJSON reads a number, or null as NaN.
func (n *Num) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*n = Num(math.NaN())
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	*n = Num(f)
	return err
}

// Regressed reports whether any cell regressed.
func (r *Report) Regressed() bool { return len(r.Regressions) > 0 }

// Summarize returns the median of vals and its confidence interval at the
// given level (0.95 for 95%), as benchstat computes them
// (benchmath.AssumeNothing).
func Summarize(vals []float64, confidence float64) (Summary, []error) {
	sum := results.BenchmathSummary(vals, confidence)
	return Summary{Median: Num(sum.Center), Lo: Num(sum.Lo), Hi: Num(sum.Hi), Confidence: sum.Confidence, N: len(vals)}, sum.Warnings
}

// Test compares two samples with the Mann-Whitney U test
// (benchmath.AssumeNothing) and returns its p-value. Samples that are all
// equal give p = 1 without a warning.
func Test(base, new []float64, alpha float64) (p float64, warnings []error) {
	thr := benchmath.Thresholds{CompareAlpha: alpha}
	cmp := benchmath.AssumeNothing.Compare(benchmath.NewSample(slices.Clone(base), &thr), benchmath.NewSample(slices.Clone(new), &thr))
	for _, w := range cmp.Warnings {
		if w.Error() != "all samples are equal" {
			warnings = append(warnings, w)
		}
	}
	return cmp.P, warnings
}

// Compare compares NEW with BASE, cell by cell (see the package
// documentation for the method). It fails with ErrIncompatible when the
// runs come from different machines (unless opt.AllowEnv) and with
// ErrDifferentCorpus when they measured different layers under the same
// name or have no cell in common. Cells in one run only are listed in
// Report.Only and are not failures.
func Compare(base, new *Run, opt Options) (*Report, error) {
	opt = opt.withDefaults()
	rep := &Report{
		Base:    info(base),
		New:     info(new),
		Options: opt,
		Method:  method(opt),
	}
	for _, w := range append(slices.Clone(base.Warnings), new.Warnings...) {
		rep.Warnings = append(rep.Warnings, w.Error())
	}
	if err := compareEnv(rep, base, new, opt); err != nil {
		return nil, err
	}
	if err := CheckCorpus(base, new); err != nil {
		return nil, err
	}

	var common []results.CellKey
	for _, c := range base.Cells {
		k := c.Key
		if new.Cell(k) != nil {
			common = append(common, k)
		} else {
			rep.OnlyBase = append(rep.OnlyBase, k.String())
		}
	}
	for _, c := range new.Cells {
		k := c.Key
		if base.Cell(k) == nil {
			rep.OnlyNew = append(rep.OnlyNew, k.String())
		}
	}
	if len(common) == 0 {
		return nil, fmt.Errorf("%w: %s and %s have no cell in common (%d and %d cells)",
			ErrDifferentCorpus, base.Path, new.Path, len(base.Cells), len(new.Cells))
	}

	// Encoders whose output changed size: the decode cells reading that
	// output inherit the change, which is reported once, on the encode cell.
	changedEnc := map[encID]bool{}
	for _, k := range common {
		if k.Op == results.OpEncode && sizeChanged(base.Cell(k), new.Cell(k)) {
			changedEnc[encID{k.Layer, k.Codec, k.Level}] = true
		}
	}
	// The samples the tests see: each run's drift within itself taken out.
	vb := view{base, map[string]map[results.CellKey][]float64{}}
	vn := view{new, map[string]map[results.CellKey][]float64{}}
	if opt.Drift != DriftOff {
		for _, u := range ShiftUnits {
			var d Drift
			vb.adj[u], d = detrend(base, u, opt.Drift, "base")
			rep.Drifts = append(rep.Drifts, d)
			vn.adj[u], d = detrend(new, u, opt.Drift, "new")
			rep.Drifts = append(rep.Drifts, d)
		}
	}
	rep.Shifts = shifts(vb, vn, common, opt, buildChanges(rep.Changes))
	rep.Blind = []string{}
	for _, k := range common {
		cr := compareCell(sides{base.Cell(k), new.Cell(k), vb, vn}, opt, changedEnc, rep.Shifts)
		rep.Cells = append(rep.Cells, cr)
		if cr.Regressed {
			rep.Regressions = append(rep.Regressions, cr.Cell)
		}
		if blind(cr, opt) {
			rep.Blind = append(rep.Blind, cr.Cell)
		}
	}
	for _, s := range rep.Shifts {
		if s.Regressed {
			rep.Regressions = append(rep.Regressions, s.Name())
		}
	}
	if rep.Regressions == nil {
		rep.Regressions = []string{}
	}
	return rep, nil
}

type encID struct{ layer, codec, level string }

func info(r *Run) RunInfo {
	ri := RunInfo{Path: r.Path, Go: r.Config[results.KeyGo], Commit: r.Config[results.KeyCommit], Cells: len(r.Cells)}
	if r.Env != nil {
		ri.Start = r.Env.Start
	}
	return ri
}

func method(o Options) string {
	disjoint := ""
	if o.Disjoint {
		disjoint = " and the intervals do not overlap"
	}
	gate := "a size change counts as a regression"
	if o.AllowSizeChange {
		gate = "size changes are reported, not counted"
	}
	norm := ""
	switch o.Drift {
	case DriftRound:
		norm += fmt.Sprintf("; %s samples are first divided by their round's machine speed (the median over codec cells of their samples in that round relative to their medians)", strings.Join(ShiftUnits, " and "))
	case DriftLocal:
		norm += fmt.Sprintf("; %s samples are first divided by the machine speed around them (the median over the %d codec cells measured nearest in their round of their samples relative to their medians)", strings.Join(ShiftUnits, " and "), DriftWindow)
	}
	if o.Normalize {
		norm += fmt.Sprintf("; %s are judged relative to the machine's shift between the runs (the median change across cells, "+
			"from %d cells on), and a shift of the whole run counts only when Go, libzstd or a module changed", strings.Join(ShiftUnits, " and "), MinShiftCells)
	}
	return fmt.Sprintf("medians with %.0f%% confidence intervals; two-sided Mann-Whitney U test (x/perf benchmath.AssumeNothing); "+
		"a cell regresses when %s is significantly worse (p < %g%s) by more than %s%s; compressed-B and ratio compare exactly, and %s; "+
		"a cell's MDE is the least slowdown this rule would have flagged at its noise and sample counts",
		o.Confidence*100, strings.Join(o.Gate, ", "), o.Alpha, disjoint, pct(o.Threshold), norm, gate)
}

func pct(f float64) string {
	return strconv.FormatFloat(f*100, 'f', -1, 64) + "%"
}

// Kinds of configuration key, as results.KindOf defines them: a machine
// key that differs makes the runs incompatible; build keys are the
// changes a comparison is about; system keys (os, kernel, governor) and
// the rest are listed as other differences.
func machineKey(k string) bool { return results.KindOf(k) == results.KindMachine }

func buildKey(k string) bool { return results.KindOf(k) == results.KindBuild }

// ignoredKey lists keys that differ between runs of one comparison by
// construction.
func ignoredKey(k string) bool { return k == "shard" || k == "parts" }

// EnvChanges lists the configuration keys whose values differ between a
// and b, sorted: machine keys, then build keys (go, modules, …), then the
// rest.
func EnvChanges(a, b map[string]string) []EnvChange {
	var out []EnvChange
	keys := slices.Collect(maps.Keys(a))
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	rank := func(k string) int {
		switch {
		case machineKey(k):
			return 0
		case buildKey(k):
			return 1
		}
		return 2
	}
	slices.SortFunc(keys, func(x, y string) int {
		if d := rank(x) - rank(y); d != 0 {
			return d
		}
		return strings.Compare(x, y)
	})
	for _, k := range keys {
		if a[k] != b[k] && !ignoredKey(k) {
			out = append(out, EnvChange{Key: k, Base: a[k], New: b[k]})
		}
	}
	return out
}

func compareEnv(rep *Report, base, new *Run, opt Options) error {
	var machine []string
	for _, c := range EnvChanges(base.Config, new.Config) {
		switch {
		case machineKey(c.Key):
			machine = append(machine, c.String())
			rep.Other = append(rep.Other, c)
		case buildKey(c.Key):
			rep.Changes = append(rep.Changes, c)
		default:
			rep.Other = append(rep.Other, c)
		}
	}
	if len(machine) == 0 {
		return nil
	}
	if !opt.AllowEnv {
		return &IncompatibleError{Changes: machine}
	}
	rep.Warnings = append(rep.Warnings, fmt.Sprintf("the runs come from different machines (%s): differences may be the machine's, not the code's", strings.Join(machine, ", ")))
	return nil
}

// An IncompatibleError is Compare's error for runs of different machines
// (see results.KindMachine); Options.AllowEnv compares them anyway. It is
// an ErrIncompatible. Changes says how they differ: `goarch amd64 → arm64`.
type IncompatibleError struct{ Changes []string }

func (e *IncompatibleError) Error() string {
	return fmt.Sprintf("%v: %s; numbers from different machines do not compare", ErrIncompatible, strings.Join(e.Changes, ", "))
}

func (e *IncompatibleError) Unwrap() error { return ErrIncompatible }

// layerID is what a run says about one layer.
type layerID struct {
	digest, diffID string
	raw            float64
	rawInexact     bool
	blob           map[string]float64 // decode-original compressed-B by format: the published blob's size
}

func layers(r *Run) map[string]*layerID {
	out := map[string]*layerID{}
	for _, c := range r.Cells {
		k := c.Key
		l := out[k.Layer]
		if l == nil {
			l = &layerID{blob: map[string]float64{}}
			out[k.Layer] = l
		}
		if l.digest == "" {
			l.digest = c.LayerDigest
		}
		if l.diffID == "" {
			l.diffID = c.DiffID
		}
		if c.RawBytes > 0 && (l.raw == 0 || l.rawInexact && !c.RawInexact) {
			l.raw, l.rawInexact = float64(c.RawBytes), c.RawInexact
		}
		if k.Op == results.OpDecodeOriginal {
			if v := c.Values[results.UnitCompressedB]; len(v) > 0 {
				l.blob[k.From] = v[0]
			}
		}
	}
	return out
}

// Comparable reports whether Compare can compare the two runs: the same
// machine (unless allowEnv), the same bytes under every layer name they
// share, and at least one cell in common. Its errors are Compare's.
func Comparable(base, new *Run, allowEnv bool) error {
	if err := compareEnv(&Report{}, base, new, Options{AllowEnv: allowEnv}); err != nil {
		return err
	}
	if err := CheckCorpus(base, new); err != nil {
		return err
	}
	for _, c := range base.Cells {
		if new.Cell(c.Key) != nil {
			return nil
		}
	}
	return fmt.Errorf("%w: %s and %s have no cell in common", ErrDifferentCorpus, base.Path, new.Path)
}

// CheckCorpus fails with ErrDifferentCorpus when a layer name stands for
// different bytes in the two runs: a different digest or diffID, or (for
// results files, which have no digests) a different tar or blob size.
func CheckCorpus(base, new *Run) error {
	lb, ln := layers(base), layers(new)
	var diffs []string
	for _, name := range slices.Sorted(maps.Keys(lb)) {
		b, n := lb[name], ln[name]
		if n == nil {
			continue
		}
		switch {
		case b.digest != "" && n.digest != "" && b.digest != n.digest:
			diffs = append(diffs, fmt.Sprintf("layer %q is %s in BASE and %s in NEW", name, b.digest, n.digest))
		case b.diffID != "" && n.diffID != "" && b.diffID != n.diffID:
			diffs = append(diffs, fmt.Sprintf("layer %q has diffID %s in BASE and %s in NEW", name, b.diffID, n.diffID))
		case b.raw > 0 && n.raw > 0 && !sameSize(b.raw, n.raw, b.rawInexact || n.rawInexact):
			diffs = append(diffs, fmt.Sprintf("layer %q is %.0f bytes of tar in BASE and %.0f in NEW", name, b.raw, n.raw))
		default:
			for _, f := range slices.Sorted(maps.Keys(b.blob)) {
				if nb, ok := n.blob[f]; ok && nb != b.blob[f] {
					diffs = append(diffs, fmt.Sprintf("layer %q is published as %.0f bytes of %s in BASE and %.0f in NEW", name, b.blob[f], f, nb))
					break
				}
			}
		}
	}
	if len(diffs) > 0 {
		return fmt.Errorf("%w: %s; compare runs of the same pinned corpus", ErrDifferentCorpus, strings.Join(diffs, "; "))
	}
	return nil
}

// sameSize compares layer sizes; sizes recovered from results.txt carry 6
// significant digits.
func sameSize(a, b float64, inexact bool) bool {
	if !inexact {
		return a == b
	}
	return math.Abs(a-b) <= 1e-5*math.Max(a, b)
}

func sizeChanged(b, n *Cell) bool {
	vb, vn := b.Values[results.UnitCompressedB], n.Values[results.UnitCompressedB]
	return len(vb) > 0 && len(vn) > 0 && results.Median(vb) != results.Median(vn)
}

// rank orders cell verdicts from worst to best.
var rank = map[string]int{Failed: 0, Regressed: 1, Changed: 2, BothFail: 3, Worse: 4, Better: 5, Fixed: 6, NoChange: 7, Same: 8}

// sides are one cell's samples in both runs: as measured, and adjusted for
// the tests (the drift within each run taken out).
type sides struct {
	b, n   *Cell
	vb, vn view
}

func compareCell(c sides, opt Options, changedEnc map[encID]bool, ss []Shift) CellResult {
	b, n := c.b, c.n
	cr := CellResult{Cell: b.Key.String(), Key: b.Key, BaseErr: b.Err, NewErr: n.Err, Verdict: Same, MDE: Num(math.NaN())}
	switch {
	case b.Err != "" && n.Err != "":
		cr.Verdict = BothFail
		return cr
	case n.Err != "":
		cr.Verdict, cr.Regressed = Failed, true
		return cr
	case b.Err != "":
		cr.Verdict = Fixed
		return cr
	}
	inherited := b.Key.Op == results.OpDecode && changedEnc[encID{b.Key.Layer, b.Key.From, b.Key.Level}]
	for _, m := range Metrics {
		vb, vn := b.Values[m.Unit], n.Values[m.Unit]
		if len(vb) == 0 || len(vn) == 0 {
			continue
		}
		var mr MetricResult
		if m.Exact {
			if b.Key.Op == results.OpDecodeOriginal {
				continue // the published blob: checkCorpus compared it
			}
			mr = compareExact(m, vb, vn, opt, inherited)
		} else {
			mr = compareStat(m, vb, vn, c.vb.values(b.Key, m.Unit), c.vn.values(b.Key, m.Unit), opt, shiftOf(ss, m.Unit))
			if b.Key.Op == results.OpMemcpy {
				mr.MDE = nil
				if mr.Regressed {
					mr.Verdict, mr.Regressed = Worse, false
					mr.Note = "the memcpy row is the machine's memory, not a codec: reported, never counted"
				}
			}
			if mr.MDE != nil && slices.Contains(ShiftUnits, m.Unit) {
				if s := slowdown(m, float64(*mr.MDE)); !math.IsNaN(s) && (math.IsNaN(float64(cr.MDE)) || s < float64(cr.MDE)) {
					cr.MDE = Num(s)
				}
			}
		}
		cr.Metrics = append(cr.Metrics, mr)
		cr.Regressed = cr.Regressed || mr.Regressed
		if rank[mr.Verdict] < rank[cr.Verdict] {
			cr.Verdict = mr.Verdict
		}
	}
	return cr
}

func compareExact(m Metric, vb, vn []float64, opt Options, inherited bool) MetricResult {
	mr := MetricResult{Unit: m.Unit, Better: m.Better, Exact: true, P: Num(math.NaN()),
		Base: exactSummary(vb), New: exactSummary(vn)}
	mr.Delta = Num(delta(float64(mr.Base.Median), float64(mr.New.Median)))
	mr.RawDelta = mr.Delta
	for _, s := range [][]float64{vb, vn} {
		if slices.Min(s) != slices.Max(s) {
			mr.Warnings = append(mr.Warnings, fmt.Sprintf("%s varies between samples of one run (%v): it should not", m.Unit, s))
		}
	}
	if mr.Base.Median == mr.New.Median {
		mr.Verdict = Same
		return mr
	}
	mr.Verdict = Changed
	switch {
	case inherited:
		mr.Note = "the encoder's output changed; counted on its encode cell"
	case opt.AllowSizeChange:
		mr.Note = "size changes allowed"
	default:
		mr.Regressed = true
		mr.Note = "different bytes, so a different digest"
	}
	return mr
}

func exactSummary(v []float64) Summary {
	m := results.Median(v)
	return Summary{Median: Num(m), Lo: Num(m), Hi: Num(m), N: len(v)}
}

// compareStat compares a statistical metric: vb and vn as measured, tb and
// tn as adjusted for the test (the drift within each run taken out; the
// same as vb and vn for other metrics). With a shift other than 1, tn is
// divided by it before the test and the delta: the cell is judged relative
// to the rest of the run.
func compareStat(m Metric, vb, vn, tb, tn []float64, opt Options, shift float64) MetricResult {
	mr := MetricResult{Unit: m.Unit, Better: m.Better}
	var warns []error
	var w []error
	mr.Base, w = Summarize(vb, opt.Confidence)
	warns = append(warns, w...)
	mr.New, w = Summarize(vn, opt.Confidence)
	warns = append(warns, w...)
	mr.Base.Values, mr.New.Values = slices.Clone(vb), slices.Clone(vn)
	if len(tb) != len(vb) || len(tn) != len(vn) {
		tb, tn = vb, vn
	}
	adj := tn
	if shift != 1 {
		adj = make([]float64, len(tn))
		for i, v := range tn {
			adj[i] = v / shift
		}
		mr.Shift = shift
	}
	p, w := Test(tb, adj, opt.Alpha)
	warns = append(warns, w...)
	mr.P = Num(p)
	for _, w := range warns {
		if s := w.Error(); !slices.Contains(mr.Warnings, s) {
			mr.Warnings = append(mr.Warnings, s)
		}
	}
	mr.RawDelta = Num(delta(float64(mr.Base.Median), float64(mr.New.Median)))
	d := delta(results.Median(tb), results.Median(adj))
	mr.Delta = Num(d)
	j := judge(m, tb, adj, p, opt)
	if j.note != "" {
		mr.Note = j.note
	}
	switch {
	case !j.significant:
		mr.Verdict = NoChange
	case !j.worse:
		mr.Verdict = Better
	case j.beyond && slices.Contains(opt.Gate, m.Unit):
		mr.Verdict, mr.Regressed = Regressed, true
	default:
		mr.Verdict = Worse
	}
	if slices.Contains(opt.Gate, m.Unit) {
		e := Num(mde(m, tb, adj, opt))
		mr.MDE = &e
	}
	return mr
}

// A judgement is the decision rule applied to one metric's two samples.
type judgement struct {
	significant bool // p < alpha (and, with Disjoint, the intervals apart)
	worse       bool // the medians moved the metric's worse way
	beyond      bool // by more than the threshold
	note        string
}

// judge applies the decision rule to BASE's samples tb and NEW's adj, as
// the test sees them, whose U test gave p: a metric regresses when p <
// Alpha, NEW's median is worse than BASE's by more than Threshold, and,
// with Disjoint, the two medians' intervals do not overlap.
func judge(m Metric, tb, adj []float64, p float64, opt Options) judgement {
	d := delta(results.Median(tb), results.Median(adj))
	j := judgement{
		significant: p < opt.Alpha,
		worse:       m.Better == HigherIsBetter && d < 0 || m.Better == LowerIsBetter && d > 0,
		beyond:      math.Abs(d) > opt.Threshold,
	}
	if j.significant && opt.Disjoint {
		b, _ := Summarize(tb, opt.Confidence)
		n, _ := Summarize(adj, opt.Confidence)
		switch {
		case math.IsInf(float64(b.Lo), 0) || math.IsInf(float64(b.Hi), 0) || math.IsInf(float64(n.Lo), 0) || math.IsInf(float64(n.Hi), 0):
			j.note = "too few samples for intervals: judged by p alone"
		case n.Lo <= b.Hi && b.Lo <= n.Hi:
			j.significant = false
			j.note = "significant, but the intervals overlap (-disjoint)"
		}
	}
	return j
}

// delta is n/b − 1; ±Inf when b is 0 and n is not, 0 when both are.
func delta(b, n float64) float64 {
	if b == 0 {
		switch {
		case n == 0:
			return 0
		case n > 0:
			return math.Inf(1)
		default:
			return math.Inf(-1)
		}
	}
	return n/b - 1
}

// scale formats v for people in unit u, with a binary prefix for byte
// counts per op.
func scale(v float64, u string) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "?"
	}
	switch {
	case v == 0:
		return "0"
	case u == "B/op":
		return benchunit.Scale(v, benchunit.Binary)
	case u == results.UnitCompressedB:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case u == results.UnitRatio:
		return strconv.FormatFloat(v, 'g', 6, 64)
	}
	if math.Abs(v) >= 1000 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}
