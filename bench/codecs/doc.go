// Package codecs holds zbench's gzip and zstd implementations, one file per
// codec, each an adapter from a library to [bench.Codec], and the table of
// them.
//
//  1. [All] lists every codec this build has, in a fixed order; [ByName]
//     finds one. zstd-cgo needs cgo: built with CGO_ENABLED=0 it is absent.
//  2. [Quick] names the levels of the default (quick) profile; the full
//     profile is every level of every codec.
//  3. Every codec also implements [Describer] and [Defaulter], for listings
//     and for tests that want "the library's default level".
//  4. Codecs whose library has a whole-buffer API implement
//     [bench.BufferCodec] too: zstd-cgo (DataDog's Ctx: CompressLevel,
//     Decompress) and zstd-klauspost (EncodeAll, DecodeAll). The gzip
//     libraries (compress/gzip, klauspost's gzip, pgzip) have none.
//
// Adapters smooth over library quirks so that callers always Close what they
// open and get an error rather than a panic or a leak: a Close that returns
// nothing (klauspost zstd's Decoder), C memory that must be freed exactly
// once (DataDog's Writer), levels outside the codec's table. They add nothing
// to the bytes a library writes; the exactness tests check that.
//
// Two codecs are encode-only ([bench.EncodeOnly]): estargz and zstd-chunked,
// the writers of the lazy-pull formats (stargz-snapshotter's eStargz,
// containers/storage's zstd:chunked). They read the tar they compress, so
// their adapters feed a library that takes a reader through a pipe; plans
// decode their output with the plain decoders of the format, checked
// against what their [bench.Verifier] reports (the library's reader, every
// chunk's digest). Both are opt-in ([OptIn]).
//
// To add a codec, write one file here with a constructor returning
// [bench.Codec], add it to the table in all.go, and the conformance test
// (package codectest) covers it.
package codecs

import (
	"fmt"

	"zbench/bench"
)

// A Describer says in one line what a codec is: the library and the settings
// that are part of its identity (block size and threads, ultra levels).
type Describer interface {
	Describe() string
}

// A Defaulter names the level a codec's library uses when none is given
// (gzip 6, libzstd 3, klauspost zstd "default").
type Defaulter interface {
	DefaultLevel() bench.Level
}

// numbered returns levels lo..hi named by their number, with note(n) as the
// Note of level n.
func numbered(lo, hi int, note func(n int) string) []bench.Level {
	ls := make([]bench.Level, 0, hi-lo+1)
	for n := lo; n <= hi; n++ {
		ls = append(ls, bench.Level{Name: fmt.Sprint(n), N: n, Note: note(n)})
	}
	return ls
}

// checkLevel returns an error unless l is one of ls, both by name and number,
// so that a level from another codec's table is not silently reinterpreted.
func checkLevel(codec string, ls []bench.Level, l bench.Level) error {
	for _, x := range ls {
		if x.Name == l.Name && x.N == l.N {
			return nil
		}
	}
	return fmt.Errorf("%s: level %q (%d): not a level of this codec", codec, l.Name, l.N)
}

// mustLevel returns the level of ls called name; the tables are static, so a
// missing name is a programming error.
func mustLevel(ls []bench.Level, name string) bench.Level {
	for _, l := range ls {
		if l.Name == name {
			return l
		}
	}
	panic("codecs: no level " + name)
}

// gzipNote names the compress/flate constants that levels 1, 6 and 9 equal.
func gzipNote(n int) string {
	switch n {
	case 1:
		return "BestSpeed"
	case 6:
		return "DefaultCompression"
	case 9:
		return "BestCompression"
	}
	return ""
}
