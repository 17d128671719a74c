package bench

import (
	"errors"
	"fmt"
)

// ErrEncodeOnly is what NewReader of an encode-only codec returns.
var ErrEncodeOnly = errors.New("encode-only codec: read its output with a plain decoder of its format")

// An EncodeOnly codec writes a format but brings no decoder of its own: the
// lazy-pull formats (eStargz, zstd:chunked) are read by every plain decoder
// of their format. A plan measures its encoder and decodes its output with
// the plain decoders, and never lists it as a decoder.
type EncodeOnly interface {
	EncodeOnly()
}

// Decodes reports whether c has a decoder: false for an [EncodeOnly] codec.
func Decodes(c Codec) bool {
	_, ok := c.(EncodeOnly)
	return !ok
}

// A Verifier checks an encoder's output with the library's own reader (for
// eStargz and zstd:chunked: the footer, the table of contents and every
// chunk's digest) and against raw, the tar it was made from. It returns
// what a plain decoder must produce from out: its size and sha256 digest
// ("sha256:<hex>"). For most formats that is raw itself; eStargz appends its
// table of contents to the tar as an entry, so its output decodes to a tar
// of its own, with a digest (the layer's new diffID) of its own.
type Verifier interface {
	Verify(out, raw []byte) (size int64, diffID string, err error)
}

// checkEncoded checks an encoder's output once, outside the clock: decoded
// with the codec itself back to the layer's diffID or, for a [Verifier],
// by the library's own reader.
func checkEncoded(c Codec, out []byte, in Input) error {
	if vf, ok := c.(Verifier); ok {
		_, _, err := vf.Verify(out, in.Raw)
		return err
	}
	return checkDecode(c, out, int64(len(in.Raw)), in.DiffID)
}

// target returns the size and diffID a decoder must produce from out, the
// output of c on in.
func target(c Codec, out []byte, in Input) (int64, string, error) {
	if vf, ok := c.(Verifier); ok {
		size, diffID, err := vf.Verify(out, in.Raw)
		if err != nil {
			return 0, "", fmt.Errorf("verify: %w", err)
		}
		return size, diffID, nil
	}
	return int64(len(in.Raw)), in.DiffID, nil
}
