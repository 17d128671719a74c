package corpus

import (
	"archive/tar"
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"
)

// v7Tar rewrites the first header of a USTAR tar as an old-style (v7)
// header: no magic, checksum recomputed.
func v7Tar(t *testing.T, b []byte) []byte {
	t.Helper()
	b = bytes.Clone(b)
	hdr := b[:tarBlockSize]
	clear(hdr[257:265]) // magic and version
	clear(hdr[265:345]) // uname, gname (USTAR only)
	copy(hdr[148:156], "        ")
	sum := 0
	for _, c := range hdr {
		sum += int(c)
	}
	copy(hdr[148:156], []byte(pad6(strconv.FormatInt(int64(sum), 8))+"\x00 "))
	if string(hdr[257:262]) == "ustar" {
		t.Fatal("still ustar")
	}
	return b
}

func pad6(s string) string { return strings.Repeat("0", 6-len(s)) + s }

func TestSniff(t *testing.T) {
	tr := sampleTar(t)
	gnu := func() []byte {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		tw.WriteHeader(&tar.Header{Name: "a", Typeflag: tar.TypeReg, Format: tar.FormatGNU})
		tw.Close()
		return buf.Bytes()
	}()
	skippable := append([]byte{0x5e, 0x2a, 0x4d, 0x18, 4, 0, 0, 0, 1, 2, 3, 4}, zstdOf(t, tr)...)
	tests := []struct {
		name   string
		blob   []byte
		format string
		err    error
		msg    string // in the error message
	}{
		{name: "ustar", blob: tr, format: FormatTar},
		{name: "ustar-header-only", blob: tr[:tarBlockSize], format: FormatTar},
		{name: "gnu", blob: gnu, format: FormatTar},
		{name: "v7", blob: v7Tar(t, tr), format: FormatTar},
		{name: "gzip", blob: gzipOf(t, tr), format: FormatGzip},
		{name: "gzip-magic-only", blob: []byte{0x1f, 0x8b}, format: FormatGzip},
		{name: "zstd", blob: zstdOf(t, tr), format: FormatZstd},
		{name: "zstd-skippable-first", blob: skippable, format: FormatZstd},
		{name: "xz", blob: xzOf(t, tr), format: FormatXz},
		{name: "empty", blob: nil, err: ErrEmptyLayer, msg: "zero-length"},
		{name: "zero-blocks", blob: make([]byte, 1024), err: ErrEmptyLayer, msg: "block of zero bytes"},
		{name: "zero-block-then-data", blob: append(make([]byte, 512), tr...), err: ErrEmptyLayer},
		{name: "few-zeros", blob: make([]byte, 10), err: ErrEmptyLayer},
		{name: "bzip2", blob: []byte("BZh91AY&SY\x01\x02"), err: ErrUnknownFormat, msg: "bzip2 (first bytes 425a6839314159265359"},
		{name: "zip", blob: []byte("PK\x03\x04\x14\x00"), err: ErrUnknownFormat, msg: "zip"},
		{name: "text", blob: []byte("# Layers\n\nThis is a README.\n"), err: ErrUnknownFormat, msg: "text"},
		{name: "tsv", blob: []byte("file\tsha256\nlayers/a.tar.gz\tabc\n"), err: ErrUnknownFormat, msg: "text"},
		{name: "binary", blob: randomBytes(600, 7), err: ErrUnknownFormat, msg: "unrecognised data"},
		{name: "one-byte", blob: []byte{0x1f}, err: ErrUnknownFormat, msg: "only 1 bytes (first bytes 1f)"},
		{name: "bad-checksum", blob: clone(v7Tar(t, tr), func(b []byte) []byte { b[0] ^= 1; return b }), err: ErrUnknownFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			format, err := Sniff(tt.blob)
			if !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
				t.Fatalf("Sniff: err = %v, want %v", err, tt.err)
			}
			if format != tt.format {
				t.Errorf("Sniff: format = %q, want %q", format, tt.format)
			}
			if err != nil && !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("Sniff: error %q does not contain %q", err, tt.msg)
			}
		})
	}
}

func TestTarChecksumSigned(t *testing.T) {
	// Some historic tars summed the header as signed bytes; a header with a
	// byte >= 0x80 tells the two sums apart.
	b := v7Tar(t, tarOf(t, "caf\xe9", "x"))
	hdr := b[:tarBlockSize]
	signed := 0
	for i, c := range hdr {
		if 148 <= i && i < 156 {
			c = ' '
		}
		signed += int(int8(c))
	}
	copy(hdr[148:156], []byte(pad6(strconv.FormatInt(int64(signed), 8))+"\x00 "))
	if got, err := Sniff(b); got != FormatTar {
		t.Errorf("Sniff of a tar with a signed checksum = %q, %v; want tar", got, err)
	}
}
