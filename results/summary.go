package results

import (
	"math"
	"slices"
	"strconv"

	"golang.org/x/perf/benchmath"
)

// Confidence is the level of every interval zbench shows: 95%.
const Confidence = 0.95

// A Summary is the median of a sample (see Median) with its
// distribution-free 95% confidence interval from order statistics, as
// benchmath.AssumeNothing computes it (as benchstat does). With fewer
// than 6 values there is no finite 95% interval: CI is false and Lo and Hi
// are 0.
type Summary struct {
	Median float64 `json:"median"`
	Lo     float64 `json:"lo,omitempty"`
	Hi     float64 `json:"hi,omitempty"`
	N      int     `json:"n"`
	CI     bool    `json:"ci"`
}

// Summarize summarizes values at the 95% level (see Summary). It is the
// one place zbench computes a median and its interval; values is left
// unchanged.
func Summarize(values []float64) Summary {
	if len(values) == 0 {
		return Summary{}
	}
	sum := BenchmathSummary(values, Confidence)
	st := Summary{Median: Median(values), N: len(values)}
	if !math.IsInf(sum.Lo, 0) && !math.IsInf(sum.Hi, 0) && !math.IsNaN(sum.Lo) && !math.IsNaN(sum.Hi) {
		st.Lo, st.Hi, st.CI = sum.Lo, sum.Hi, true
	}
	return st
}

// BenchmathSummary is benchmath.AssumeNothing's summary of values at the
// given confidence level (0.95 for 95%), with its warnings (too few
// samples for an interval): what Summarize builds on, and what compare
// shows as benchstat would (infinite bounds included). Its Center is the
// median interpolated as benchmath does (Hyndman and Fan's R8), which for
// an even count can differ from Median in the last bit.
func BenchmathSummary(values []float64, confidence float64) benchmath.Summary {
	s := benchmath.NewSample(slices.Clone(values), &benchmath.DefaultThresholds)
	return benchmath.AssumeNothing.Summary(s, confidence)
}

// Median is the median of values: the middle value, or the mean of the
// middle two for an even count; NaN for none. values is left unchanged.
// It is the one median of zbench: Summarize, compare's exact metrics and
// machine shift, history's step detection, evidence and the progress
// display all use it.
func Median(values []float64) float64 {
	n := len(values)
	if n == 0 {
		return math.NaN()
	}
	s := slices.Sorted(slices.Values(values))
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// A Setting identifies a codec setting across layers: an encoder at a
// level, or a decoder reading one source (an encoder at a level, or the
// published blobs of a format). It is a CellKey without the layer.
type Setting struct {
	Op      string `json:"op"`
	Codec   string `json:"codec"`
	From    string `json:"from,omitempty"`
	Level   string `json:"level,omitempty"`
	API     string `json:"api,omitempty"`   // APIBuffer for a whole-buffer API
	Write   int    `json:"write,omitempty"` // write size fed to the encoder, when not DefaultWrite
	Threads int    `json:"threads"`
}

// Setting returns k without its layer.
func (k CellKey) Setting() Setting {
	return Setting{Op: k.Op, Codec: k.Codec, From: k.From, Level: k.Level, API: k.API, Write: k.Write, Threads: k.Threads}
}

// On returns the key of s on layer.
func (s Setting) On(layer string) CellKey {
	return CellKey{Op: s.Op, Layer: layer, Codec: s.Codec, From: s.From, Level: s.Level, API: s.API, Write: s.Write, Threads: s.Threads}
}

// AnyThreads returns k with Threads cleared, to look a cell up whatever
// its thread count: a decoder's thread count follows GOMAXPROCS for some
// codecs, and a question names only the codec.
func (k CellKey) AnyThreads() CellKey {
	k.Threads = 0
	return k
}

// CodecLabel is the codec's name, with its API when not the streaming one
// and its thread count when it uses more than one: "zstd-cgo (buffer)",
// "gzip-pgzip ×4". A whole-buffer API is its own series in every chart and
// table.
func CodecLabel(codec, api string, threads int) string {
	if api != "" {
		codec += " (" + api + ")"
	}
	if threads > 1 {
		return codec + " ×" + strconv.Itoa(threads)
	}
	return codec
}

// String names the setting for people: "zstd-cgo 3", "gzip-std ← published
// gzip", "zstd-klauspost ← zstd-cgo 19", "zstd-cgo (buffer) ← zstd-cgo
// (buffer) 3", "memcpy".
func (s Setting) String() string {
	switch s.Op {
	case OpEncode:
		return CodecLabel(s.Codec, s.API, s.Threads) + " " + s.Level
	case OpDecode:
		return CodecLabel(s.Codec, s.API, s.Threads) + " ← " + CodecLabel(s.From, s.API, 1) + " " + s.Level
	case OpDecodeOriginal:
		return CodecLabel(s.Codec, s.API, s.Threads) + " ← published " + s.From
	}
	return CodecLabel(s.Codec, s.API, s.Threads)
}
