package codecs_test

import (
	"bytes"
	"testing"

	"zbench/bench"
	"zbench/bench/codecs"
	"zbench/bench/codectest"
	"zbench/results"
)

// writeSizeSensitive are the codec levels whose output depends on the size
// of the writes they are fed: the runner feeds 32 KiB writes
// (results.DefaultWrite), and before it fed the whole tar in one.
var writeSizeSensitive = map[string]bool{
	"gzip-klauspost/stateless": true, // no history kept between Write calls
}

// TestWriteSizeOutput encodes a real layer at every level in one Write and
// in writes of results.DefaultWrite bytes, and checks that the output is the
// same but where writeSizeSensitive says it differs.
func TestWriteSizeOutput(t *testing.T) {
	raw := codectest.LayerTar(t, codectest.RealLayer)
	for _, c := range codecs.All() {
		if codecs.IsExternal(c) {
			continue // a pipe between: the program reads what it reads
		}
		levels := c.Levels()
		if testing.Short() {
			levels = nil
			for _, name := range codecs.Quick()[c.Name()] {
				l, _ := bench.LevelByName(c, name)
				levels = append(levels, l)
			}
			if l, err := bench.LevelByName(c, "stateless"); err == nil {
				levels = append(levels, l)
			}
		}
		for _, l := range levels {
			t.Run(c.Name()+"/"+l.Name, func(t *testing.T) {
				t.Parallel()
				one := encode(t, c, l, raw)
				pieces := encodePieces(t, c, l, raw, results.DefaultWrite)
				same := bytes.Equal(one, pieces)
				want := !writeSizeSensitive[c.Name()+"/"+l.Name]
				if same != want {
					t.Errorf("one Write: %d bytes; %d-byte writes: %d bytes; same bytes %v, want %v",
						len(one), results.DefaultWrite, len(pieces), same, want)
				} else if !same {
					t.Logf("one Write: %d bytes; %d-byte writes: %d bytes", len(one), results.DefaultWrite, len(pieces))
				}
			})
		}
	}
}

// encodePieces writes in with c at l in writes of size bytes.
func encodePieces(t testing.TB, c bench.Codec, l bench.Level, in []byte, size int) []byte {
	t.Helper()
	var out bytes.Buffer
	w, err := c.NewWriter(&out, l)
	if err != nil {
		t.Fatal(err)
	}
	for p := in; len(p) > 0; {
		n := min(size, len(p))
		if _, err := w.Write(p[:n]); err != nil {
			t.Fatalf("%s level %s: Write: %v", c.Name(), l, err)
		}
		p = p[n:]
	}
	if err := w.Close(); err != nil {
		t.Fatalf("%s level %s: Close: %v", c.Name(), l, err)
	}
	return out.Bytes()
}
