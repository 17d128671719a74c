package chunked_test

import (
	"bytes"
	"errors"
	"testing"

	"zbench/bench"
	"zbench/bench/codecs"
	"zbench/bench/codectest"
	"zbench/lazy/chunked"
)

func encode(t *testing.T, name, level string, raw []byte) []byte {
	t.Helper()
	c, err := codecs.ByName(name)
	if err != nil {
		t.Fatal(err)
	}
	l, err := bench.LevelByName(c, level)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w, err := c.NewWriter(&buf, l)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(raw)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestParseAndDamage(t *testing.T) {
	raw := codectest.TarLike(1 << 20)
	for _, tc := range []struct{ codec, level, plain, plainLevel, format string }{
		{"estargz", "6", "gzip-std", "6", chunked.Estargz},
		{"zstd-chunked", "3", "zstd-klauspost", "default", chunked.ZstdChunked},
	} {
		t.Run(tc.codec, func(t *testing.T) {
			blob := encode(t, tc.codec, tc.level, raw)
			l, err := chunked.Parse(blob)
			if err != nil {
				t.Fatal(err)
			}
			if l.Format != tc.format || l.Size != int64(len(blob)) || len(l.Chunks) == 0 || len(l.Files) == 0 || l.TOC <= 0 || l.Footer <= 0 {
				t.Fatalf("layout %s, %d bytes, %d chunks, %d files, TOC %d, footer %d", l.Format, l.Size, len(l.Chunks), len(l.Files), l.TOC, l.Footer)
			}
			var sum int64
			for _, f := range l.Files {
				sum += f.Size
			}
			var chunkSum int64
			for _, c := range l.Chunks {
				chunkSum += c.Size
			}
			if sum != chunkSum {
				t.Errorf("files hold %d bytes, chunks %d", sum, chunkSum)
			}
			if err := l.Verify(blob); err != nil {
				t.Fatal(err)
			}
			// A changed byte inside a chunk fails its digest (or its frame).
			c := l.Chunks[len(l.Chunks)/2]
			bad := bytes.Clone(blob)
			bad[(c.Offset+c.End)/2] ^= 0x55
			if err := l.Verify(bad); err == nil {
				t.Errorf("byte %d changed in the chunk of %s: Verify passed", (c.Offset+c.End)/2, c.Name)
			}
			// A truncated blob has no footer.
			if _, err := chunked.Parse(blob[:len(blob)-20]); err == nil {
				t.Error("truncated blob: Parse passed")
			}
			// A plain stream is not chunked.
			if _, err := chunked.Parse(encode(t, tc.plain, tc.plainLevel, raw)); !errors.Is(err, chunked.ErrNotChunked) {
				t.Errorf("plain %s: err %v, want ErrNotChunked", tc.plain, err)
			}
		})
	}
}
