package corpus

import (
	"bytes"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// tarBlockSize is the size of a tar header and of the records that follow.
const tarBlockSize = 512

// Magic numbers of the formats zbench decodes.
var (
	magicGzip = []byte{0x1f, 0x8b}
	magicZstd = []byte{0x28, 0xb5, 0x2f, 0xfd}
	magicXz   = []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}
)

// Magic numbers of formats that Sniff recognises only to name them in its
// error: nothing in an OCI image uses them as a layer.
var unsupportedMagic = []struct {
	name  string
	magic []byte
}{
	{"bzip2", []byte("BZh")},
	{"lz4", []byte{0x04, 0x22, 0x4d, 0x18}},
	{"zip", []byte("PK\x03\x04")},
	{"7z", []byte{'7', 'z', 0xbc, 0xaf, 0x27, 0x1c}},
	{"lzip", []byte("LZIP")},
	{"lzop", []byte{0x89, 'L', 'Z', 'O', 0x00}},
	{"unix compress (.Z)", []byte{0x1f, 0x9d}},
	{"ELF executable", []byte("\x7fELF")},
}

// Sniff tells the format of a layer blob from its first bytes: FormatTar,
// FormatGzip, FormatZstd (also when the blob starts with a skippable frame)
// or FormatXz. It never looks at a file name.
//
// b is the blob, or at least its first 512 bytes; Sniff looks no further. A
// plain tar is recognised by the "ustar" magic at offset 257 or, for
// old-style (v7) archives, by a valid header checksum in the first 512-byte
// block.
//
// A zero-length blob, or one whose first block is all zero bytes (the
// end-of-archive marker, as in a tar with no entries), is an empty layer:
// Sniff returns an error wrapping ErrEmptyLayer. Anything else, bzip2
// included, gives an error wrapping ErrUnknownFormat that names what was
// found and shows the first bytes in hex.
func Sniff(b []byte) (format string, err error) {
	switch {
	case len(b) == 0:
		return "", fmt.Errorf("%w: zero-length blob", ErrEmptyLayer)
	case bytes.HasPrefix(b, magicGzip):
		return FormatGzip, nil
	case bytes.HasPrefix(b, magicZstd) || isSkippableFrame(b):
		return FormatZstd, nil
	case bytes.HasPrefix(b, magicXz):
		return FormatXz, nil
	case isTar(b):
		return FormatTar, nil
	case allZero(b[:min(len(b), tarBlockSize)]):
		return "", fmt.Errorf("%w: starts with a block of zero bytes, the end of a tar with no entries", ErrEmptyLayer)
	}
	return "", fmt.Errorf("%w: found %s (first bytes %s)", ErrUnknownFormat, whatIs(b), headHex(b))
}

// isSkippableFrame reports whether b starts with a zstd skippable frame,
// magic 0x184D2A50 to 0x184D2A5F little-endian.
func isSkippableFrame(b []byte) bool {
	return len(b) >= 4 && b[0]&0xf0 == 0x50 && b[1] == 0x2a && b[2] == 0x4d && b[3] == 0x18
}

// isTar reports whether b starts with a tar header: POSIX and GNU archives
// have "ustar" at offset 257, old-style ones only a header checksum.
func isTar(b []byte) bool {
	if len(b) >= 262 && string(b[257:262]) == "ustar" {
		return true
	}
	if len(b) < tarBlockSize {
		return false
	}
	return tarChecksumOK(b[:tarBlockSize])
}

// tarChecksumOK reports whether the checksum field of the header block hdr
// (octal, at offset 148) matches the sum of the header's bytes with that
// field counted as spaces. Like GNU tar and archive/tar it accepts both the
// unsigned sum (the standard) and the signed one (some historic tars).
func tarChecksumOK(hdr []byte) bool {
	field := bytes.Trim(hdr[148:156], " \x00")
	if len(field) == 0 {
		return false
	}
	want, err := strconv.ParseUint(string(field), 8, 32)
	if err != nil {
		return false
	}
	var unsigned, signed int64
	for i, c := range hdr {
		if 148 <= i && i < 156 {
			c = ' '
		}
		unsigned += int64(c)
		signed += int64(int8(c))
	}
	return int64(want) == unsigned || int64(want) == signed
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// whatIs names the format of an unsupported blob, for ErrUnknownFormat.
func whatIs(b []byte) string {
	for _, u := range unsupportedMagic {
		if bytes.HasPrefix(b, u.magic) {
			return u.name
		}
	}
	head := b[:min(len(b), tarBlockSize)]
	if isText(head) {
		return "text"
	}
	if len(b) < len(magicXz) {
		return fmt.Sprintf("only %d bytes", len(b))
	}
	return "unrecognised data"
}

// isText reports whether b looks like UTF-8 text: no control bytes other
// than whitespace. A cut-off rune at the end of b is allowed.
func isText(b []byte) bool {
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n <= 1 {
			return len(b) < utf8.UTFMax && !utf8.FullRune(b)
		}
		if r < 0x20 && r != '\n' && r != '\r' && r != '\t' || r == 0x7f {
			return false
		}
		b = b[n:]
	}
	return true
}

// headHex formats the first bytes of b for an error message.
func headHex(b []byte) string {
	const n = 16
	if len(b) <= n {
		return fmt.Sprintf("%x", b)
	}
	return fmt.Sprintf("%x…", b[:n])
}
