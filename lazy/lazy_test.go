package lazy

import (
	"archive/tar"
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"zbench/lazy/chunked"
)

type file struct {
	name string
	mode int64
	data []byte
}

func randomBytes(seed uint64, n int) []byte {
	rng := rand.New(rand.NewPCG(seed, 7))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

func tarOf(t *testing.T, fs ...file) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	dirs := map[string]bool{}
	for _, f := range fs {
		// Parent directories first, as in a real layer.
		for i := range f.name {
			if d := f.name[:i+1]; f.name[i] == '/' && !dirs[d] {
				dirs[d] = true
				if err := tw.WriteHeader(&tar.Header{Name: d, Mode: 0o755, Typeflag: tar.TypeDir, ModTime: time.Unix(1, 0)}); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data)), Typeflag: tar.TypeReg, ModTime: time.Unix(1, 0)}); err != nil {
			t.Fatal(err)
		}
		tw.Write(f.data)
	}
	tw.Close()
	return buf.Bytes()
}

// tarOfNoDirs is tarOf without the parent directories' entries.
func tarOfNoDirs(t *testing.T, fs ...file) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range fs {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data)), Typeflag: tar.TypeReg, ModTime: time.Unix(1, 0)}); err != nil {
			t.Fatal(err)
		}
		tw.Write(f.data)
	}
	tw.Close()
	return buf.Bytes()
}

// Two versions of a layer: a and c unchanged, b changed, d new.
func versions(t *testing.T) (v1, v2 []byte) {
	a := file{"usr/lib/a.so", 0o755, randomBytes(1, 100<<10)}
	b1 := file{"etc/b.conf", 0o644, randomBytes(2, 50<<10)}
	b2 := file{"etc/b.conf", 0o644, randomBytes(3, 50<<10)}
	c := file{"usr/bin/c", 0o755, randomBytes(4, 200<<10)}
	d := file{"usr/share/d", 0o644, randomBytes(5, 30<<10)}
	return tarOf(t, a, b1, c), tarOf(t, a, b2, c, d)
}

