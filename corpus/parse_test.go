package corpus

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"log"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/logs"
)

func TestParse(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "layer.tar.gz")
	if err := os.WriteFile(file, gzipOf(t, sampleTar(t)), 0o644); err != nil {
		t.Fatal(err)
	}
	oddFile := filepath.Join(dir, "oci:odd") // a local path wins over a transport
	if err := os.WriteFile(oddFile, sampleTar(t), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		arg  string
		want Source
		err  error  // errors.Is
		msg  string // in the error message
	}{
		{arg: "builtin", want: Builtin()},
		{arg: dir, want: DirSource(dir)},
		{arg: file, want: FileSource(file)},
		{arg: oddFile, want: FileSource(oddFile)},
		{arg: "oci:/nonexistent/layout:latest", msg: "no OCI layout directory"},
		{arg: "oci-archive:img.tar", err: ErrUnsupportedSource, msg: "OCI archives"},
		{arg: "docker-archive:/nonexistent/img.tar", msg: "no archive file"},
		{arg: "@/nonexistent/corpus.txt", err: fs.ErrNotExist},
		{arg: "@nosuchlist", msg: "no built-in list of that name"},
		{arg: "https://example.com/layer.tar.gz", err: ErrUnsupportedSource, msg: `transport "https://"`},
		{arg: "docker://Bad Ref", msg: "could not parse reference"},
		{arg: filepath.Join(dir, "Missing File.tar.gz"), err: fs.ErrNotExist, msg: "not builtin, a file, a directory or an image reference"},
		{arg: "", msg: "empty source"},
	}
	r, err := NewResolver(Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.arg, func(t *testing.T) {
			got, err := r.Parse(tt.arg)
			if tt.want != nil {
				if err != nil || got != tt.want {
					t.Fatalf("Parse(%q) = %#v, %v; want %#v", tt.arg, got, err, tt.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.msg) || tt.err != nil && !errors.Is(err, tt.err) {
				t.Fatalf("Parse(%q): err = %v, want %v containing %q", tt.arg, err, tt.err, tt.msg)
			}
			if !strings.Contains(err.Error(), tt.arg) {
				t.Errorf("Parse(%q): error %q does not name the source", tt.arg, err)
			}
		})
	}
}

