package codecs

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"zbench/bench"
)

// ErrUnknown means that no codec of this build has the name asked for:
// usually a typo, or zstd-cgo in a build without cgo.
var ErrUnknown = errors.New("unknown codec")

// All returns every codec this build has, in a fixed order: gzip-std,
// gzip-klauspost, gzip-pgzip, zstd-klauspost, zstd-cgo, the encode-only
// lazy-pull writers estargz and zstd-chunked, then the reference programs
// zstd-cli, gzip-cli, pigz-cli, igzip-cli and libdeflate-cli, and the
// clients' decode-only pipe decoders unpigz-pipe and igzip-pipe (pipe.go).
// zstd-cgo is absent when built without cgo, and each reference program's
// codec when the program is not on PATH ([MissingPrograms] lists them).
// The reference programs are opt-in ([OptIn]): a run measures them only
// when asked to.
func All() []bench.Codec {
	var all []bench.Codec
	for _, c := range []bench.Codec{
		GzipStd(),
		GzipKlauspost(),
		Pgzip(),
		ZstdKlauspost(),
		ZstdCgo(),
		Estargz(),
		ZstdChunked(),
		ZstdCLI(),
		GzipCLI(),
		PigzCLI(),
		IgzipCLI(),
		LibdeflateCLI(),
		UnpigzPipe(),
		IgzipPipe(),
	} {
		if c != nil {
			all = append(all, c)
		}
	}
	return all
}

// ByName returns the codec called name. The error wraps [ErrUnknown] and
// lists the names there are.
func ByName(name string) (bench.Codec, error) {
	var names []string
	for _, c := range All() {
		if c.Name() == name {
			return c, nil
		}
		names = append(names, c.Name())
	}
	if name == zstdCgoName {
		return nil, fmt.Errorf("%w %q: this zbench was built without cgo (CGO_ENABLED=0)", ErrUnknown, name)
	}
	for _, p := range Programs {
		if p.Codec == name {
			return nil, fmt.Errorf("%w %q: the program %s is not on PATH (Debian package %s)", ErrUnknown, name, p.Program, p.Package)
		}
	}
	return nil, fmt.Errorf("%w %q (have %s)", ErrUnknown, name, strings.Join(names, ", "))
}

// Quick returns the level names of the default, quick profile, by codec
// name (a whole-buffer API as "zstd-cgo:buffer"): each codec's default level
// (gzip 6, libzstd 3, klauspost zstd "default"), the fast zstd levels
// (libzstd 1, klauspost fastest), klauspost zstd's best (≈ libzstd 11) as
// the high zstd level, and libzstd's whole-buffer API at its default level,
// the ceiling beside its streaming API. It is sized so that the builtin
// layer's run takes under a minute on two cores with every cell at 6
// samples: libzstd 19 (11.6 s a pass on builtin), gzip 9 (2.1-2.3 s) and
// gzip 1 are left to -levels and the full profile. For the opt-in codecs
// ([OptIn]), when a run opts in to them: the lazy-pull writers at their
// libraries' defaults (estargz 9, zstd-chunked 10); the reference programs'
// zstd 1, 3, 9 and 19, gzip 1, 6 and 9, pigz's default, igzip's 1 and 3,
// and libdeflate's 1, 6 and 12. The full profile is every level of every
// codec. Codecs absent from the build are absent here.
func Quick() map[string][]string {
	q := map[string][]string{
		"gzip-std":       {"6"},
		"gzip-klauspost": {"6"},
		"gzip-pgzip":     {"6"},
		"zstd-klauspost": {"fastest", "default", "best"},
		EstargzName:      {"9"},
		ZstdChunkedName:  {"10"},
	}
	if ZstdCgo() != nil {
		q[zstdCgoName] = []string{"1", "3"}
		q[zstdCgoName+bench.BufferSuffix] = []string{"3"}
	}
	cli := map[string][]string{
		ZstdCLIName:       {"1", "3", "9", "19"},
		GzipCLIName:       {"1", "6", "9"},
		PigzCLIName:       {"6"},
		IgzipCLIName:      {"1", "3"},
		LibdeflateCLIName: {"1", "6", "12"},
		UnpigzPipeName:    {}, // decoders only
		IgzipPipeName:     {},
	}
	for _, c := range All() {
		if ls, ok := cli[c.Name()]; ok {
			q[c.Name()] = ls
		}
	}
	return q
}

// OptIn returns the names of the codecs of [All] that a run measures only
// when asked to, by -codecs or by the reference profile: the lazy-pull
// writers (estargz, zstd-chunked), whose output zstd-cgo cannot read (see
// [ZstdCgoMultiFrame]) and which would otherwise fail every default run,
// and the reference programs, which are slower to start and would lengthen
// the default run.
func OptIn() []string {
	var names []string
	for _, c := range All() {
		if !bench.Decodes(c) || IsExternal(c) {
			names = append(names, c.Name())
		}
	}
	return names
}

// ComparableLevel returns the level of the reference library's scale that
// level l of codec c is meant to match, for comparing implementations at
// matching levels: zlib's 1 to 9 for gzip codecs, libzstd's levels for zstd
// codecs. klauspost's zstd levels map to the libzstd levels their
// documentation names (fastest 1, default 3, better 7, best 11).
// igzip's levels are ISA-L's own scale, libdeflate's 10-12 and klauspost
// gzip's special modes have no zlib counterpart: ok is false for them.
// zstd-chunked's levels map through the klauspost level they select.
func ComparableLevel(c bench.Codec, l bench.Level) (level int, ok bool) {
	switch c.Name() {
	case IgzipCLIName:
		return 0, false
	case "zstd-klauspost":
		n, ok := map[string]int{"fastest": 1, "default": 3, "better": 7, "best": 11}[l.Name]
		return n, ok
	case ZstdChunkedName:
		n, ok := map[string]int{"1": 1, "3": 3, "6": 7, "10": 11}[l.Name]
		return n, ok
	}
	n, err := strconv.Atoi(l.Name)
	if err != nil {
		return 0, false
	}
	if c.Format() == bench.Gzip && (n < 1 || n > 9) {
		return 0, false
	}
	return n, true
}
