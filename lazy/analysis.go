package lazy

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"zbench/lazy/chunked"
)

// Overhead is what a format adds to one layer.
type Overhead struct {
	Layer  string `json:"layer"`
	Format string `json:"format"` // Format.Name
	Level  string `json:"level"`
	Plain  string `json:"plain"` // the plain encoder, codec/level
	Raw    int64  `json:"raw_bytes"`
	// PlainBytes is the plain encoder's output; Bytes the format's.
	PlainBytes int64 `json:"plain_bytes"`
	Bytes      int64 `json:"bytes"`
	// TOC, Footer and TarSplit are the format's metadata in the blob,
	// compressed, frame headers included.
	TOC      int64 `json:"toc_bytes"`
	TOCRaw   int64 `json:"toc_raw_bytes"`
	Footer   int64 `json:"footer_bytes"`
	TarSplit int64 `json:"tar_split_bytes,omitempty"`
	Chunks   int   `json:"chunks"`
	Frames   int   `json:"frames"` // compressed frames (gzip members, zstd frames) holding chunks
	Files    int   `json:"files"`  // regular files
}

// Ratio is Bytes over PlainBytes.
func (o Overhead) Ratio() float64 { return float64(o.Bytes) / float64(o.PlainBytes) }

// OverheadOf returns e's overhead.
func OverheadOf(e *Encoded) Overhead {
	l := e.Layout
	return Overhead{
		Layer: e.Layer, Format: e.Format.Name, Level: e.Format.Level,
		Plain: e.Format.PlainCodec + "/" + e.Format.PlainLevel,
		Raw:   e.Raw, PlainBytes: e.Plain, Bytes: l.Size,
		TOC: l.TOC, TOCRaw: l.TOCRaw, Footer: l.Footer, TarSplit: l.TarSplit,
		Chunks: len(l.Chunks), Frames: l.Frames(), Files: len(l.Files),
	}
}

// Update is what a client fetches to update from one version of a layer
// to the next.
type Update struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Format string `json:"format"`
	// Blob is the whole new blob, what a plain pull fetches.
	Blob int64 `json:"blob_bytes"`
	// Meta is the new version's footer, TOC and tar-split, fetched first.
	Meta int64 `json:"meta_bytes"`
	// ChunkBytes is the compressed frames of the chunks the old version
	// lacks, each frame once.
	ChunkBytes int64 `json:"chunk_bytes"`
	// Chunks is the new version's chunks; Fetched how many of them the
	// old version lacks (by digest), each digest once; Zeros how many are
	// runs of zeros, never fetched.
	Chunks  int `json:"chunks"`
	Fetched int `json:"fetched_chunks"`
	Zeros   int `json:"zero_chunks,omitempty"`
	// Ranges is the number of HTTP ranges the chunks take, adjacent
	// frames merged.
	Ranges int `json:"ranges"`
	// Files are the files with chunks fetched, in the new TOC's order.
	Files []string `json:"-"`
}

// Total is what the update fetches: Meta and ChunkBytes.
func (u Update) Total() int64 { return u.Meta + u.ChunkBytes }

// Saved is the share of the new blob the update does not fetch.
func (u Update) Saved() float64 { return 1 - float64(u.Total())/float64(u.Blob) }

// UpdateOf returns what a client holding old fetches of new. Both must be
// of the same format.
func UpdateOf(old, new *Encoded) (Update, error) {
	if old.Layout.Format != new.Layout.Format {
		return Update{}, fmt.Errorf("update from %s (%s) to %s (%s): not the same format", old.Layer, old.Layout.Format, new.Layer, new.Layout.Format)
	}
	have := map[string]bool{}
	for _, c := range old.Layout.Chunks {
		have[c.Digest] = true
	}
	u := Update{From: old.Layer, To: new.Layer, Format: new.Format.Name, Blob: new.Layout.Size,
		Meta: new.Layout.Meta(), Chunks: len(new.Layout.Chunks)}
	var need []chunked.Chunk
	for _, c := range new.Layout.Chunks {
		switch {
		case c.Zeros:
			u.Zeros++
		case have[c.Digest]:
		default:
			have[c.Digest] = true
			u.Fetched++
			need = append(need, c)
			if !slices.Contains(u.Files, c.Name) {
				u.Files = append(u.Files, c.Name)
			}
		}
	}
	u.ChunkBytes, u.Ranges = span(need)
	return u, nil
}

