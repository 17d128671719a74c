package codecs

// zstdCgoName is zstd-cgo's name, known also to builds without cgo so that
// ByName can say why it is missing.
const zstdCgoName = "zstd-cgo"

// zstdCgoLevels is libzstd's level table, 1 to 22 (ZSTD_maxCLevel). Negative
// ("fast") levels are left out.
var zstdCgoLevels = numbered(1, 22, func(n int) string {
	switch {
	case n == 3:
		return "libzstd's default level"
	case n == 20:
		return "ultra (the CLI needs --ultra): windows up to 32 MiB"
	case n == 21:
		return "ultra (the CLI needs --ultra): windows up to 64 MiB"
	case n == 22:
		return "ultra (the CLI needs --ultra): windows up to 128 MiB"
	}
	return ""
})
