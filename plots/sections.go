package plots

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot/vg"

	"zbench/results"
)

// The report's sections, in the order Build puts them, each from the
// summarized runs (Data), and the helpers only they use.

// sizeVsPublished is how much bigger (positive) or smaller the output of an
// encode setting is than the blobs as published, in percent, over the
// layers whose published size is known; ok is false when the setting lacks
// one of them.
func sizeVsPublished(rd *RunData, s Setting) (pct float64, ok bool) {
	var out, pub int64
	for _, l := range rd.Layers {
		if l.PublishedBytes <= 0 {
			continue
		}
		c := rd.Cell(s.On(l.Name))
		if c == nil || c.Failed() {
			return 0, false
		}
		out += c.CompressedBytes
		pub += l.PublishedBytes
	}
	if pub == 0 {
		return 0, false
	}
	return (float64(out)/float64(pub) - 1) * 100, true
}

// fastestDecode returns the fastest corpus-wide decode of an encode
// setting's output, or nil: decoders of the same API (a streaming
// writer's output read by streaming readers, a whole-buffer encode's by
// whole-buffer decoders) and of the output of the same write size.
func fastestDecode(rd *RunData, enc Setting) *Aggregate {
	var best *Aggregate
	for _, a := range rd.Corpus {
		if a.Op == results.OpDecode && a.From == enc.Codec && a.Level == enc.Level && a.API == enc.API && a.Write == enc.Write {
			if best == nil || a.MBps.Median > best.MBps.Median {
				best = a
			}
		}
	}
	return best
}

func fastestOriginal(rd *RunData) *Aggregate {
	var best *Aggregate
	for _, a := range rd.Corpus {
		if a.Op == results.OpDecodeOriginal && (best == nil || a.MBps.Median > best.MBps.Median) {
			best = a
		}
	}
	return best
}

func (b *builder) overview() (*Section, error) {
	s := &Section{ID: SectionOverview, Title: "Overview"}
	for _, rd := range b.d.Runs {
		s.Intro = append(s.Intro, runSentence(rd, b.multi))
	}
	s.Intro = append(s.Intro, "Throughput is uncompressed bytes per second of wall time, MB = 10^6 bytes, single stream; "+
		"ratio is uncompressed over compressed size; CPU is user+system seconds per GB (10^9 bytes) of uncompressed data. "+
		"Figures are medians of the samples with their 95% confidence intervals; corpus-wide figures weight each layer by its bytes.")

	t := &Table{ID: "headline", Caption: "What each format buys: the blobs as published against the best ratio and the fastest encoder of each format, whole corpus"}
	t.Columns = append(b.runColumns(),
		Column{Title: "what"}, Column{Title: "setting"}, Column{Title: "ratio", Num: true},
		Column{Title: "size vs published", Unit: "%", Num: true},
		Column{Title: "encode", Unit: "MB/s", Num: true}, Column{Title: "encode CPU", Unit: "s/GB", Num: true},
		Column{Title: "fastest decode", Unit: "MB/s", Num: true})
	for _, rd := range b.d.Runs {
		if raw, pub, n := rd.Published(); n > 0 {
			row := Row{Cells: append(b.runCells(rd),
				TableCell{Text: "as published"}, TableCell{Text: fmt.Sprintf("%d of %d layers", n, len(rd.Layers))},
				numCell(float64(raw)/float64(pub)), TableCell{Text: "0%"}, TableCell{Text: "–"}, TableCell{Text: "–"})}
			if a := fastestOriginal(rd); a != nil {
				c := statCell(a.MBps)
				c.Sub = results.CodecLabel(a.Codec, a.API, a.Threads)
				row.Cells = append(row.Cells, c)
			} else {
				row.Cells = append(row.Cells, TableCell{Text: "–"})
			}
			t.Rows = append(t.Rows, row)
		}
		byFormat := map[string][]*Aggregate{}
		formats := b.d.formats()
		for _, a := range rd.Corpus {
			if a.Op == results.OpEncode {
				f := formats[a.Codec]
				byFormat[f] = append(byFormat[f], a)
			}
		}
		fs := slices.SortedFunc(maps.Keys(byFormat), compareFormats)
		for _, f := range fs {
			as := byFormat[f]
			best := slices.MaxFunc(as, func(x, y *Aggregate) int { return cmp.Compare(x.Ratio(), y.Ratio()) })
			fast := slices.MaxFunc(as, func(x, y *Aggregate) int { return cmp.Compare(x.MBps.Median, y.MBps.Median) })
			picks := []struct {
				what string
				a    *Aggregate
			}{{"best ratio, " + f, best}, {"fastest encode, " + f, fast}}
			if best == fast {
				picks = picks[:1]
				picks[0].what = "best ratio and fastest, " + f
			}
			for _, p := range picks {
				pct, ok := sizeVsPublished(rd, p.a.Setting)
				row := Row{Cells: append(b.runCells(rd),
					TableCell{Text: p.what}, TableCell{Text: p.a.Setting.String()}, numCell(p.a.Ratio()), pctCell(pct, ok),
					statCell(p.a.MBps), statCell(p.a.CPU))}
				if dec := fastestDecode(rd, p.a.Setting); dec != nil {
					c := statCell(dec.MBps)
					c.Sub = results.CodecLabel(dec.Codec, dec.API, dec.Threads)
					row.Cells = append(row.Cells, c)
				} else {
					row.Cells = append(row.Cells, TableCell{Text: "–"})
				}
				t.Rows = append(t.Rows, row)
			}
		}
	}
	t.Notes = []string{"Size vs published compares total bytes on the layers whose published size is known (those a decoder of the run read). " +
		"Fastest decode is the fastest decoder of that output (named below the figure), or of the blobs as published; under each encode figure is its 95% interval."}
	if len(t.Rows) > 0 {
		s.Blocks = append(s.Blocks, Block{Table: t})
	}
	return s, nil
}