func TestCleanName(t *testing.T) {
	for in, want := range map[string]string{
		"alpine-3.20.3":                "alpine-3.20.3",
		"my layer/with spaces":         "my-layer-with-spaces",
		"docker.io/library/debian:12":  "docker.io-library-debian-12",
		"a=b,c":                        "a-b-c",
		"--x--":                        "x",
		".hidden":                      "hidden",
		"":                             "layer",
		"///":                          "layer",
		"héllo wörld":                  "h-llo-w-rld",
		strings.Repeat("abcdefgh", 10): strings.Repeat("abcdefgh", 8),
	} {
		if got := CleanName(in); got != want {
			t.Errorf("CleanName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestKey(t *testing.T) {
	used := map[string]bool{}
	var got []string
	for _, name := range []string{"alpine", "alpine", "debian", "alpine", "al pine", "alpine-2"} {
		got = append(got, Key(name, used))
	}
	want := []string{"alpine", "alpine-2", "debian", "alpine-3", "al-pine", "alpine-2-2"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Key sequence = %q, want %q", got, want)
			break
		}
	}
}

func TestNameFromFile(t *testing.T) {
	for in, want := range map[string]string{
		"layers/alpine-3.20.3-x86_64-minirootfs.tar.gz": "alpine-3.20.3-x86_64-minirootfs",
		"/x/cirros-0.5.3-x86_64-rootfs.tar.xz":          "cirros-0.5.3-x86_64-rootfs",
		"a.tar.zst":                                     "a",
		"a.TGZ":                                         "a",
		"layer.tar":                                     "layer",
		"my layer (copy).tar.gz":                        "my-layer-copy",
		"blob":                                          "blob",
		".tar.gz":                                       "tar",
		"sha256:" + strings.Repeat("ab", 32):            "abababababab",
		"blobs/sha256/" + strings.Repeat("0f", 32): "0f0f0f0f0f0f",
		"rootfs.img": "rootfs.img",
	} {
		if got := nameFromFile(in); got != want {
			t.Errorf("nameFromFile(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDirSource(t *testing.T) {
	dir := t.TempDir()
	raw := sampleTar(t)
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("b.tar.gz", gzipOf(t, raw))
	write("a.tar.zst", zstdOf(t, raw))
	write("a.tar.gz", gzipOf(t, raw))
	write("README.md", []byte("# layers\n"))
	write("MANIFEST.tsv", []byte("file\n"))
	write(".DS_Store", []byte{0})
	write("notes", []byte("not a layer, no telling extension\n"))
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	write("sub/c.tar.gz", gzipOf(t, raw))

	var warnings bytes.Buffer
	defer func(w *log.Logger) { logs.Warn = w }(logs.Warn)
	logs.Warn = log.New(&warnings, "", 0)

	entries, err := DirSource(dir).Layers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name+"="+filepath.Base(e.Origin))
	}
	want := "a=a.tar.gz a-2=a.tar.zst b=b.tar.gz notes=notes"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("DirSource entries = %s, want %s", got, want)
	}
	for _, skipped := range []string{"README.md", "MANIFEST.tsv", ".DS_Store", "sub"} {
		if !strings.Contains(warnings.String(), skipped) {
			t.Errorf("no warning about skipping %s in %q", skipped, warnings.String())
		}
	}
	// The file that is no blob fails at Load, clearly.
	_, err = Load(context.Background(), entries[3], LoadOptions{})
	if !errors.Is(err, ErrUnknownFormat) || !strings.Contains(err.Error(), "notes") || !strings.Contains(err.Error(), "text") {
		t.Errorf("Load(notes): err = %v, want ErrUnknownFormat naming the file and text", err)
	}

	if _, err := DirSource(t.TempDir()).Layers(context.Background()); err == nil || !strings.Contains(err.Error(), "no layer files") {
		t.Errorf("DirSource of an empty directory: err = %v", err)
	}
	if _, err := DirSource(filepath.Join(dir, "nope")).Layers(context.Background()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("DirSource of a missing directory: err = %v", err)
	}
}

func TestFileSource(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "my layer.tar.xz")
	blob := xzOf(t, sampleTar(t))
	if err := os.WriteFile(path, blob, 0o644); err != nil {
		t.Fatal(err)
	}
	src := FileSource(path)
	if src.Name() != path {
		t.Errorf("Name() = %q, want %q", src.Name(), path)
	}
	entries, err := src.Layers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name != "my-layer" || entries[0].Origin != path {
		t.Fatalf("Layers() = %+v", entries)
	}
	if n, _ := entries[0].Layer.Size(); n != int64(len(blob)) {
		t.Errorf("Size() = %d, want %d", n, len(blob))
	}
	if _, err := FileSource(dir).Layers(context.Background()); err == nil {
		t.Errorf("FileSource of a directory: no error")
	}
	if _, err := FileSource(filepath.Join(dir, "nope")).Layers(context.Background()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("FileSource of a missing file: err = %v", err)
	}
}

// TestParseImageSources checks that registry references, with and without
// docker://, become registry sources, and that the built-in lists parse.
func TestParseImageSources(t *testing.T) {
	r, err := NewResolver(Options{CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	for arg, repo := range map[string]string{
		"debian:bookworm": "docker.io/library/debian",
		"docker://docker.io/library/debian:bookworm":    "docker.io/library/debian",
		"ghcr.io/o/r@sha256:" + strings.Repeat("0", 64): "ghcr.io/o/r",
		"localhost:5000/img":                            "localhost:5000/img",
	} {
		src, err := r.Parse(arg)
		if err != nil {
			t.Fatalf("Parse(%q): %v", arg, err)
		}
		rs, ok := src.(*remoteSource)
		if !ok || repoName(rs.ref.Context()) != repo || rs.Name() != arg {
			t.Errorf("Parse(%q) = %#v, want a registry source for %s", arg, src, repo)
		}
	}
	for _, name := range Lists() {
		src, err := r.Parse("@" + name)
		if err != nil {
			t.Fatalf("Parse(@%s): %v", name, err)
		}
		if n := len(src.(*listSource).sources); n < 3 {
			t.Errorf("@%s lists %d sources", name, n)
		}
	}
}
