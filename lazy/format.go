package lazy

import (
	"bytes"
	"fmt"
	"io"
	"strconv"

	"github.com/containerd/stargz-snapshotter/estargz"

	"zbench/bench"
	"zbench/bench/codecs"
	"zbench/lazy/chunked"
)

func (f Format) String() string { return f.Name + "/" + f.Level }

// DefaultFormats are the libraries' defaults: eStargz at gzip level 9
// against gzip-std 9 (the library compresses with compress/gzip), and
// zstd:chunked at containers/storage's level 10 against zstd-klauspost
// best (level 10 selects klauspost's best).
func DefaultFormats() []Format {
	es, err := NewFormat(codecs.EstargzName, "9")
	if err != nil {
		panic(err)
	}
	zc, err := NewFormat(codecs.ZstdChunkedName, "10")
	if err != nil {
		panic(err)
	}
	return []Format{es, zc}
}

// NewFormat returns the lazy-pull writer codec (estargz or zstd-chunked)
// at level, with its plain counterpart: gzip-std at the same level for
// eStargz, zstd-klauspost at the klauspost level containers/storage
// selects for zstd:chunked.
func NewFormat(codec, level string) (Format, error) {
	if _, err := levelOf(codec, level); err != nil {
		return Format{}, err
	}
	f := Format{Name: codec, Codec: codec, Level: level}
	switch codec {
	case codecs.EstargzName:
		f.PlainCodec, f.PlainLevel = "gzip-std", level
	case codecs.ZstdChunkedName:
		n, err := strconv.Atoi(level)
		if err != nil {
			return Format{}, fmt.Errorf("zstd-chunked level %q: %w", level, err)
		}
		f.PlainCodec, f.PlainLevel = "zstd-klauspost", codecs.ZstdChunkedKlauspostLevel(n)
	default:
		return Format{}, fmt.Errorf("%s is not a lazy-pull writer (want %s or %s)", codec, codecs.EstargzName, codecs.ZstdChunkedName)
	}
	return f, nil
}

// Prioritized returns f written with prioritized files: eStargz only.
func Prioritized(f Format) (Format, bool) {
	if f.Codec != codecs.EstargzName {
		return f, false
	}
	f.Name += "-prio"
	f.Prioritize = true
	return f, true
}

// Encode writes raw, a layer's tar, in format f. With Prioritize, it calls
// the library's Build with prioritized, one worker (so that the chunks do
// not depend on the machine's core count) and the chunk size of the codec;
// Build takes the tar as an io.SectionReader and spills to temporary files.
// Files of prioritized that the layer lacks are left out.
func (f Format) Encode(raw []byte, prioritized []string) ([]byte, error) {
	out, _, err := f.encode(raw, prioritized)
	return out, err
}

// encode is Encode, and returns the prioritized files the layer lacks.
func (f Format) encode(raw []byte, prioritized []string) ([]byte, []string, error) {
	if f.Prioritize {
		l, err := levelOf(f.Codec, f.Level)
		if err != nil {
			return nil, nil, err
		}
		var missed []string
		blob, err := estargz.Build(io.NewSectionReader(bytes.NewReader(raw), 0, int64(len(raw))),
			estargz.WithCompressionLevel(l.N), estargz.WithParallelism(1), estargz.WithChunkSize(f.chunkSize()),
			estargz.WithPrioritizedFiles(prioritized), estargz.WithAllowPrioritizeNotFound(&missed))
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", f, err)
		}
		defer blob.Close()
		out, err := io.ReadAll(blob)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", f, err)
		}
		return out, missed, nil
	}
	if f.ChunkSize > 0 && f.Codec == codecs.EstargzName {
		c, err := codecs.EstargzWithChunkSize(f.ChunkSize)
		if err != nil {
			return nil, nil, err
		}
		out, err := encodeCodec(c, f.Level, raw)
		return out, nil, err
	}
	out, err := encodeWith(f.Codec, f.Level, raw)
	return out, nil, err
}

func (f Format) chunkSize() int {
	if f.ChunkSize > 0 {
		return f.ChunkSize
	}
	return codecs.EstargzChunkSize
}

// WithChunkSize returns f (eStargz) with chunks of n bytes, its Name
// saying so ("estargz-chunk1MiB").
func WithChunkSize(f Format, n int) (Format, error) {
	if f.Codec != codecs.EstargzName {
		return f, fmt.Errorf("%s has no chunk size to set", f.Name)
	}
	c, err := codecs.EstargzWithChunkSize(n)
	if err != nil {
		return f, err
	}
	f.ChunkSize, f.Name = n, c.Name()
	return f, nil
}

// Plain writes raw with f's plain encoder.
func (f Format) Plain(raw []byte) ([]byte, error) { return encodeWith(f.PlainCodec, f.PlainLevel, raw) }

func levelOf(codec, level string) (bench.Level, error) {
	c, err := codecs.ByName(codec)
	if err != nil {
		return bench.Level{}, err
	}
	return bench.LevelByName(c, level)
}

func encodeWith(codec, level string, raw []byte) ([]byte, error) {
	c, err := codecs.ByName(codec)
	if err != nil {
		return nil, err
	}
	return encodeCodec(c, level, raw)
}

func encodeCodec(c bench.Codec, level string, raw []byte) ([]byte, error) {
	codec := c.Name()
	l, err := bench.LevelByName(c, level)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	w, err := c.NewWriter(&buf, l)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(raw); err != nil {
		w.Close()
		return nil, fmt.Errorf("%s/%s: %w", codec, level, err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("%s/%s: %w", codec, level, err)
	}
	return buf.Bytes(), nil
}

// An Encoded layer is one version of a layer written in one format.
type Encoded struct {
	Layer  string // the layer's name
	Format Format
	Raw    int64 // the tar's bytes
	Plain  int64 // the plain encoder's bytes
	Blob   []byte
	Layout *chunked.Layout
	// Missed are the prioritized files the layer lacks.
	Missed []string
}

// Encode writes raw, the tar of the layer called name, in format f and
// with its plain encoder, and parses and verifies the result (every chunk
// against its digest).
func Encode(name string, raw []byte, f Format, prioritized []string) (*Encoded, error) {
	blob, missed, err := f.encode(raw, prioritized)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	plain, err := f.Plain(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	l, err := chunked.Parse(blob)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", name, f, err)
	}
	if err := l.Verify(blob); err != nil {
		return nil, fmt.Errorf("%s: %s: %w", name, f, err)
	}
	return &Encoded{Layer: name, Format: f, Raw: int64(len(raw)), Plain: int64(len(plain)), Blob: blob, Layout: l, Missed: missed}, nil
}