// layerNames returns every layer of the runs, in order of first sight.
func (b *builder) layerNames() []string {
	var names []string
	for _, rd := range b.d.Runs {
		for _, l := range rd.Layers {
			if !slices.Contains(names, l.Name) {
				names = append(names, l.Name)
			}
		}
	}
	return names
}

func (b *builder) tradeoff() (*Section, error) {
	s := &Section{ID: SectionTradeoff, Title: "Ratio against encode throughput"}
	s.Intro = []string{"Each marker is one codec at one level: up is smaller output, right is faster encoding. " +
		"The dashed line joins the Pareto front, the settings no other setting beats in both ratio and throughput; " +
		"the dotted line is the ratio of the layers as published. Whiskers are 95% intervals of the median throughput."}
	blk, err := b.figure("tradeoff-corpus", "Ratio against encode throughput, whole corpus, weighted by bytes", vg.Points(720), vg.Points(430),
		func() (*Figure, error) {
			p, err := TradeoffChart(b.d.Tradeoff(""), b.st)
			return &Figure{Plot: p}, err
		})
	if err != nil {
		return nil, err
	}
	s.Blocks = append(s.Blocks, blk)
	var figs []*Figure
	for i, name := range b.layerNames() {
		td := b.d.Tradeoff(name)
		p, err := TradeoffChart(td, b.st.Compact())
		if errors.Is(err, ErrNoData) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("trade-off chart of layer %q: %w", name, err)
		}
		figs = append(figs, &Figure{ID: fmt.Sprintf("tradeoff-layer-%02d-%s", i+1, slug(name)),
			Caption: "Ratio against encode throughput, layer " + name, Plot: p, Width: vg.Points(400), Height: vg.Points(290)})
	}
	if len(figs) > 0 {
		s.Blocks = append(s.Blocks, Block{Figures: figs, Fold: fmt.Sprintf("Each layer (%d charts)", len(figs)), Open: len(figs) <= 8})
	}
	return s, nil
}

func (b *builder) decode() (*Section, error) {
	s := &Section{ID: SectionDecode, Title: "Decode throughput"}
	s.Intro = []string{"Each decoder reading the blobs as published and the output of each encoder and level, whole corpus, weighted by bytes. " +
		"The median is written beside each marker; whiskers are 95% intervals. The dashed line is memcpy of the same uncompressed bytes: no decoder can beat it."}
	for _, f := range b.d.DecodeFormats() {
		dd := b.d.Decode(f)
		runs := len(b.d.Runs)
		blk, err := b.figure("decode-"+slug(f), "Decode throughput, "+f+", whole corpus", vg.Points(720), dotChartHeight(len(uniqLabels(dd)), runs),
			func() (*Figure, error) {
				p, err := DecodeChart(dd, b.st)
				return &Figure{Plot: p}, err
			})
		if err != nil {
			return nil, err
		}
		s.Blocks = append(s.Blocks, blk)
	}
	if len(s.Blocks) == 0 {
		s.Blocks = append(s.Blocks, Block{Text: "No decode cell was measured."})
	}
	return s, nil
}

