package codectest

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"zbench/bench"
)

// decodersFor returns the codecs that read c's output: c and peers, or
// peers alone when c is encode-only.
func decodersFor(c bench.Codec, peers []bench.Codec) []bench.Codec {
	if !bench.Decodes(c) {
		return peers
	}
	return append([]bench.Codec{c}, peers...)
}

// expected returns what enc, c's encoding of in, must decode to: in, or for
// a [bench.Verifier] what the first of decoders makes of it, once that
// matches the size and digest the codec's own check reports (eStargz
// appends its TOC to the tar as an entry, so its output decodes to a tar of
// its own); the other decoders must then agree.
func expected(t *testing.T, c bench.Codec, enc, in []byte, decoders []bench.Codec) []byte {
	t.Helper()
	vf, ok := c.(bench.Verifier)
	if !ok {
		return in
	}
	size, diffID, err := vf.Verify(enc, in)
	if err != nil {
		t.Fatalf("%s's own check of its output: %v", c.Name(), err)
	}
	if size == int64(len(in)) && diffID == digestOf(in) {
		return in
	}
	got, err := decode(decoders[0], enc, false)
	if err != nil {
		t.Fatalf("decoding with %s: %v", decoders[0].Name(), err)
	}
	if int64(len(got)) != size || digestOf(got) != diffID {
		t.Fatalf("%s decodes to %d bytes with digest %s; %s's check says %d bytes with digest %s",
			decoders[0].Name(), len(got), digestOf(got), c.Name(), size, diffID)
	}
	return got
}

// checkCorruptEncodeOnly damages enc, c's encoding of in: a truncated
// stream must fail both d, a plain decoder of the format, and c's own
// check; a changed byte must fail c's own check.
func checkCorruptEncodeOnly(t *testing.T, c bench.Codec, enc, in []byte, d bench.Codec) {
	t.Helper()
	vf, ok := c.(bench.Verifier)
	n := len(enc)
	for _, cut := range []int{1, min(12, n-1), n / 2, n - 1} {
		if got, err := decode(d, enc[:cut], false); err == nil {
			t.Errorf("stream truncated to %d of %d bytes: %s decoded %d bytes without an error", cut, n, d.Name(), len(got))
		}
		if ok {
			if _, _, err := vf.Verify(enc[:cut], in); err == nil {
				t.Errorf("stream truncated to %d of %d bytes: %s's check passed it", cut, n, c.Name())
			}
		}
	}
	if !ok {
		return
	}
	for _, at := range []int{0, n / 3, n / 2, n - 1} {
		bad := bytes.Clone(enc)
		bad[at] ^= 0x55
		if _, _, err := vf.Verify(bad, in); err == nil {
			t.Errorf("byte %d of %d changed: %s's check passed it", at, n, c.Name())
		}
	}
}

// checkKnown checks that each of broken still fails to read c's encoding
// of [TarLike] data at c's default level.
func checkKnown(t *testing.T, c bench.Codec, broken []bench.Codec, why map[string]string, peers []bench.Codec) {
	in := medium()
	l := defaultLevel(c)
	enc, err := encode(c, l, in, nil)
	if err != nil {
		t.Fatalf("level %s: encoding: %v", l, err)
	}
	want := expected(t, c, enc, in, decodersFor(c, peers))
	for _, d := range broken {
		got, err := decode(d, enc, false)
		if err == nil && bytes.Equal(got, want) {
			t.Errorf("%s now reads %s's output (known failure: %s): remove the KnownFailure option", d.Name(), c.Name(), why[d.Name()])
			continue
		}
		t.Logf("%s cannot read %s's output, as known (%s): %v", d.Name(), c.Name(), why[d.Name()], err)
	}
}

func digestOf(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// tarOf returns a tar archive holding one file.
func tarOf(name string, data []byte) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
		panic(err)
	}
	if _, err := tw.Write(data); err != nil {
		panic(err)
	}
	if err := tw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}
