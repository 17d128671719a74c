package evidence

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// An Answer is one question of the spec discussion with its answer from
// the measured corpus, ready for an html/template: plain strings and
// numbers, nothing to compute in the template.
type Answer struct {
	ID       string `json:"id"` // an HTML id: "pull-time"
	Question string `json:"question"`
	// Answer is the answer in a few sentences, with the numbers.
	Answer []string `json:"answer"`
	// Figures are the headline numbers of Answer, for charts or tables.
	Figures []Figure `json:"figures,omitempty"`
	// Layers are the layers the answer holds for; Images the images its
	// per-image figures hold for (none where it has none).
	Layers []string `json:"layers"`
	Images []string `json:"images,omitempty"`
	// Method says how the numbers were computed and measured.
	Method string `json:"method"`
	// Tables hold the supporting numbers.
	Tables []Table   `json:"tables,omitempty"`
	Notes  []string  `json:"notes,omitempty"`
	Empty  bool      `json:"empty,omitempty"` // nothing to answer with: Answer says why
	Source *Evidence `json:"-"`
}

// A Figure is one number of an answer.
type Figure struct {
	Label string  `json:"label"` // "gzip as published, 1 Gbit/s, overlapped"
	Value float64 `json:"value"`
	Unit  string  `json:"unit"` // "s", "%", "USD", "pulls", "ratio", "MB/s"
	Text  string  `json:"text"` // Value formatted with its unit
}

// A Table is a caption, a header row and rows of formatted cells.
type Table struct {
	Caption string     `json:"caption"`
	Header  []string   `json:"header"`
	Rows    [][]string `json:"rows"`
}

// Answers returns the evidence as one Answer per question, in the order
// the report shows them: size, pull time, recompression economics,
// publishing both, determinism, interop, levels; with client profiles, the
// pull time per client after pull time; with measured pulls (scripts/pull.sh)
// and a lazy-pull analysis (zbench lazy), their answers last.
func (e *Evidence) Answers() []Answer {
	as := []Answer{e.sizeAnswer(), e.pullAnswer(), e.economicsAnswer(), e.storageAnswer(),
		e.determinismAnswer(), e.interopAnswer(), e.levelsAnswer()}
	if len(e.Clients) > 0 {
		as = slices.Insert(as, 2, e.clientAnswer())
	}
	if e.Pipelines != nil {
		as = append(as, e.Pipelines.Answer())
	}
	if e.MeasuredPulls != nil {
		as = append(as, PullsAnswer(e.MeasuredPulls))
	}
	if e.Lazy != nil {
		as = append(as, LazyAnswer(e.Lazy))
	}
	for i := range as {
		as[i].Source = e
	}
	return as
}

func fig(label string, v float64, unit, text string) Figure {
	return Figure{Label: label, Value: v, Unit: unit, Text: text}
}

// sig formats v with n significant digits, without exponent for ordinary
// magnitudes.
func sig(v float64, n int) string {
	if v == 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	digits := n - 1 - int(math.Floor(math.Log10(math.Abs(v))))
	if digits < 0 {
		digits = 0
	}
	return strconv.FormatFloat(v, 'f', digits, 64)
}

func secs(v float64) string { return sig(v, 3) + " s" }

// stageSecs is secs for a stage of a pull: under a millisecond is "0 s"
// (a download at no rate limit).
func stageSecs(v float64) string {
	if math.Abs(v) < 5e-4 {
		return "0 s"
	}
	return secs(v)
}
func pct(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) + "%" }

// mb formats a byte count in decimal units: "49.90 MB", "96.0 kB".
func mb(n int64) string {
	v := math.Abs(float64(n))
	switch {
	case v >= 1e9:
		return sig(float64(n)/1e9, 4) + " GB"
	case v >= 1e6:
		return sig(float64(n)/1e6, 4) + " MB"
	case v >= 1e3:
		return sig(float64(n)/1e3, 3) + " kB"
	}
	return strconv.FormatInt(n, 10) + " B"
}