func uniqLabels(dd DecodeData) []string {
	var ls []string
	for _, r := range dd.Rows {
		ls = append(ls, r.Label())
	}
	return uniq(ls)
}

func (b *builder) cpu() (*Section, error) {
	s := &Section{ID: SectionCPU, Title: "CPU cost"}
	s.Intro = []string{"User plus system CPU seconds per GB (10^9 bytes) of uncompressed data, whole corpus, weighted by bytes; " +
		"for a single-threaded codec about the inverse of its throughput, for a multi-threaded one the total over its threads. " +
		"CPU is the whole process's, so it includes Go's garbage collector."}
	for _, op := range []string{results.OpEncode, results.OpDecode} {
		cd := b.d.CPU(op)
		var ls []string
		for _, r := range cd.Rows {
			ls = append(ls, r.Label)
		}
		what := "Encode"
		if op == results.OpDecode {
			what = "Decode"
		}
		blk, err := b.figure("cpu-"+op, what+" CPU seconds per GB, whole corpus", vg.Points(720), dotChartHeight(len(uniq(ls)), len(b.d.Runs)),
			func() (*Figure, error) {
				p, err := CPUChart(cd, b.st)
				return &Figure{Plot: p}, err
			})
		if err != nil {
			return nil, err
		}
		s.Blocks = append(s.Blocks, blk)
	}
	return s, nil
}

func (b *builder) levels() (*Section, error) {
	s := &Section{ID: SectionLevels, Title: "Ratio and speed against level"}
	ld := b.d.Levels()
	s.Intro = []string{"One line per codec, whole corpus. zstd-klauspost's named levels are drawn at the libzstd level each approximates " +
		"(fastest 1, default 3, better 7, best 11, from its documentation)."}
	if len(ld.Unplaced) > 0 {
		s.Intro = append(s.Intro, "Not on these charts, having no level number (they are on the trade-off chart): "+strings.Join(ld.Unplaced, "; ")+".")
	}
	for _, m := range []struct{ metric, id, caption string }{
		{MetricRatio, "level-ratio", "Ratio against level, whole corpus"},
		{MetricMBps, "level-speed", "Encode throughput against level, whole corpus"},
	} {
		blk, err := b.figure(m.id, m.caption, vg.Points(720), vg.Points(360), func() (*Figure, error) {
			p, err := LevelChart(ld, m.metric, b.st)
			return &Figure{Plot: p}, err
		})
		if err != nil {
			return nil, err
		}
		s.Blocks = append(s.Blocks, blk)
	}
	return s, nil
}

func (b *builder) interop() (*Section, error) {
	s := &Section{ID: SectionInterop, Title: "Interop"}
	s.Intro = []string{"Whether every decoder reads every encoder's output, over all layers and levels: " +
		"a cell is verified when the sha256 of every decoded output equals the layer's diffID (checked outside the clock), " +
		"failed when any differs or errs, not run when the run measured none. The number is how many cells it covers."}
	for _, m := range b.d.Interop() {
		w, h := InteropSize(m)
		blk, err := b.figure("interop-"+slug(m.Run), "Interop matrix, run "+m.Run, w, h, func() (*Figure, error) {
			p, err := InteropChart(m)
			return &Figure{Plot: p}, err
		})
		if err != nil {
			return nil, err
		}
		s.Blocks = append(s.Blocks, blk)
	}
	if len(s.Blocks) == 0 {
		s.Blocks = append(s.Blocks, Block{Text: "No decode cell was measured."})
	}
	return s, nil
}

