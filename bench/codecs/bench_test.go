package codecs_test

import (
	"bytes"
	"io"
	"strings"
	"sync"
	"testing"

	"zbench/bench"
	"zbench/bench/codecs"
	"zbench/bench/codectest"
	"zbench/results"
)

// benchLayer is the shared corpus's largest real layer: debootstrap minbase
// of Debian 12, 122 MiB of tar.
const benchLayer = "debian-bookworm-minbase.tar.gz"

// encoded caches each codec's output at each level ("codec/level"), so that
// BenchmarkDecode reuses what BenchmarkEncode wrote.
var encoded sync.Map

// forEachQuick runs f in nested sub-benchmarks layer=/codec=/level= for the
// quick profile's levels, with the layer's raw tar.
func forEachQuick(b *testing.B, f func(b *testing.B, c bench.Codec, l bench.Level, raw []byte)) {
	raw := codectest.LayerTar(b, benchLayer)
	quick := codecs.Quick()
	b.Run("layer="+strings.TrimSuffix(benchLayer, ".tar.gz"), func(b *testing.B) {
		for _, c := range codecs.All() {
			b.Run("codec="+c.Name(), func(b *testing.B) {
				for _, name := range quick[c.Name()] {
					l, err := bench.LevelByName(c, name)
					if err != nil {
						b.Fatal(err)
					}
					b.Run("level="+name, func(b *testing.B) { f(b, c, l, raw) })
				}
			})
		}
	})
}

// encodeInto encodes raw with c at l into out, which it resets first, in
// writes of results.DefaultWrite bytes as the runner feeds encoders.
func encodeInto(b *testing.B, out *bytes.Buffer, c bench.Codec, l bench.Level, raw []byte) {
	out.Reset()
	w, err := c.NewWriter(out, l)
	if err != nil {
		b.Fatal(err)
	}
	for p := raw; len(p) > 0; {
		n := min(results.DefaultWrite, len(p))
		if _, err := w.Write(p[:n]); err != nil {
			b.Fatalf("%s level %s: Write: %v", c.Name(), l, err)
		}
		p = p[n:]
	}
	if err := w.Close(); err != nil {
		b.Fatalf("%s level %s: Close: %v", c.Name(), l, err)
	}
}

// BenchmarkEncode measures each codec at the quick profile's levels on
// benchLayer: MB/s of tar in, and the ratio it reaches. It is slow: on two
// cores one pass of zstd-cgo level 19 takes over a minute and gzip-std level
// 9 half a minute, so run it with -timeout 0, or pick cells with -bench
// (-bench 'Encode/.*/codec=zstd-cgo/level=3$').
func BenchmarkEncode(b *testing.B) {
	forEachQuick(b, func(b *testing.B, c bench.Codec, l bench.Level, raw []byte) {
		out := bytes.NewBuffer(make([]byte, 0, len(raw)/2))
		b.SetBytes(int64(len(raw)))
		b.ReportAllocs()
		for b.Loop() {
			encodeInto(b, out, c, l, raw)
		}
		b.ReportMetric(float64(len(raw))/float64(out.Len()), "ratio")
		encoded.Store(c.Name()+"/"+l.Name, bytes.Clone(out.Bytes()))
	})
}

// BenchmarkDecode measures each codec decoding its own output at the quick
// profile's levels on benchLayer: MB/s of tar out. The output is checked
// once, before timing.
func BenchmarkDecode(b *testing.B) {
	forEachQuick(b, func(b *testing.B, c bench.Codec, l bench.Level, raw []byte) {
		if !bench.Decodes(c) {
			b.Skipf("%s is encode-only: the plain decoders of its format read it", c.Name())
		}
		var enc []byte
		if v, ok := encoded.Load(c.Name() + "/" + l.Name); ok {
			enc = v.([]byte)
		} else {
			var out bytes.Buffer
			encodeInto(b, &out, c, l, raw)
			enc = out.Bytes()
			encoded.Store(c.Name()+"/"+l.Name, enc)
		}
		var check bytes.Buffer
		if err := decodeTo(&check, c, enc); err != nil || !bytes.Equal(check.Bytes(), raw) {
			b.Fatalf("%s level %s: decoding does not give back the layer (err %v)", c.Name(), l, err)
		}
		b.SetBytes(int64(len(raw)))
		b.ReportAllocs()
		for b.Loop() {
			if err := decodeTo(io.Discard, c, enc); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(raw))/float64(len(enc)), "ratio")
	})
}

func decodeTo(w io.Writer, c bench.Codec, enc []byte) error {
	r, err := c.NewReader(bytes.NewReader(enc))
	if err != nil {
		return err
	}
	_, err = io.Copy(w, r)
	if cerr := r.Close(); err == nil {
		err = cerr
	}
	return err
}