// usd formats dollars, small amounts in exponent form: "$0.0425", "$1.4e-06".
func usd(v float64) string {
	if v != 0 && math.Abs(v) < 0.001 {
		return "$" + strconv.FormatFloat(v, 'g', 2, 64)
	}
	return "$" + sig(v, 3)
}

// change is "−23.4%" for a ratio of 0.766, "+5.0%" for 1.05.
func change(ratio float64) string {
	d := (ratio - 1) * 100
	if d < 0 {
		return "−" + strconv.FormatFloat(-d, 'f', 1, 64) + "%"
	}
	return "+" + strconv.FormatFloat(d, 'f', 1, 64) + "%"
}

func pulls(p *float64) string {
	if p == nil {
		return "never"
	}
	if *p < 10 {
		return sig(*p, 2)
	}
	return strconv.FormatFloat(math.Ceil(*p), 'f', 0, 64)
}

// sizeAnswer: how much smaller are the recompressed layers than gzip as
// published.
func (e *Evidence) sizeAnswer() Answer {
	sz := e.Sizes
	a := Answer{ID: "size", Question: "How much smaller (or larger) is each recompression than the gzip layers as published, per layer?",
		Layers: sz.Layers, Method: sz.Method}
	if len(sz.Corpus) == 0 {
		a.Empty = true
		a.Answer = []string{"No encode cells over layers published as gzip: nothing to compare."}
		return a
	}
	best := sz.Corpus[0]
	for _, r := range sz.Corpus {
		if r.CompressedBytes < best.CompressedBytes {
			best = r
		}
	}
	a.Answer = append(a.Answer, fmt.Sprintf("Over %d layer(s), %s of tar published as %s of gzip, the smallest recompression is %s at %s (%s).",
		len(sz.Layers), mb(best.RawBytes), mb(best.PublishedBytes), best.Encoder, mb(best.CompressedBytes), change(best.VsPublished)))
	a.Figures = append(a.Figures, fig(best.Encoder.String()+" vs published", (best.VsPublished-1)*100, "%", change(best.VsPublished)))
	for _, r := range sz.Corpus {
		if isDefaultZstd(r.Encoder) {
			lo, hi := math.Inf(1), math.Inf(-1)
			for _, pl := range sz.PerLayer {
				if pl.Encoder == r.Encoder {
					lo, hi = math.Min(lo, pl.VsPublished), math.Max(hi, pl.VsPublished)
				}
			}
			a.Answer = append(a.Answer, fmt.Sprintf("%s (a default zstd level) gives %s (%s; per layer from %s to %s).",
				r.Encoder, mb(r.CompressedBytes), change(r.VsPublished), change(lo), change(hi)))
			a.Figures = append(a.Figures, fig(r.Encoder.String()+" vs published", (r.VsPublished-1)*100, "%", change(r.VsPublished)))
		}
	}
	t := Table{Caption: "Compressed size against gzip as published: the corpus, then each layer", Header: []string{"encoder", "corpus"}}
	t.Header = append(t.Header, sz.Layers...)
	for _, r := range sz.Corpus {
		row := []string{r.Encoder.String(), change(r.VsPublished)}
		for _, pl := range sz.PerLayer {
			if pl.Encoder == r.Encoder {
				row = append(row, change(pl.VsPublished))
			}
		}
		t.Rows = append(t.Rows, row)
	}
	a.Tables = append(a.Tables, t)
	return a
}

// isDefaultZstd reports whether e is a zstd library at its default level.
func isDefaultZstd(e Encoder) bool {
	return e.Codec == "zstd-klauspost" && e.Level == "default" || (e.Codec == "zstd-cgo" || e.Codec == "zstd-cli") && e.Level == "3"
}