func (b *builder) compare() (*Section, error) {
	cs := b.d.Compare()
	if len(cs) == 0 {
		return nil, nil
	}
	s := &Section{ID: SectionCompare, Title: "Runs compared"}
	s.Intro = []string{"Each run against the first, " + b.d.Runs[0].Label + ", on the layers both measured. " +
		"Throughput is corpus-wide over those layers; faster and slower count the layers where a Mann-Whitney U test " +
		"(benchmath, as benchstat uses it) finds the samples differ at p < 0.05. See Environment for how the runs' machines and builds differ."}
	for _, c := range cs {
		t := &Table{ID: "compare-" + slug(c.New), Caption: fmt.Sprintf("Run %s against run %s, %d common layer(s)", c.New, c.Base, c.Layers)}
		t.Columns = []Column{{Title: "setting"}, {Title: "ratio " + c.Base, Num: true}, {Title: "ratio " + c.New, Num: true},
			{Title: c.Base, Unit: "MB/s", Num: true}, {Title: c.New, Unit: "MB/s", Num: true},
			{Title: "throughput change", Unit: "%", Num: true}, {Title: "smallest drop it could flag", Unit: "%", Num: true},
			{Title: "layers faster / slower / same", Num: true}}
		underpowered := 0
		for _, r := range c.Rows {
			delta := pctCell(r.DeltaPct, true)
			// Colour a change only when the layers agree on it and it goes
			// the same way as the corpus-wide median.
			switch {
			case r.Faster > 0 && r.Slower == 0 && r.DeltaPct > 0:
				delta.Class = "better"
			case r.Slower > 0 && r.Faster == 0 && r.DeltaPct < 0:
				delta.Class = "worse"
			}
			counts := TableCell{Text: fmt.Sprintf("%d / %d / %d", r.Faster, r.Slower, r.Same)}
			if r.Underpowered {
				underpowered++
				counts.Sub = "too few samples"
			}
			t.Rows = append(t.Rows, Row{Cells: []TableCell{{Text: r.Setting.String()}, numCell(r.BaseRatio), numCell(r.NewRatio),
				statCell(r.Base), statCell(r.New), delta, pctCell(r.MDEPct, r.MDEKnown), counts}})
		}
		if c.OnlyBase > 0 || c.OnlyNew > 0 {
			t.Notes = append(t.Notes, fmt.Sprintf("Left out: %d layer(s) only in %s, %d only in %s.", c.OnlyBase, c.Base, c.OnlyNew, c.New))
		}
		t.Notes = append(t.Notes, "The smallest drop it could flag is zbench compare's minimum detectable effect: the least drop of MB/s that "+
			"its rule (drift within each run and the machine's shift taken out, U test, threshold) would have flagged on every layer of the row, "+
			"at the noise and sample counts of these runs; a smaller change goes unseen.")
		if underpowered > 0 {
			t.Notes = append(t.Notes, fmt.Sprintf("%d setting(s) have too few samples per layer for the U test to find any difference at p < 0.05 (it needs 4 or more samples a side); measure with -count 10.", underpowered))
		}
		s.Blocks = append(s.Blocks, Block{Table: t})
	}
	return s, nil
}

