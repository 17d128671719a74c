package lazy

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"zbench/lazy/chunked"
)

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