// span returns the bytes of the frames holding chunks, each frame once,
// and the number of ranges they make once adjacent frames are merged.
func span(cs []chunked.Chunk) (bytes int64, ranges int) {
	type frame struct{ off, end int64 }
	seen := map[frame]bool{}
	var fs []frame
	for _, c := range cs {
		f := frame{c.Offset, c.End}
		if !seen[f] {
			seen[f] = true
			fs = append(fs, f)
		}
	}
	sort.Slice(fs, func(i, j int) bool { return fs[i].off < fs[j].off })
	end := int64(-1)
	for _, f := range fs {
		bytes += f.end - f.off
		if f.off != end {
			ranges++
		}
		end = f.end
	}
	return bytes, ranges
}

// FilesFirst is what a client fetches to read some files before the rest.
type FilesFirst struct {
	Layer  string   `json:"layer"`
	Format string   `json:"format"`
	Files  []string `json:"files"`
	// Missing are the files asked for that the layer lacks.
	Missing []string `json:"missing,omitempty"`
	// NotPrioritized are the files a prioritized format was asked to put
	// first but did not: eStargz's Build misses a file whose parent
	// directories have no entry in the tar (a layer diff may lack "./usr/").
	NotPrioritized []string `json:"not_prioritized,omitempty"`
	// FileBytes is the files' uncompressed bytes.
	FileBytes int64 `json:"file_bytes"`
	Blob      int64 `json:"blob_bytes"`
	Meta      int64 `json:"meta_bytes"`
	// ChunkBytes is the compressed frames holding the files' chunks, each
	// frame once; Ranges the HTTP ranges they make, adjacent frames merged.
	ChunkBytes int64 `json:"chunk_bytes"`
	Ranges     int   `json:"ranges"`
}

// Total is what the client fetches before the files can be read.
func (f FilesFirst) Total() int64 { return f.Meta + f.ChunkBytes }

// FilesFirstOf returns what a client fetches of e to read files.
func FilesFirstOf(e *Encoded, files []string) FilesFirst {
	want := map[string]bool{}
	for _, f := range files {
		want[chunkedName(f)] = true
	}
	found := map[string]bool{}
	ff := FilesFirst{Layer: e.Layer, Format: e.Format.Name, Files: files, Blob: e.Layout.Size, Meta: e.Layout.Meta()}
	for _, f := range e.Layout.Files {
		if n := chunkedName(f.Name); want[n] && !found[n] {
			found[n] = true
			ff.FileBytes += f.Size
		}
	}
	var cs []chunked.Chunk
	for _, c := range e.Layout.Chunks {
		if want[chunkedName(c.Name)] && !c.Zeros {
			cs = append(cs, c)
		}
	}
	for _, f := range files {
		if !found[chunkedName(f)] {
			ff.Missing = append(ff.Missing, f)
		}
	}
	ff.ChunkBytes, ff.Ranges = span(cs)
	return ff
}

// chunkedName puts a TOC name in one form: eStargz writes "bin/sh",
// containers/storage "bin/sh" or "./bin/sh", users "/bin/sh".
func chunkedName(name string) string {
	for {
		switch {
		case strings.HasPrefix(name, "./"):
			name = name[2:]
		case strings.HasPrefix(name, "/"):
			name = name[1:]
		default:
			return name
		}
	}
}

// LargestExecutables returns the n largest regular files of l with an
// execute bit, largest first (ties by name).
func LargestExecutables(l *chunked.Layout, n int) []string {
	var fs []chunked.File
	for _, f := range l.Files {
		if f.Mode&0o111 != 0 && f.Size > 0 {
			fs = append(fs, f)
		}
	}
	sort.Slice(fs, func(i, j int) bool {
		if fs[i].Size != fs[j].Size {
			return fs[i].Size > fs[j].Size
		}
		return fs[i].Name < fs[j].Name
	})
	var names []string
	for _, f := range fs[:min(n, len(fs))] {
		names = append(names, f.Name)
	}
	return names
}