func (b *builder) summary() (*Section, error) {
	s := &Section{ID: SectionSummary, Title: "Summary tables"}
	s.Intro = []string{"Whole corpus, each layer weighted by its bytes. Below each figure is its 95% interval. " +
		"Rows in bold are on the Pareto front of ratio against encode throughput. These tables are also written as summary.csv."}
	enc := &Table{ID: "summary-encode", Caption: "Encoders, whole corpus"}
	enc.Columns = append(b.runColumns(), Column{Title: "encoder"}, Column{Title: "level"}, Column{Title: "layers", Num: true},
		Column{Title: "size", Unit: "MB", Num: true}, Column{Title: "ratio", Num: true}, Column{Title: "size vs published", Unit: "%", Num: true},
		Column{Title: "encode", Unit: "MB/s", Num: true}, Column{Title: "encode CPU", Unit: "s/GB", Num: true},
		Column{Title: "fastest decode", Unit: "MB/s", Num: true}, Column{Title: "verified"})
	dec := &Table{ID: "summary-decode", Caption: "Decoders, whole corpus"}
	dec.Columns = append(b.runColumns(), Column{Title: "decoder"}, Column{Title: "reading"}, Column{Title: "layers", Num: true},
		Column{Title: "decode", Unit: "MB/s", Num: true}, Column{Title: "decode CPU", Unit: "s/GB", Num: true}, Column{Title: "verified"})
	for _, rd := range b.d.Runs {
		aggs := slices.Clone(rd.Corpus)
		slices.SortStableFunc(aggs, func(x, y *Aggregate) int {
			return cmp.Or(cmp.Compare(opRank(x.Op), opRank(y.Op)), compareSettings(x.Setting, y.Setting))
		})
		for _, a := range aggs {
			switch a.Op {
			case results.OpEncode:
				pct, ok := sizeVsPublished(rd, a.Setting)
				row := Row{Cells: append(b.runCells(rd), TableCell{Text: results.CodecLabel(a.Codec, a.API, a.Threads)}, TableCell{Text: a.Level},
					TableCell{Text: strconv.Itoa(a.Layers)}, numCell(float64(a.CompressedBytes)/1e6), numCell(a.Ratio()), pctCell(pct, ok),
					statCell(a.MBps), statCell(a.CPU))}
				if d := fastestDecode(rd, a.Setting); d != nil {
					c := statCell(d.MBps)
					c.Sub = results.CodecLabel(d.Codec, d.API, d.Threads)
					row.Cells = append(row.Cells, c)
				} else {
					row.Cells = append(row.Cells, TableCell{Text: "–"})
				}
				row.Cells = append(row.Cells, verifiedCell(a.Verified))
				if a.Pareto {
					row.Class = "pareto"
				}
				enc.Rows = append(enc.Rows, row)
			case results.OpDecode, results.OpDecodeOriginal, results.OpMemcpy:
				src := "published " + a.From
				switch a.Op {
				case results.OpDecode:
					src = a.From + " " + a.Level
				case results.OpMemcpy:
					src = "the tar (the ceiling)"
				}
				dec.Rows = append(dec.Rows, Row{Cells: append(b.runCells(rd), TableCell{Text: results.CodecLabel(a.Codec, a.API, a.Threads)}, TableCell{Text: src},
					TableCell{Text: strconv.Itoa(a.Layers)}, statCell(a.MBps), statCell(a.CPU), verifiedCell(a.Verified))})
			}
		}
	}
	for _, rd := range b.d.Runs {
		var front []*Aggregate
		for _, a := range rd.Corpus {
			if a.Pareto {
				front = append(front, a)
			}
		}
		if len(front) == 0 {
			continue
		}
		slices.SortFunc(front, func(x, y *Aggregate) int { return cmp.Compare(y.MBps.Median, x.MBps.Median) })
		var parts []string
		for _, a := range front {
			parts = append(parts, fmt.Sprintf("%s (ratio %s, %s MB/s)", a.Setting.String(), formatNum(a.Ratio()), formatNum(a.MBps.Median)))
		}
		text := "The Pareto set, fastest first: " + strings.Join(parts, ", ") + "."
		if b.multi {
			text = "Run " + rd.Label + ": the Pareto set, fastest first: " + strings.Join(parts, ", ") + "."
		}
		s.Blocks = append(s.Blocks, Block{Text: text})
	}
	for _, t := range []*Table{enc, dec} {
		if len(t.Rows) > 0 {
			s.Blocks = append(s.Blocks, Block{Table: t})
		}
	}
	return s, nil
}

func (b *builder) layers() (*Section, error) {
	s := &Section{ID: SectionLayers, Title: "Per layer"}
	s.Intro = []string{"Every cell of every layer: sizes in MB (10^6 bytes), throughput in MB/s of uncompressed data with its 95% interval below, " +
		"CPU in seconds per GB, Go heap allocated per pass in MB. Every cell is also in cells.csv."}
	for _, name := range b.layerNames() {
		t := &Table{ID: "layer-" + slug(name)}
		t.Columns = append(b.runColumns(), Column{Title: "operation"}, Column{Title: "setting"}, Column{Title: "size", Unit: "MB", Num: true},
			Column{Title: "ratio", Num: true}, Column{Title: "throughput", Unit: "MB/s", Num: true}, Column{Title: "CPU", Unit: "s/GB", Num: true},
			Column{Title: "heap", Unit: "MB/pass", Num: true}, Column{Title: "verified"})
		var fold string
		for _, rd := range b.d.Runs {
			l := rd.Layer(name)
			if l == nil {
				continue
			}
			if fold == "" {
				fold = name + ": " + mbText(l.RawBytes) + " MB of tar"
				if l.PublishedBytes > 0 {
					fold += fmt.Sprintf(", %s MB as published (%s, ratio %s)", mbText(l.PublishedBytes), l.Format, formatNum(l.PublishedRatio()))
				}
				if l.Digest != "" {
					t.Caption = "Layer " + name + ", " + l.Digest
				}
			}
			for _, c := range layerCells(rd, name) {
				row := Row{Cells: append(b.runCells(rd), TableCell{Text: opLabel(c.Op)}, TableCell{Text: settingOf(c).String()})}
				if c.Failed() {
					row.Class = "failed"
					row.Cells = append(row.Cells, TableCell{Text: "–"}, TableCell{Text: "–"},
						TableCell{Text: "failed", Sub: c.Err, Class: "fail"}, TableCell{Text: "–"}, TableCell{Text: "–"}, verifiedCell(false))
					t.Rows = append(t.Rows, row)
					continue
				}
				size := TableCell{Text: "–"}
				if c.CompressedBytes > 0 && c.Op != results.OpMemcpy {
					size = numCell(float64(c.CompressedBytes) / 1e6)
				}
				row.Cells = append(row.Cells, size, numCell(c.Ratio()), statCell(c.MBps), statCell(c.CPU),
					numCell(c.AllocBytes/1e6), verifiedCell(c.Verified))
				t.Rows = append(t.Rows, row)
			}
		}
		s.Blocks = append(s.Blocks, Block{Table: t, Fold: fold})
	}
	return s, nil
}

