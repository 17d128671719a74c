package corpus

import (
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// maxNameLen keeps layer keys readable in benchmark names.
const maxNameLen = 64

// CleanName makes s usable as a layer= key in Go benchmark result names: it
// keeps [A-Za-z0-9._-], turns every other run of characters ('/', spaces,
// ':', '=', '@' …) into one '-', trims '-' and '.' from both ends and cuts the
// result to 64 bytes. It returns "layer" when nothing is left.
func CleanName(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range s {
		ok := 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' ||
			r == '.' || r == '_' || r == '-'
		if !ok {
			dash = true
			continue
		}
		if dash && b.Len() > 0 {
			b.WriteByte('-')
		}
		dash = false
		b.WriteRune(r)
	}
	name := b.String()
	if len(name) > maxNameLen {
		name = name[:maxNameLen]
	}
	name = strings.Trim(name, "-.")
	if name == "" {
		return "layer"
	}
	return name
}

// Key returns name, cleaned by CleanName, made unique among the keys in
// used by appending -2, -3 … and records it in used. Call it once per layer
// of a run, with the same map, so that every layer= key is distinct.
func Key(name string, used map[string]bool) string {
	k := CleanName(name)
	for i := 2; used[k]; i++ {
		k = CleanName(name) + "-" + strconv.Itoa(i)
	}
	used[k] = true
	return k
}

// blobExtensions are the file name extensions nameFromFile drops.
var blobExtensions = map[string]bool{
	".tar": true, ".gz": true, ".gzip": true, ".tgz": true,
	".zst": true, ".zstd": true, ".tzst": true, ".xz": true, ".txz": true,
	".bz2": true, ".tbz2": true, ".layer": true, ".blob": true,
}

// digestName matches a blob named by its digest, as in an OCI layout's
// blobs/sha256/ directory.
var digestName = regexp.MustCompile(`^(?:sha256[:_-])?([0-9a-f]{64})$`)

// nameFromFile derives a layer name from a blob's file name: the base name
// without compression and tar extensions ("alpine-3.20.tar.gz" gives
// "alpine-3.20"), or the first 12 hex digits of a digest-named blob, cleaned
// by CleanName.
func nameFromFile(path string) string {
	base := filepath.Base(path)
	if m := digestName.FindStringSubmatch(base); m != nil {
		return m[1][:12]
	}
	for {
		ext := filepath.Ext(base)
		if ext == "" || ext == base || !blobExtensions[strings.ToLower(ext)] {
			break
		}
		base = strings.TrimSuffix(base, ext)
	}
	return CleanName(base)
}
