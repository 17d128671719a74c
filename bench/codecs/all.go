package codecs

import (
	"errors"
	"fmt"
	"strings"

	"zbench/bench"
)

// ErrUnknown means that no codec of this build has the name asked for:
// usually a typo, or zstd-cgo in a build without cgo.
var ErrUnknown = errors.New("unknown codec")

// All returns every codec this build has, in a fixed order: gzip-std,
// gzip-klauspost, gzip-pgzip, zstd-klauspost, zstd-cgo. zstd-cgo is absent
// when built without cgo.
func All() []bench.Codec {
	var all []bench.Codec
	for _, c := range []bench.Codec{
		GzipStd(),
		GzipKlauspost(),
		Pgzip(),
		ZstdKlauspost(),
		ZstdCgo(),
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
	return nil, fmt.Errorf("%w %q (have %s)", ErrUnknown, name, strings.Join(names, ", "))
}

// Quick returns the level names of the default, quick profile, by codec
// name: the fast, default and best gzip levels, libzstd's 1, 3, 9 and 19,
// all four klauspost zstd levels and pgzip's default. The full profile is
// every level of every codec. Codecs absent from the build are absent here.
func Quick() map[string][]string {
	q := map[string][]string{
		"gzip-std":       {"1", "6", "9"},
		"gzip-klauspost": {"1", "6", "9"},
		"gzip-pgzip":     {"6"},
		"zstd-klauspost": {"fastest", "default", "better", "best"},
	}
	if ZstdCgo() != nil {
		q[zstdCgoName] = []string{"1", "3", "9", "19"}
	}
	return q
}