// layerCells returns the cells of one layer in the report's order: memcpy,
// the blobs as published, then each encoder setting followed by the
// decoders of its output.
func layerCells(rd *RunData, layer string) []*Cell {
	var cs []*Cell
	for _, c := range rd.Cells {
		if c.Layer == layer {
			cs = append(cs, c)
		}
	}
	rank := func(c *Cell) int {
		switch c.Op {
		case results.OpMemcpy:
			return 0
		case results.OpDecodeOriginal:
			return 1
		}
		return 2
	}
	slices.SortStableFunc(cs, func(x, y *Cell) int {
		if r := cmp.Compare(rank(x), rank(y)); r != 0 || rank(x) < 2 {
			return cmp.Or(r, compareSeries(results.CodecLabel(x.Codec, x.API, x.Threads), results.CodecLabel(y.Codec, y.API, y.Threads)))
		}
		// Group a decode with its encoder: order by the encoder setting.
		ex, ey := x.Codec, y.Codec
		if x.Op == results.OpDecode {
			ex = x.From
		}
		if y.Op == results.OpDecode {
			ey = y.From
		}
		return cmp.Or(compareSeries(ex, ey), compareLevels(x.Level, y.Level),
			cmp.Compare(opRank(x.Op), opRank(y.Op)), compareSeries(results.CodecLabel(x.Codec, x.API, x.Threads), results.CodecLabel(y.Codec, y.API, y.Threads)))
	})
	return cs
}

func (b *builder) failures() (*Section, error) {
	t := &Table{ID: "failures"}
	t.Columns = append(b.runColumns(), Column{Title: "cell"}, Column{Title: "error"})
	for _, rd := range b.d.Runs {
		for _, f := range rd.Failures {
			t.Rows = append(t.Rows, Row{Cells: append(b.runCells(rd), TableCell{Text: f.Cell()}, TableCell{Text: f.Err, Class: "fail"})})
		}
	}
	if len(t.Rows) == 0 {
		return nil, nil
	}
	return &Section{ID: SectionFailures, Title: "Failures",
		Intro:  []string{"Cells that failed, as the run recorded them; the rest of the run went on. A decode marked \"not run\" was skipped because its encoder failed."},
		Blocks: []Block{{Table: t}}}, nil
}