func encode(t *testing.T, name string, raw []byte, f Format, prio []string) *Encoded {
	t.Helper()
	e, err := Encode(name, raw, f, prio)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// frames returns the bytes of the distinct frames of l's chunks of files.
func frames(l *chunked.Layout, files ...string) int64 {
	seen := map[int64]bool{}
	var n int64
	for _, c := range l.Chunks {
		if slices.Contains(files, c.Name) && !seen[c.Offset] {
			seen[c.Offset] = true
			n += c.End - c.Offset
		}
	}
	return n
}

func TestUpdate(t *testing.T) {
	v1, v2 := versions(t)
	for _, f := range DefaultFormats() {
		t.Run(f.Name, func(t *testing.T) {
			e1, e2 := encode(t, "v1", v1, f, nil), encode(t, "v2", v2, f, nil)
			u, err := UpdateOf(e1, e2)
			if err != nil {
				t.Fatal(err)
			}
			// Only the changed and the new file are fetched, after the
			// metadata.
			if want := []string{"etc/b.conf", "usr/share/d"}; !slices.Equal(u.Files, want) {
				t.Errorf("fetched files %q, want %q", u.Files, want)
			}
			if want := frames(e2.Layout, "etc/b.conf", "usr/share/d"); u.ChunkBytes != want {
				t.Errorf("chunk bytes %d, want the frames of b and d, %d", u.ChunkBytes, want)
			}
			if u.Meta != e2.Layout.Footer+e2.Layout.TOC+e2.Layout.TarSplit || u.Meta <= 0 {
				t.Errorf("meta %d: want footer %d + TOC %d + tar-split %d", u.Meta, e2.Layout.Footer, e2.Layout.TOC, e2.Layout.TarSplit)
			}
			if u.Blob != int64(len(e2.Blob)) || u.Total() >= u.Blob || u.Saved() <= 0.5 {
				t.Errorf("blob %d, fetched %d (saved %.2f): want about 80 of 380 KiB fetched", u.Blob, u.Total(), u.Saved())
			}
			// Nothing changed: only the metadata.
			same, _ := UpdateOf(e2, e2)
			if same.ChunkBytes != 0 || same.Fetched != 0 || same.Total() != same.Meta {
				t.Errorf("update to itself fetches %d chunk bytes (%d chunks)", same.ChunkBytes, same.Fetched)
			}
			// From nothing in common: every frame.
			other := encode(t, "other", tarOf(t, file{"x", 0o644, randomBytes(9, 1000)}), f, nil)
			all, _ := UpdateOf(other, e2)
			if want := frames(e2.Layout, "usr/lib/a.so", "etc/b.conf", "usr/bin/c", "usr/share/d"); all.ChunkBytes != want || all.Fetched != len(e2.Layout.Chunks) {
				t.Errorf("update from an unrelated layer: %d bytes, %d chunks; want %d bytes, %d chunks", all.ChunkBytes, all.Fetched, want, len(e2.Layout.Chunks))
			}
			o := OverheadOf(e2)
			if o.Bytes != int64(len(e2.Blob)) || o.PlainBytes <= 0 || o.Files != 4 || o.Chunks < 4 || o.Frames < 4 {
				t.Errorf("overhead %+v: want 4 files, at least 4 chunks and frames", o)
			}
		})
	}
}

func TestUpdateFormatsDiffer(t *testing.T) {
	v1, _ := versions(t)
	fs := DefaultFormats()
	if _, err := UpdateOf(encode(t, "a", v1, fs[0], nil), encode(t, "b", v1, fs[1], nil)); err == nil {
		t.Error("an update from eStargz to zstd:chunked: want an error")
	}
}

// TestFilesFirst: two files apart in the tar take two ranges; prioritized,
// eStargz puts them first, in one.
func TestFilesFirst(t *testing.T) {
	_, v2 := versions(t)
	es := DefaultFormats()[0]
	want := []string{"usr/bin/c", "/usr/lib/a.so"}
	plain := encode(t, "v2", v2, es, nil)
	if got := LargestExecutables(plain.Layout, 2); !slices.Equal(got, []string{"usr/bin/c", "usr/lib/a.so"}) {
		t.Errorf("LargestExecutables = %q", got)
	}
	ff := FilesFirstOf(plain, append(want, "no/such/file"))
	if ff.Ranges != 2 || ff.FileBytes != 300<<10 || !slices.Equal(ff.Missing, []string{"no/such/file"}) {
		t.Errorf("without priorities: %d ranges, %d file bytes, missing %q; want 2, %d, [no/such/file]", ff.Ranges, ff.FileBytes, ff.Missing, 300<<10)
	}
	if w := frames(plain.Layout, "usr/bin/c", "usr/lib/a.so"); ff.ChunkBytes != w {
		t.Errorf("chunk bytes %d, want %d", ff.ChunkBytes, w)
	}
	pf, ok := Prioritized(es)
	if !ok {
		t.Fatal("eStargz has no prioritized variant")
	}
	prio := encode(t, "v2", v2, pf, want)
	fp := FilesFirstOf(prio, want)
	if len(prio.Missed) > 0 {
		t.Errorf("Build missed %q", prio.Missed)
	}
	// Without the entries of its parent directories, the library misses a
	// file, and says so.
	noDirs := tarOfNoDirs(t, file{"usr/bin/c", 0o755, randomBytes(4, 1000)})
	missed := encode(t, "nodirs", noDirs, pf, []string{"usr/bin/c"})
	if !slices.Equal(missed.Missed, []string{"usr/bin/c"}) {
		t.Errorf("a file without its parent directories' entries: Missed = %q, want [usr/bin/c]", missed.Missed)
	}
	if fp.Ranges != 1 || fp.FileBytes != 300<<10 {
		t.Errorf("prioritized: %d ranges, %d file bytes; want 1, %d", fp.Ranges, fp.FileBytes, 300<<10)
	}
	if _, ok := Prioritized(DefaultFormats()[1]); ok {
		t.Error("zstd:chunked has a prioritized variant")
	}
}

func TestSpan(t *testing.T) {
	cs := []chunked.Chunk{
		{Offset: 100, End: 200}, {Offset: 100, End: 200}, // one frame, two chunks
		{Offset: 200, End: 250}, // adjacent: same range
		{Offset: 300, End: 310}, // a gap: a second range
	}
	if b, r := span(cs); b != 160 || r != 2 {
		t.Errorf("span = %d bytes, %d ranges; want 160, 2", b, r)
	}
}

// TestChunkSize: eStargz with 64 KiB chunks cuts a 200 KiB file in four,
// each verified, and an update that changes nothing else fetches only the
// changed chunks.
func TestChunkSize(t *testing.T) {
	f, err := WithChunkSize(DefaultFormats()[0], 64<<10)
	if err != nil {
		t.Fatal(err)
	}
	if f.Name != "estargz-chunk64KiB" {
		t.Errorf("name %q", f.Name)
	}
	c1 := randomBytes(4, 200<<10)
	c2 := bytes.Clone(c1)
	c2[100<<10] ^= 1 // in the second chunk
	e1 := encode(t, "v1", tarOf(t, file{"usr/bin/c", 0o755, c1}), f, nil)
	e2 := encode(t, "v2", tarOf(t, file{"usr/bin/c", 0o755, c2}), f, nil)
	if n := len(e2.Layout.Chunks); n != 4 {
		t.Fatalf("%d chunks, want 4", n)
	}
	u, err := UpdateOf(e1, e2)
	if err != nil {
		t.Fatal(err)
	}
	second := e2.Layout.Chunks[1]
	if u.Fetched != 1 || u.ChunkBytes != second.End-second.Offset {
		t.Errorf("update fetches %d chunks, %d bytes; want the second chunk, %d bytes", u.Fetched, u.ChunkBytes, second.End-second.Offset)
	}
	if _, err := WithChunkSize(DefaultFormats()[1], 1<<20); err == nil {
		t.Error("zstd:chunked with a chunk size: want an error")
	}
}
