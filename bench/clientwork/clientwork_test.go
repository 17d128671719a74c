package clientwork

import (
	"archive/tar"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type entry struct {
	name, link string
	typ        byte
	mode       int64
	body       string
}

func makeTar(t *testing.T, es []entry) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	mt := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, e := range es {
		h := &tar.Header{Name: e.name, Linkname: e.link, Typeflag: e.typ, Mode: e.mode, Size: int64(len(e.body)), ModTime: mt,
			Uid: os.Getuid(), Gid: os.Getgid()}
		if e.typ != tar.TypeReg {
			h.Size = 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			tw.Write([]byte(e.body))
		}
	}
	tw.Close()
	return b.Bytes()
}

// TestUntarAndCopy unpacks a layer with a read-only directory, a setgid
// file, a symlink and a hard link, then copies the tree: contents, modes,
// times and links survive both.
func TestUntarAndCopy(t *testing.T) {
	raw := makeTar(t, []entry{
		{name: "usr/", typ: tar.TypeDir, mode: 0o555},
		{name: "usr/bin/tool", typ: tar.TypeReg, mode: 0o2755, body: "#!/bin/sh\n"},
		{name: "usr/bin/alias", typ: tar.TypeLink, link: "usr/bin/tool"},
		{name: "usr/lib/lib.so", typ: tar.TypeReg, mode: 0o644, body: strings.Repeat("x", 100000)},
		{name: "lib", typ: tar.TypeSymlink, link: "usr/lib"},
		{name: "etc/.wh.gone", typ: tar.TypeReg, mode: 0o644},
		{name: "dev/null", typ: tar.TypeChar, mode: 0o666},
	})
	dir := t.TempDir()
	dst := filepath.Join(dir, "a")
	st, err := Untar(dst, bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if st.Entries != 7 || st.Created != 5 {
		t.Errorf("stats %+v, want 7 entries, 5 made (no whiteout, no device)", st)
	}
	cp := filepath.Join(dir, "b")
	if err := CopyTree(cp, dst); err != nil {
		t.Fatal(err)
	}
	for _, root := range []string{dst, cp} {
		fi, err := os.Stat(filepath.Join(root, "usr"))
		if err != nil || fi.Mode().Perm() != 0o555 || !fi.ModTime().Equal(time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)) {
			t.Errorf("%s/usr: %v %v", root, fi, err)
		}
		tool, err := os.Stat(filepath.Join(root, "usr/bin/tool"))
		if err != nil || tool.Mode()&os.ModeSetgid == 0 || tool.Mode().Perm() != 0o755 {
			t.Errorf("%s/usr/bin/tool: %v %v", root, tool, err)
		}
		alias, err := os.Stat(filepath.Join(root, "usr/bin/alias"))
		if err != nil || !os.SameFile(tool, alias) {
			t.Errorf("%s: the hard link is not the same file", root)
		}
		if l, err := os.Readlink(filepath.Join(root, "lib")); err != nil || l != "usr/lib" {
			t.Errorf("%s/lib: %q %v", root, l, err)
		}
		if b, err := os.ReadFile(filepath.Join(root, "lib/lib.so")); err != nil || len(b) != 100000 {
			t.Errorf("%s/lib/lib.so: %d bytes, %v", root, len(b), err)
		}
		if _, err := os.Lstat(filepath.Join(root, "etc/.wh.gone")); err == nil {
			t.Errorf("%s: a whiteout was unpacked", root)
		}
	}
	// Scratch trees with read-only directories can still be removed.
	removeAll(dir)
	if _, err := os.Stat(dst); err == nil {
		t.Error("removeAll left the tree")
	}
}

// TestUntarStaysInside: entries through a symlink, hard links to what the
// layer did not write, and ".." are refused or kept inside.
func TestUntarStaysInside(t *testing.T) {
	outside := t.TempDir()
	for name, es := range map[string][]entry{
		"through a symlink": {{name: "esc", typ: tar.TypeSymlink, link: outside}, {name: "esc/evil", typ: tar.TypeReg, mode: 0o644, body: "x"}},
		"hard link out":     {{name: "h", typ: tar.TypeLink, link: "../../../etc/passwd"}},
		"hard link to link": {{name: "s", typ: tar.TypeSymlink, link: outside}, {name: "h", typ: tar.TypeLink, link: "s"}},
	} {
		if _, err := Untar(filepath.Join(t.TempDir(), "d"), bytes.NewReader(makeTar(t, es))); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if left, _ := os.ReadDir(outside); len(left) > 0 {
		t.Fatalf("wrote outside: %v", left)
	}
	dst := filepath.Join(t.TempDir(), "d")
	if _, err := Untar(dst, bytes.NewReader(makeTar(t, []entry{{name: "../../up", typ: tar.TypeReg, mode: 0o644, body: "x"}}))); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dst, "up")); err != nil {
		t.Errorf("../../up was not kept inside as up: %v", err)
	}
	if _, err := Untar(filepath.Join(t.TempDir(), "d"), bytes.NewReader([]byte("not a tar, not at all, but long enough to fail the header check..........................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................."))); err == nil {
		t.Error("a corrupt tar unpacked")
	}
}

// TestMeasure times every stage of a small layer.
func TestMeasure(t *testing.T) {
	var es []entry
	for i := range 50 {
		es = append(es, entry{name: filepath.Join("d", string(rune('a'+i%26)), strings.Repeat("f", i+1)), typ: tar.TypeReg, mode: 0o644, body: strings.Repeat("y", 4096*i)})
	}
	raw := makeTar(t, es)
	dir := t.TempDir()
	w, err := Measure(context.Background(), Layer{Name: "small", Blob: raw[:len(raw)/3], Raw: raw}, Options{Dir: dir, Count: 2})
	if err != nil {
		t.Fatal(err)
	}
	if w.Layer != "small" || w.TarBytes != int64(len(raw)) || w.Entries != 50 || w.Unpacked != 50 {
		t.Errorf("%+v", w)
	}
	for name, v := range w.Stages() {
		if v <= 0 {
			t.Errorf("stage %s: %v s", name, v)
		}
	}
	if left, _ := os.ReadDir(dir); len(left) > 0 {
		t.Errorf("scratch left behind: %v", left)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Measure(ctx, Layer{Name: "small", Blob: raw, Raw: raw}, Options{Dir: dir}); err == nil {
		t.Error("a cancelled measurement returned no error")
	}
	if _, err := Measure(context.Background(), Layer{Name: "empty"}, Options{Dir: dir}); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("empty layer: %v", err)
	}
}