func (b *builder) method() (*Section, error) {
	s := &Section{ID: SectionMethod, Title: "Method"}
	s.Intro = []string{
		"Every input is in memory before the clock starts: the blob as published and its tar. I/O and hashing are never timed. " +
			"Operations: memcpy of the tar (the ceiling), decode-original (each decoder on the blob as published), encode (each encoder at each level, from the tar, " +
			"a new writer per pass), decode (each decoder on each encoder's output of its format).",
		"Each cell is warmed up, then sampled: a sample is as many whole passes as fill the minimum sample time, and samples are taken until both the count " +
			"and the minimum time per cell are reached. Every sample is kept (samples.jsonl). Throughput is uncompressed bytes × passes over wall time; " +
			"CPU is the process's user+system time (getrusage) over the same span; heap is Go bytes allocated per pass.",
		"Verification, outside the clock: every encode's output is decoded back and its sha256 compared with the layer's diffID; every decode's output likewise. " +
			"A mismatch fails the cell and the run goes on.",
		"Statistics come from golang.org/x/perf/benchmath, as benchstat computes them: the median of a cell's samples, and a distribution-free 95% confidence " +
			"interval from order statistics (it needs at least 6 samples). Whole-corpus figures weight layers by bytes: the ratio is total tar bytes over total " +
			"compressed bytes; throughput is total tar bytes over the sum of each layer's median time; CPU is the bytes-weighted mean of each layer's median. " +
			"Their intervals combine the layers' interval bounds the same way, so they hold when every layer's does. Runs are compared cell by cell with " +
			"the Mann-Whitney U test (p < 0.05).",
		"MB is 10^6 bytes and GB 10^9 bytes throughout. A codec's name, level and thread count are its identity; multi-threaded codecs are marked ×N.",
	}
	t := &Table{ID: "method-runs", Caption: "How each run sampled"}
	t.Columns = []Column{{Title: "run"}, {Title: "directory"}, {Title: "count"}, {Title: "min time per cell"}, {Title: "min sample time"},
		{Title: "profile"}, {Title: "samples per cell"}, {Title: "cells", Num: true}, {Title: "failed", Num: true}, {Title: "sources"}}
	for _, rd := range b.d.Runs {
		x := rd.Env.Extra
		t.Rows = append(t.Rows, Row{Cells: []TableCell{{Text: rd.Label}, {Text: rd.Dir}, {Text: cmp.Or(x[results.ExtraCount], "–")},
			{Text: cmp.Or(x[results.ExtraMinTime], "–")}, {Text: cmp.Or(x[results.ExtraMinSample], "–")}, {Text: cmp.Or(x[results.ExtraProfile], "–")},
			{Text: fmt.Sprintf("%d–%d", rd.MinSamples, rd.MaxSamples)}, {Text: strconv.Itoa(len(rd.Cells))},
			{Text: strconv.Itoa(len(rd.Failures))}, {Text: cmp.Or(x[results.ExtraSources], "–")}}})
	}
	s.Blocks = append(s.Blocks, Block{Table: t})
	for _, rd := range b.d.Runs {
		if len(rd.Partial) > 0 {
			s.Blocks = append(s.Blocks, Block{Text: "Left out of the whole-corpus figures of run " + rd.Label +
				", because some layer lacks them: " + strings.Join(rd.Partial, "; ") + "."})
		}
	}
	return s, nil
}

func (b *builder) environment() (*Section, error) {
	s := &Section{ID: SectionEnvironment, Title: "Environment"}
	s.Intro = []string{"As each run recorded it in env.json. Rows where runs differ are marked."}
	keys := []string{}
	vals := make([]map[string]string, len(b.d.Runs))
	add := func(i int, k, v string) {
		if v == "" {
			return
		}
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
		vals[i][k] = v
	}
	for i, rd := range b.d.Runs {
		vals[i] = map[string]string{}
		e := rd.Env
		add(i, "cpu", e.CPU)
		add(i, "cores", itoa(e.Cores))
		add(i, "GOMAXPROCS", itoa(e.GOMAXPROCS))
		add(i, "OS", e.OS)
		add(i, "kernel", e.Kernel)
		add(i, "GOOS/GOARCH", e.GOOS+"/"+e.GOARCH)
		add(i, "Go", e.Go)
		add(i, "CPU governor", e.Governor)
		add(i, "zbench commit", e.Commit)
		if !e.Start.IsZero() {
			add(i, "started", e.Start.UTC().Format("2006-01-02 15:04:05 MST"))
		}
		for _, k := range slices.Sorted(maps.Keys(e.Extra)) {
			add(i, k, e.Extra[k])
		}
		for _, k := range slices.Sorted(maps.Keys(e.Modules)) {
			add(i, k, e.Modules[k])
		}
	}
	t := &Table{ID: "environment"}
	t.Columns = []Column{{Title: ""}}
	for _, rd := range b.d.Runs {
		t.Columns = append(t.Columns, Column{Title: rd.Label})
	}
	for _, k := range keys {
		row := Row{Cells: []TableCell{{Text: k}}}
		differ := false
		for i := range b.d.Runs {
			v := vals[i][k]
			if i > 0 && v != vals[0][k] && k != "started" {
				differ = true
			}
			row.Cells = append(row.Cells, TableCell{Text: cmp.Or(v, "–")})
		}
		if differ {
			row.Class = "differs"
			row.Cells[0].Sub = "differs"
		}
		t.Rows = append(t.Rows, row)
	}
	s.Blocks = append(s.Blocks, Block{Table: t})
	return s, nil
}
