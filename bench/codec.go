package bench

import (
	"fmt"
	"io"
)

// Formats a codec reads or writes. They match the names corpus uses for the
// format it sniffs from a blob's magic bytes.
const (
	Gzip = "gzip"
	Zstd = "zstd"
)

// A Level is one setting of a codec. Name is what results and flags call it
// (the level= key: "6", "fastest"); N is the number handed to the library.
type Level struct {
	Name string
	N    int
	// Note says what the level means where the name does not, for example
	// which libzstd level a klauspost zstd level corresponds to.
	Note string
}

func (l Level) String() string { return l.Name }

// A Codec is one implementation of one format. Its Name, a Level and its
// Threads are its identity in every result.
//
// NewWriter and NewReader follow the shape of archive/zip's compressors;
// adapters smooth over library quirks (a Close that returns nothing, C memory
// that must be freed) so that callers always Close what they open.
type Codec interface {
	Name() string   // the codec= key, e.g. "zstd-cgo"
	Format() string // Gzip or Zstd
	// Module is the Go module that implements the codec ("std" for the
	// standard library); its version comes from the build info.
	Module() string
	// Levels is the whole range the codec supports: numbered levels lowest
	// first, special modes (huffman-only, stateless) after.
	Levels() []Level
	// Threads is how many threads the codec uses to encode or decode one
	// stream: 1 for single-threaded codecs.
	Threads() int
	NewWriter(w io.Writer, l Level) (io.WriteCloser, error)
	NewReader(r io.Reader) (io.ReadCloser, error)
}

// A BufferCodec is a Codec whose library also has a whole-buffer API: one
// call compresses a whole input held in memory, with its size known, into a
// destination the caller provides, and one call decompresses. The runner
// measures it as a labelled variant of the codec (results.APIBuffer), beside
// the streaming writer and reader, to show the library's ceiling. The output
// of either API is a valid stream that every decoder of the format reads.
type BufferCodec interface {
	Codec
	// NewBufferEncoder returns an encoder at level l, made once and used
	// for many inputs, as the library recommends (it keeps its state, such
	// as libzstd's context, between calls). The caller closes it.
	NewBufferEncoder(l Level) (BufferEncoder, error)
	// NewBufferDecoder returns a decoder, likewise reused and closed.
	NewBufferDecoder() (BufferDecoder, error)
	// EncodeBound is the largest output the buffer encoder writes for n
	// bytes of input: a destination of that capacity is never reallocated.
	EncodeBound(n int) int
}

// A BufferEncoder compresses a whole input in one call.
type BufferEncoder interface {
	// EncodeAll compresses src into dst[:0] and returns the output, which
	// uses dst's memory when its capacity is large enough.
	EncodeAll(dst, src []byte) ([]byte, error)
	Close() error
}

// A BufferDecoder decompresses a whole stream in one call.
type BufferDecoder interface {
	// DecodeAll decompresses src into dst[:0] and returns the output,
	// which uses dst's memory when its capacity is large enough.
	DecodeAll(dst, src []byte) ([]byte, error)
	Close() error
}

// HasBuffer reports whether c has a whole-buffer API.
func HasBuffer(c Codec) bool {
	_, ok := c.(BufferCodec)
	return ok
}

// LevelByName returns c's level called name.
func LevelByName(c Codec, name string) (Level, error) {
	for _, l := range c.Levels() {
		if l.Name == name {
			return l, nil
		}
	}
	return Level{}, fmt.Errorf("codec %s has no level %q", c.Name(), name)
}

// A Variant is one way to run a codec's encoder: the codec as the runner
// measures it (Option ""), or with another setting of its concurrency or
// framing (package codecs lists them). The determinism measurement encodes
// with each variant to find which settings change the bytes (and so the
// digest) of a layer.
type Variant struct {
	Codec Codec
	// Option says what differs from the codec as measured, in the
	// library's or program's own terms ("WithEncoderConcurrency(8)",
	// "-p 1"); empty for the codec itself.
	Option string
	// Threads is how many threads the variant encodes with, read when
	// called: some follow GOMAXPROCS.
	Threads func() int
	// NewWriter is the codec's NewWriter with the variant's setting.
	NewWriter func(w io.Writer, l Level) (io.WriteCloser, error)
}

// Name is the codec's name, with the option in brackets when there is one:
// "zstd-cgo [nbWorkers=2]".
func (v Variant) Name() string {
	if v.Option == "" {
		return v.Codec.Name()
	}
	return v.Codec.Name() + " [" + v.Option + "]"
}
