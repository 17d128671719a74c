package evidence

import (
	"fmt"
	"math"
	"runtime/debug"
	"slices"
	"strconv"

	kzstd "github.com/klauspost/compress/zstd"
)

// Levels relates the zstd levels people set to what they get: buildkit's
// compression-level onto klauspost's four encoder levels, and each
// klauspost level to the libzstd level it matches in ratio on this corpus.
type Levels struct {
	// Buildkit maps ranges of buildkit's compression-level (for
	// compression=zstd) onto klauspost's encoder levels, now and before.
	Buildkit       []BuildkitRange `json:"buildkit"`
	BuildkitSource string          `json:"buildkit_source"`
	// Matches has one row per klauspost level measured.
	Matches []LevelMatch `json:"matches"`
	// Libzstd is the codec the libzstd levels come from (zstd-cgo, or
	// zstd-cli without cgo), and LibzstdLevels the levels of it measured.
	Libzstd       string   `json:"libzstd,omitempty"`
	LibzstdLevels []string `json:"libzstd_levels,omitempty"`
	Layers        []string `json:"layers"`
	Method        string   `json:"method"`
}

// A BuildkitRange is a range of compression-level values and the klauspost
// level each buildkit maps them to.
type BuildkitRange struct {
	From    int    `json:"from"` // compression-level values, inclusive
	To      int    `json:"to"`
	Current string `json:"current"` // buildkit today: zstd.EncoderLevelFromZstd
	Before  string `json:"before"`  // buildkit's own toZstdEncoderLevel, before
}

// A LevelMatch is one klauspost level and the libzstd level nearest to it
// in ratio on the corpus.
type LevelMatch struct {
	Klauspost string  `json:"klauspost"`
	Ratio     float64 `json:"ratio"`
	MBps      float64 `json:"encode_mbps"`
	// Documented is the libzstd level klauspost's documentation names.
	Documented string `json:"documented"`
	// Nearest is the measured libzstd level with the ratio nearest to
	// Ratio; its ratio and encode speed follow.
	Nearest      string  `json:"nearest"`
	NearestRatio float64 `json:"nearest_ratio"`
	NearestMBps  float64 `json:"nearest_encode_mbps"`
	// SpeedVsNearest is MBps over NearestMBps.
	SpeedVsNearest float64 `json:"speed_vs_nearest"`
}

// buildkitBefore is buildkit's own mapping before it called klauspost's
// EncoderLevelFromZstd: util/compression/zstd.go, toZstdEncoderLevel, as at
// moby/buildkit commit 6a1430e7cf026ecbdb61f0aab6c2069a8612e1d5.
func buildkitBefore(level int) kzstd.EncoderLevel {
	switch {
	case level < 0:
		return kzstd.SpeedDefault
	case level < 3:
		return kzstd.SpeedFastest
	case level < 7:
		return kzstd.SpeedDefault
	case level < 9:
		return kzstd.SpeedBetterCompression
	}
	return kzstd.SpeedBestCompression
}

var documented = map[string]string{"fastest": "1", "default": "3", "better": "7", "best": "11"}

// klauspostVersion is the version of klauspost/compress linked into this
// binary, whose EncoderLevelFromZstd the current mapping is.
func klauspostVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path == "github.com/klauspost/compress" {
				return m.Version
			}
		}
	}
	return "(version unknown)"
}

func levels(d *data, more string) *Levels {
	lv := &Levels{BuildkitSource: fmt.Sprintf("moby/buildkit util/compression/zstd.go: today Compress passes "+
		"compression-level to zstd.EncoderLevelFromZstd of klauspost/compress (the mapping shown is that function in "+
		"klauspost/compress %s, linked into this zbench); before, buildkit mapped it itself in toZstdEncoderLevel "+
		"(commit 6a1430e7cf026ecbdb61f0aab6c2069a8612e1d5). Without compression-level buildkit passes no level: "+
		"klauspost's default, SpeedDefault. A negative level maps to fastest today and to default before. Neither sets WithEncoderConcurrency, so the encoder uses GOMAXPROCS "+
		"goroutines.", klauspostVersion())}
	for n := 0; n <= 22; n++ {
		cur, before := kzstd.EncoderLevelFromZstd(n).String(), buildkitBefore(n).String()
		if k := len(lv.Buildkit); k > 0 && lv.Buildkit[k-1].Current == cur && lv.Buildkit[k-1].Before == before {
			lv.Buildkit[k-1].To = n
			continue
		}
		lv.Buildkit = append(lv.Buildkit, BuildkitRange{From: n, To: n, Current: cur, Before: before})
	}

	var kp, lib []Encoder
	libCodec := ""
	for _, c := range []string{"zstd-cgo", "zstd-cli"} {
		for _, e := range d.encoders() {
			if e.Codec == c {
				lib = append(lib, e)
			}
		}
		if len(lib) > 0 {
			libCodec = c
			break
		}
	}
	for _, e := range d.encoders() {
		if e.Codec == "zstd-klauspost" {
			kp = append(kp, e)
		}
	}
	lv.Libzstd = libCodec
	for _, e := range lib {
		lv.LibzstdLevels = append(lv.LibzstdLevels, e.Level)
	}
	lv.Method = "Ratio is the corpus's raw bytes over its compressed bytes; encode speed is raw bytes over the sum of " +
		"each layer's median encode time (MB = 10^6 bytes), single-threaded, both over the layers where every level " +
		"compared was measured. The nearest libzstd level is the measured level of " + firstNonEmpty(libCodec, "libzstd") +
		" whose ratio is nearest (by the ratio of ratios); only the measured levels can be found, so measure more " +
		more + " for a finer answer."
	if len(kp) == 0 || len(lib) == 0 {
		return lv
	}
	all := append(slices.Clone(kp), lib...)
	for _, l := range d.layers {
		ok := true
		for _, e := range all {
			ok = ok && d.encodeCell(e, l.name).ok()
		}
		if ok {
			lv.Layers = append(lv.Layers, l.name)
		}
	}
	if len(lv.Layers) == 0 {
		return lv
	}
	agg := func(e Encoder) totals {
		var t totals
		for _, l := range lv.Layers {
			t.add(d.encodeCell(e, l))
		}
		return t
	}
	for _, k := range kp {
		t := agg(k)
		m := LevelMatch{Klauspost: k.Level, Ratio: t.ratio(), MBps: t.mbps(), Documented: documented[k.Level]}
		best := math.Inf(1)
		for _, e := range lib {
			lt := agg(e)
			if dist := math.Abs(math.Log(lt.ratio() / m.Ratio)); dist < best {
				best = dist
				m.Nearest, m.NearestRatio, m.NearestMBps = e.Level, lt.ratio(), lt.mbps()
			}
		}
		if m.NearestMBps > 0 {
			m.SpeedVsNearest = m.MBps / m.NearestMBps
		}
		lv.Matches = append(lv.Matches, m)
	}
	return lv
}

// rangeText is "3-5" or "9".
func (r BuildkitRange) rangeText() string {
	if r.From == r.To {
		return strconv.Itoa(r.From)
	}
	return strconv.Itoa(r.From) + "-" + strconv.Itoa(r.To)
}
