package corpus

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/logs"
)

// FileSource is the source of one layer: the blob file at path, a tar, gzip,
// zstd or xz layer whose format Load finds from its magic bytes. The entry's
// name is the file's base name without its compression and tar extensions;
// its origin is path.
func FileSource(path string) Source { return fileSource{path: path} }

type fileSource struct{ path string }

func (s fileSource) Name() string { return s.path }

func (s fileSource) Layers(ctx context.Context) ([]Entry, error) {
	fi, err := os.Stat(s.path)
	if err != nil {
		return nil, fmt.Errorf("layer file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("layer file %q: not a regular file", s.path)
	}
	return []Entry{fileEntry(s.path, fi.Size())}, nil
}

func fileEntry(path string, size int64) Entry {
	return Entry{
		Name:   nameFromFile(path),
		Origin: path,
		Layer:  fileLayer(path, size),
	}
}

// DirSource is the source of the layer blob files in dir: its regular files
// (symbolic links followed), in name order, not descending into
// subdirectories. Entry names are made unique within the directory with Key.
//
// Files that are clearly not blobs are skipped with a warning on ggcr's
// logs.Warn (off unless the command turns it on): hidden files, and
// documentation, listing and checksum files (.md, .txt, .tsv, .csv, .json,
// .sha256 …). Note: a directory of layers often holds a README or a
// MANIFEST.tsv next to them (../shared/corpus does), and failing a run for it
// would be noise. Every other file is taken as a layer and goes through Sniff
// at Load time, which fails with a clear error if it is not one.
func DirSource(dir string) Source { return dirSource{dir: dir} }

type dirSource struct{ dir string }

func (s dirSource) Name() string { return s.dir }

// notBlobExtensions are the extensions DirSource skips.
var notBlobExtensions = map[string]bool{
	".md": true, ".txt": true, ".tsv": true, ".csv": true, ".json": true,
	".yaml": true, ".yml": true, ".html": true, ".lock": true,
	".sha256": true, ".sha512": true, ".sha256sum": true, ".sha512sum": true,
	".asc": true, ".sig": true,
}

// skipReason says why DirSource skips the file name, or "" if it does not.
func skipReason(name string) string {
	switch {
	case strings.HasPrefix(name, "."):
		return "hidden file"
	case notBlobExtensions[strings.ToLower(filepath.Ext(name))]:
		return "not a layer blob (by its extension)"
	case strings.EqualFold(name, "README") || strings.EqualFold(name, "LICENSE"):
		return "not a layer blob (by its name)"
	}
	return ""
}

func (s dirSource) Layers(ctx context.Context) ([]Entry, error) {
	des, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("layer directory: %w", err)
	}
	var entries []Entry
	used := map[string]bool{}
	for _, de := range des { // sorted by name
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		path := filepath.Join(s.dir, de.Name())
		if why := skipReason(de.Name()); why != "" {
			logs.Warn.Printf("corpus: skipping %s: %s", path, why)
			continue
		}
		fi, err := os.Stat(path) // follows symbolic links
		if err != nil {
			return nil, fmt.Errorf("layer directory: %w", err)
		}
		if !fi.Mode().IsRegular() {
			logs.Warn.Printf("corpus: skipping %s: not a regular file (%s)", path, fi.Mode().Type())
			continue
		}
		e := fileEntry(path, fi.Size())
		e.Name = Key(e.Name, used)
		entries = append(entries, e)
	}
	if len(entries) == 0 {
		return nil, fmt.Errorf("layer directory %q: no layer files in it", s.dir)
	}
	return entries, nil
}