func (e *Evidence) pullAnswer() Answer {
	pt := e.Pull
	a := Answer{ID: "pull-time", Layers: pt.Layers, Images: pt.Images, Method: pt.Method,
		Notes: slices.Concat(pt.Excluded, pt.ExcludedImages)}
	var bws []string
	for _, b := range e.Params.Bandwidths {
		bws = append(bws, b.String())
	}
	a.Question = fmt.Sprintf("How long does pulling the layers take at %s, per image and for the corpus, download and decode overlapped and not, gzip as published against each recompression?",
		strings.Join(bws, ", "))
	if len(pt.Corpus) == 0 {
		a.Empty = true
		a.Answer = []string{"No layer published as gzip with a decode-original cell of " + e.Params.Decoders["gzip"] + ": nothing to compute."}
		return a
	}
	byBW := map[string][]PullRow{}
	for _, r := range pt.Corpus {
		byBW[r.Bandwidth] = append(byBW[r.Bandwidth], r)
	}
	for _, bw := range bws {
		rows := byBW[bw]
		pub := rows[0]
		s := fmt.Sprintf("At %s, gzip as published takes %s overlapped (%s download, %s decode; %s sequential).",
			bw, secs(pub.OverlappedS), secs(pub.DownloadS), secs(pub.DecodeS), secs(pub.SequentialS))
		a.Figures = append(a.Figures, fig("gzip as published, "+bw+", overlapped", pub.OverlappedS, "s", secs(pub.OverlappedS)))
		if len(rows) > 1 {
			best := rows[1]
			for _, r := range rows[1:] {
				if r.OverlappedS < best.OverlappedS {
					best = r
				}
			}
			bound := "download-bound"
			if best.DecodeS > best.DownloadS {
				bound = "decode-bound"
			}
			s += fmt.Sprintf(" The fastest recompression to pull is %s: %s (%s, %s), %s sequential (%s).", best.Setting,
				secs(best.OverlappedS), change(best.VsPublished), bound, secs(best.SequentialS), change(best.VsPublishedSequential))
			a.Figures = append(a.Figures, fig(best.Setting+", "+bw+", overlapped", best.OverlappedS, "s", secs(best.OverlappedS)))
			s += pullPerImage(pt, bw, best.Setting)
		} else {
			s += pullPerImage(pt, bw, "")
		}
		a.Answer = append(a.Answer, s)
	}
	switch {
	case len(e.Images) == 0:
		a.Answer = append(a.Answer, noImages)
	case len(pt.Images) == 0:
		a.Answer = append(a.Answer, "No image has all its layers among these, so there are no per-image figures: see the notes.")
	}
	a.Tables = append(a.Tables, pullTable("Pull time of the corpus", nil, byBW, bws))
	if len(pt.PerImage) > 0 {
		byImage := map[string][]PullRow{}
		for _, r := range pt.PerImage {
			byImage[r.Bandwidth] = append(byImage[r.Bandwidth], r)
		}
		a.Tables = append(a.Tables, pullTable("Pull time per image", func(r PullRow) string { return r.Image }, byImage, bws))
	}
	return a
}

// pullTable tabulates pull rows, one row a setting (and image, when image
// names it) with a column a bandwidth: overlapped, its change against gzip
// as published, and sequential.
func pullTable(what string, image func(PullRow) string, byBW map[string][]PullRow, bws []string) Table {
	t := Table{Caption: what + ", overlapped (change against gzip as published) / sequential",
		Header: []string{"setting", "decoder", "compressed", "decode MB/s"}}
	if image != nil {
		t.Header = append([]string{"image"}, t.Header...)
	}
	t.Header = append(t.Header, bws...)
	for i, r0 := range byBW[bws[0]] {
		row := []string{r0.Setting, r0.Decoder, mb(r0.CompressedBytes), sig(r0.DecodeMBps, 4)}
		if image != nil {
			row = append([]string{image(r0)}, row...)
		}
		for _, bw := range bws {
			r := byBW[bw][i]
			cell := secs(r.OverlappedS)
			if r.Encoder != nil {
				cell += " (" + change(r.VsPublished) + ")"
			}
			row = append(row, cell+" / "+secs(r.SequentialS))
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// pullPerImage is the sentence of the per-image pull times at bandwidth
// bw: gzip as published, and setting (the fastest over the corpus) when
// not empty. It is empty when there are no per-image rows.
func pullPerImage(pt *PullTime, bw, setting string) string {
	var pub, set []PullRow
	for _, r := range pt.PerImage {
		switch {
		case r.Bandwidth != bw:
		case r.Encoder == nil:
			pub = append(pub, r)
		case r.Setting == setting:
			set = append(set, r)
		}
	}
	switch {
	case len(pub) == 0:
		return ""
	case len(pub) == 1:
		s := fmt.Sprintf(" For image %s, gzip as published takes %s overlapped (%s sequential)", pub[0].Image, secs(pub[0].OverlappedS), secs(pub[0].SequentialS))
		if len(set) == 1 {
			s += fmt.Sprintf(", %s %s (%s)", setting, secs(set[0].OverlappedS), change(set[0].VsPublished))
		}
		return s + "."
	}
	s := fmt.Sprintf(" Per image (%d), overlapped, gzip as published takes %s", len(pub),
		spread(pub, func(r PullRow) float64 { return r.OverlappedS }, func(r PullRow) string { return r.Image }, secs))
	if len(set) > 0 {
		s += fmt.Sprintf("; with %s the change is %s", setting,
			spread(set, func(r PullRow) float64 { return r.VsPublished }, func(r PullRow) string { return r.Image }, change))
	}
	return s + "."
}

// spread describes the range of v over rows: "from 1.2 s (a) to 3.4 s
// (b)", or "1.2 s for each" when they read the same.
func spread[R any](rows []R, v func(R) float64, name func(R) string, format func(float64) string) string {
	lo, hi := rows[0], rows[0]
	for _, r := range rows {
		if v(r) < v(lo) {
			lo = r
		}
		if v(r) > v(hi) {
			hi = r
		}
	}
	if format(v(lo)) == format(v(hi)) {
		return format(v(lo)) + " for each"
	}
	return fmt.Sprintf("from %s (%s) to %s (%s)", format(v(lo)), name(lo), format(v(hi)), name(hi))
}

func (e *Evidence) economicsAnswer() Answer {
	ec := e.Economics
	a := Answer{ID: "economics", Question: "Does converting gzip layers to zstd in a registry cost more CPU than the bandwidth it saves? " +
		"How many pulls pay for one conversion, per level?", Layers: ec.Layers, Method: ec.Method, Notes: ec.Excluded}
	var zstd []EconRow
	for _, r := range ec.Rows {
		if r.Encoder.Format == "zstd" {
			zstd = append(zstd, r)
		}
	}
	if len(zstd) == 0 {
		a.Empty = true
		a.Answer = []string{"No zstd encoder measured over layers published as gzip: nothing to compute."}
		return a
	}
	// The headline: the default zstd levels, or the first two measured.
	var head []EconRow
	for _, r := range zstd {
		if isDefaultZstd(r.Encoder) {
			head = append(head, r)
		}
	}
	if len(head) == 0 {
		head = zstd[:min(2, len(zstd))]
	}
	for _, r := range head {
		s := fmt.Sprintf("Converting to %s costs %s CPU seconds per GB of tar (%s to decode the gzip, %s to encode), %s for these layers (%s at $%s per vCPU-hour).",
			r.Encoder, sig(r.ConvertCPUSecPerGB, 3), sig(r.DecodeCPUSecPerGB, 3), sig(r.EncodeCPUSecPerGB, 3),
			secs(r.ConvertCPUSeconds), usd(r.ConvertUSD), sig(e.Params.VCPUHourUSD, 3))
		if r.SavedBytes > 0 {
			s += fmt.Sprintf(" Each pull then downloads %s less (%s), %s of egress at $%s/GB: the conversion is paid for after %s pull(s).",
				mb(r.SavedBytes), pct(r.SavedPct), usd(r.EgressSavedUSDPerPull), sig(e.Params.EgressGBUSD, 3), pulls(r.PullsToPayEgress))
		} else {
			s += fmt.Sprintf(" Each pull downloads %s more: it never pays in egress.", mb(-r.SavedBytes))
		}
		if r.PullsToPayCPU != nil {
			s += fmt.Sprintf(" Clients also spend %s less CPU decoding each pull, so in CPU alone the conversion is repaid after %s pull(s).",
				secs(r.ClientCPUSavedPerPull), pulls(r.PullsToPayCPU))
		}
		a.Answer = append(a.Answer, s)
		if r.PullsToPayEgress != nil {
			a.Figures = append(a.Figures, fig(r.Encoder.String()+": pulls to pay in egress", *r.PullsToPayEgress, "pulls", pulls(r.PullsToPayEgress)))
		}
		a.Figures = append(a.Figures, fig(r.Encoder.String()+": conversion CPU", r.ConvertCPUSecPerGB, "cpu-sec/GB", sig(r.ConvertCPUSecPerGB, 3)+" cpu-sec/GB"))
	}
	t := Table{Caption: "Converting the corpus from gzip as published, per encoder and level",
		Header: []string{"encoder", "saved per pull", "convert cpu-s/GB", "convert cost", "egress saved per pull", "pulls to pay (egress)",
			"client CPU saved per pull", "pulls to pay (CPU)"}}
	for _, r := range ec.Rows {
		t.Rows = append(t.Rows, []string{r.Encoder.String(), mb(r.SavedBytes) + " (" + pct(r.SavedPct) + ")", sig(r.ConvertCPUSecPerGB, 3),
			usd(r.ConvertUSD), usd(r.EgressSavedUSDPerPull), pulls(r.PullsToPayEgress), secs(r.ClientCPUSavedPerPull), pulls(r.PullsToPayCPU)})
	}
	a.Tables = append(a.Tables, t)
	return a
}

func (e *Evidence) storageAnswer() Answer {
	st := e.Storage
	a := Answer{ID: "publishing-both", Question: "What does publishing both gzip and zstd cost in storage, against gzip alone, per image?",
		Layers: st.Layers, Images: st.Images, Method: st.Method, Notes: st.ExcludedImages}
	if len(st.Corpus) == 0 {
		a.Empty = true
		a.Answer = []string{"No zstd encoder measured over layers published as gzip: nothing to compute."}
		return a
	}
	lo, hi := st.Corpus[0], st.Corpus[0]
	for _, r := range st.Corpus {
		if r.OverheadPct < lo.OverheadPct {
			lo = r
		}
		if r.OverheadPct > hi.OverheadPct {
			hi = r
		}
	}
	a.Answer = []string{fmt.Sprintf("Storing a zstd copy next to the %s of gzip adds %s (%s, %s) to %s (%s, %s).",
		mb(lo.PublishedBytes), pct(lo.OverheadPct), lo.Encoder, mb(lo.AddedBytes), pct(hi.OverheadPct), hi.Encoder, mb(hi.AddedBytes))}
	if lo.Encoder == hi.Encoder {
		a.Answer = []string{fmt.Sprintf("Storing a zstd copy next to the %s of gzip adds %s (%s, %s).",
			mb(lo.PublishedBytes), pct(lo.OverheadPct), lo.Encoder, mb(lo.AddedBytes))}
	}
	a.Figures = append(a.Figures, fig("least overhead ("+lo.Encoder.String()+")", lo.OverheadPct, "%", pct(lo.OverheadPct)),
		fig("most overhead ("+hi.Encoder.String()+")", hi.OverheadPct, "%", pct(hi.OverheadPct)))
	switch {
	case len(e.Images) == 0:
		a.Answer = append(a.Answer, noImages)
	case len(st.Images) == 0:
		a.Answer = append(a.Answer, "No image has all its layers among these, so there are no per-image figures: see the notes.")
	default:
		a.Answer = append(a.Answer, storagePerImage(st, lo.Encoder, hi.Encoder))
	}
	t := Table{Caption: "Storage of gzip as published plus each zstd encoder's output", Header: []string{"encoder", "gzip", "zstd added", "total", "overhead"}}
	for _, r := range st.Corpus {
		t.Rows = append(t.Rows, []string{r.Encoder.String(), mb(r.PublishedBytes), mb(r.AddedBytes), mb(r.TotalBytes), pct(r.OverheadPct)})
	}
	a.Tables = append(a.Tables, t)
	if len(st.PerImage) > 0 {
		it := Table{Caption: "Per image", Header: []string{"image", "encoder", "gzip", "zstd added", "total", "overhead"}}
		for _, r := range st.PerImage {
			it.Rows = append(it.Rows, []string{r.Image, r.Encoder.String(), mb(r.PublishedBytes), mb(r.AddedBytes), mb(r.TotalBytes), pct(r.OverheadPct)})
		}
		a.Tables = append(a.Tables, it)
	}
	pl := Table{Caption: "Per layer", Header: []string{"layer", "encoder", "gzip", "zstd added", "overhead"}}
	for _, r := range st.PerLayer {
		pl.Rows = append(pl.Rows, []string{r.Layer, r.Encoder.String(), mb(r.PublishedBytes), mb(r.AddedBytes), pct(r.OverheadPct)})
	}
	a.Tables = append(a.Tables, pl)
	return a
}

// storagePerImage is the sentence of the per-image storage overhead with
// the encoders of least and most overhead over the corpus.
func storagePerImage(st *Storage, lo, hi Encoder) string {
	rowsOf := func(e Encoder) []StorageRow {
		var rows []StorageRow
		for _, r := range st.PerImage {
			if r.Encoder == e {
				rows = append(rows, r)
			}
		}
		return rows
	}
	overhead := func(r StorageRow) float64 { return r.OverheadPct }
	image := func(r StorageRow) string { return r.Image }
	if len(st.Images) == 1 {
		l, h := rowsOf(lo)[0], rowsOf(hi)[0]
		s := fmt.Sprintf("For image %s (%s of gzip), the zstd copy adds %s with %s", l.Image, mb(l.PublishedBytes), pct(l.OverheadPct), lo)
		if hi != lo {
			s += fmt.Sprintf(" and %s with %s", pct(h.OverheadPct), hi)
		}
		return s + "."
	}
	s := fmt.Sprintf("Per image (%d), the zstd copy adds %s with %s", len(st.Images), spread(rowsOf(lo), overhead, image, pct), lo)
	if hi != lo {
		s += fmt.Sprintf(", and %s with %s", spread(rowsOf(hi), overhead, image, pct), hi)
	}
	return s + "."
}

func (e *Evidence) determinismAnswer() Answer {
	a := Answer{ID: "determinism", Question: "Does the same input give the same bytes (and so the same digest) across runs, " +
		"thread counts, concurrency options and implementations?"}
	ds := e.Determinism
	if ds == nil {
		a.Empty = true
		a.Answer = []string{"Not measured: run zbench determinism -o RUNDIR/determinism.json SOURCE... on the same layers, " +
			"then zbench evidence finds it in the run directory (or name it with -determinism FILE)."}
		a.Method = "See zbench determinism -h."
		return a
	}
	a.Layers = ds.Inputs
	a.Method = ds.Method + " Versions: " + strings.Join(ds.Versions, ", ") + "."
	m := ds.Matrix
	if vs := ds.AcrossVersions; vs != nil && ds.Settings == 0 && len(m.Across) == 0 {
		// zbench determinism -versions-only: nothing measured in process.
		for _, in := range m.AcrossVersions.Inputs {
			a.Layers = append(a.Layers, in.Name)
		}
		a.Method = vs.Method
		a.Answer = append([]string{"Repeats, GOMAXPROCS and write sizes were not measured (only versions)."}, vs.Sentences()...)
		a.Figures = append(a.Figures, versionsFigure(vs))
		return a
	}
	a.Answer = append(a.Answer, fmt.Sprintf("%d of %d encoder settings wrote the same bytes on every repeat, at GOMAXPROCS %s and in %d-byte writes.",
		ds.Deterministic, ds.Settings, joinInts(m.GOMAXPROCS, " and "), m.WriteSize))
	if len(ds.NotDeterministic) > 0 {
		a.Answer = append(a.Answer, "Not deterministic: "+strings.Join(ds.NotDeterministic, "; ")+".")
	}
	if len(ds.OptionsChangeBytes) > 0 {
		a.Answer = append(a.Answer, "Concurrency or framing options that change the bytes: "+strings.Join(ds.OptionsChangeBytes, "; ")+".")
	}
	if len(ds.OptionsKeepBytes) > 0 {
		a.Answer = append(a.Answer, "Options that keep them: "+strings.Join(ds.OptionsKeepBytes, "; ")+".")
	}
	if ds.Comparisons > 0 {
		if len(ds.SameAcrossImplementations) == 0 {
			a.Answer = append(a.Answer, fmt.Sprintf("Across implementations at matching levels (%d comparisons), no two codecs wrote the same bytes.", ds.Comparisons))
		} else {
			a.Answer = append(a.Answer, fmt.Sprintf("Across implementations at matching levels (%d comparisons), different codecs wrote the same bytes only here: %s.",
				ds.Comparisons, strings.Join(ds.SameAcrossImplementations, "; ")))
		}
	}
	if vs := ds.AcrossVersions; vs != nil {
		a.Answer = append(a.Answer, vs.Sentences()...)
		a.Method += " Across versions: " + vs.Method
	}
	a.Figures = append(a.Figures, fig("deterministic settings", float64(ds.Deterministic), "settings", fmt.Sprintf("%d of %d", ds.Deterministic, ds.Settings)))
	if vs := ds.AcrossVersions; vs != nil {
		a.Figures = append(a.Figures, versionsFigure(vs))
	}
	t := Table{Caption: "Same bytes? One row per encoder, option and level",
		Header: []string{"encoder", "level", "threads", "repeats", "GOMAXPROCS", "writes", "as the codec"}}
	same := func(b bool) string {
		if b {
			return "same"
		}
		return "differ"
	}
	for _, s := range m.Settings {
		as := ""
		if s.SameAsCodec != nil {
			as = same(*s.SameAsCodec)
		}
		if s.Err != "" {
			t.Rows = append(t.Rows, []string{s.Name(), s.Level, joinInts(s.Threads, ","), "failed: " + s.Err, "", "", as})
			continue
		}
		t.Rows = append(t.Rows, []string{s.Name(), s.Level, joinInts(s.Threads, ","), same(s.Repeatable), same(s.SameAcrossGOMAXPROCS), same(s.SameAcrossWrites), as})
	}
	a.Tables = append(a.Tables, t)
	ct := Table{Caption: "Across implementations at matching levels: groups that wrote identical bytes", Header: []string{"format", "level", "layer", "groups"}}
	for _, c := range m.Across {
		var gs []string
		for _, g := range c.Groups {
			gs = append(gs, "{"+strings.Join(g, ", ")+"}")
		}
		ct.Rows = append(ct.Rows, []string{c.Format, strconv.Itoa(c.Level), c.Input, strings.Join(gs, " ")})
	}
	a.Tables = append(a.Tables, ct)
	return a
}

// versionsFigure is how many upgrades of a codec at a level changed the
// bytes.
func versionsFigure(vs *VersionsSummary) Figure {
	n := vs.Changed + vs.Same + vs.Failed
	return fig("upgrades that change the bytes", float64(vs.Changed), "upgrades", fmt.Sprintf("%d of %d", vs.Changed, n))
}

func joinInts(ns []int, sep string) string {
	var s []string
	for _, n := range ns {
		s = append(s, strconv.Itoa(n))
	}
	return strings.Join(s, sep)
}

func (e *Evidence) interopAnswer() Answer {
	in := e.Interop
	a := Answer{ID: "interop", Question: "Does every decoder read every encoder's output of its format?", Method: in.Method}
	for _, l := range e.Layers {
		a.Layers = append(a.Layers, l.Name)
	}
	total := in.Verified + in.Failed + in.NotRun
	if total == 0 {
		a.Empty = true
		a.Answer = []string{"No decode cells in the runs."}
		return a
	}
	a.Answer = []string{fmt.Sprintf("%d of %d encoder × decoder pairs were verified on every layer they ran on; %d failed; %d were not run.",
		in.Verified, total, in.Failed, in.NotRun)}
	a.Figures = []Figure{fig("verified pairs", float64(in.Verified), "pairs", strconv.Itoa(in.Verified)),
		fig("failed pairs", float64(in.Failed), "pairs", strconv.Itoa(in.Failed)),
		fig("pairs not run", float64(in.NotRun), "pairs", strconv.Itoa(in.NotRun))}
	for _, m := range in.Formats {
		t := Table{Caption: m.Format + ": encoders (rows) by decoders (columns); a number is the layers verified", Header: append([]string{"encoder"}, m.Decoders...)}
		for i, enc := range m.Encoders {
			row := []string{enc}
			for _, c := range m.Cells[i] {
				switch c.Status {
				case StatusVerified:
					row = append(row, fmt.Sprintf("verified (%d)", c.Layers))
				case StatusFailed:
					row = append(row, "FAILED: "+c.Err)
				default:
					row = append(row, "not run")
				}
			}
			t.Rows = append(t.Rows, row)
		}
		a.Tables = append(a.Tables, t)
	}
	return a
}

func (e *Evidence) levelsAnswer() Answer {
	lv := e.Levels
	a := Answer{ID: "levels", Question: "How does buildkit's compression-level map onto klauspost's zstd encoder levels, and which libzstd level " +
		"does each klauspost level match in ratio and speed on this corpus?", Layers: lv.Layers, Method: lv.BuildkitSource + " " + lv.Method}
	a.Answer = append(a.Answer, "buildkit's compression-level (compression=zstd) maps to klauspost's levels as "+
		mapping(lv.Buildkit, func(r BuildkitRange) string { return r.Current })+" (klauspost's EncoderLevelFromZstd); before, buildkit's own mapping was "+
		mapping(lv.Buildkit, func(r BuildkitRange) string { return r.Before })+". No compression-level means default.")
	t := Table{Caption: "buildkit compression-level → klauspost encoder level", Header: []string{"compression-level", "buildkit today", "buildkit before"}}
	for _, r := range lv.Buildkit {
		t.Rows = append(t.Rows, []string{r.rangeText(), r.Current, r.Before})
	}
	a.Tables = append(a.Tables, t)
	if len(lv.Matches) == 0 {
		a.Answer = append(a.Answer, "The runs lack zstd-klauspost or libzstd (zstd-cgo, zstd-cli) encode cells on common layers: no match to measure.")
		return a
	}
	var ms []string
	for _, m := range lv.Matches {
		ms = append(ms, fmt.Sprintf("%s (ratio %s, %s MB/s) is nearest to %s level %s (ratio %s, %s MB/s; documented ≈ %s): %s× its speed",
			m.Klauspost, sig(m.Ratio, 4), sig(m.MBps, 3), lv.Libzstd, m.Nearest, sig(m.NearestRatio, 4), sig(m.NearestMBps, 3), m.Documented, sig(m.SpeedVsNearest, 3)))
		a.Figures = append(a.Figures, fig(m.Klauspost+": nearest libzstd level", atof(m.Nearest), "level", m.Nearest))
	}
	a.Answer = append(a.Answer, fmt.Sprintf("On these layers, of %s levels %s: %s.", lv.Libzstd, strings.Join(lv.LibzstdLevels, ", "), strings.Join(ms, "; ")))
	mt := Table{Caption: "klauspost zstd levels against the nearest measured libzstd level",
		Header: []string{"klauspost", "ratio", "encode MB/s", "documented", "nearest " + lv.Libzstd, "its ratio", "its MB/s", "speed ×"}}
	for _, m := range lv.Matches {
		mt.Rows = append(mt.Rows, []string{m.Klauspost, sig(m.Ratio, 4), sig(m.MBps, 3), m.Documented, m.Nearest, sig(m.NearestRatio, 4), sig(m.NearestMBps, 3), sig(m.SpeedVsNearest, 3)})
	}
	a.Tables = append(a.Tables, mt)
	return a
}

// mapping describes ranges by one of their columns, merging neighbours
// that map alike: "0-2 → fastest, 3-5 → default".
func mapping(rs []BuildkitRange, level func(BuildkitRange) string) string {
	var merged []BuildkitRange
	for _, r := range rs {
		if n := len(merged); n > 0 && level(merged[n-1]) == level(r) {
			merged[n-1].To = r.To
			continue
		}
		merged = append(merged, r)
	}
	var parts []string
	for _, r := range merged {
		parts = append(parts, r.rangeText()+" → "+level(r))
	}
	return strings.Join(parts, ", ")
}

func atof(s string) float64 {
	v, _ := strconv.ParseFloat(s, 64)
	return v
}
