package corpus

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// builtinPins pins the builtin layer for a Go release and platform: the
// sha256 of its raw tar and of its gzip blob. Add a row when moving to a new
// Go release (the test prints the values).
//
// Note: the pin assumes the go.dev distribution of that release (reproducible
// since Go 1.21). A Go built from source or repackaged by a distribution has
// other binaries, and so another raw tar.
var builtinPins = map[string]struct{ raw, blob string }{
	"go1.26.8 linux/amd64": {
		raw:  "ab91f7aa2e29a8c2d4dbf6e75750b8b5344ea73f6672a641793b62abf0420fa7",
		blob: "2255ae9bc41167cf286f0a04f8ae33ae1796767d4f42dfe389a6cc28a9c93a37",
	},
}

// builtinSizeRange is the raw tar size the selection aims for.
const builtinMinBytes, builtinMaxBytes = 20_000_000, 24_000_000

// loadBuiltin builds and loads the builtin layer once for all tests, and
// says how long building took.
func loadBuiltin(t *testing.T) (*Loaded, time.Duration) {
	t.Helper()
	builtinOnce.Do(func() {
		start := time.Now()
		entries, err := Builtin().Layers(context.Background())
		builtinElapsed = time.Since(start)
		if err != nil {
			builtinErr = err
			return
		}
		if len(entries) != 1 {
			builtinErr = fmt.Errorf("Builtin gives %d layers, want 1", len(entries))
			return
		}
		builtinLoaded, builtinErr = Load(context.Background(), entries[0], LoadOptions{MaxBytes: 1 << 30})
	})
	if builtinErr != nil {
		t.Fatal(builtinErr)
	}
	return builtinLoaded, builtinElapsed
}

var (
	builtinOnce    sync.Once
	builtinLoaded  *Loaded
	builtinElapsed time.Duration
	builtinErr     error
)

func TestBuiltin(t *testing.T) {
	l, elapsed := loadBuiltin(t)
	e := l.Entry
	t.Logf("%s from %s: %d files, raw %d bytes sha256:%s, blob %d bytes sha256:%s, built in %v",
		e.Name, e.Origin, l.Files, len(l.Raw), l.DiffID.Hex, len(l.Blob), l.Digest.Hex, elapsed.Round(time.Millisecond))
	if elapsed > 2*time.Second {
		t.Logf("note: building the builtin layer took %v, more than the 2 s it should", elapsed)
	}

	if !regexp.MustCompile(`^builtin-(go[0-9][0-9a-z.]*|devel-go\S+|unknown)$`).MatchString(e.Name) || e.Name != CleanName(e.Name) {
		t.Errorf("Name = %q, want builtin-goVERSION", e.Name)
	}
	if !strings.HasPrefix(e.Origin, "builtin:") {
		t.Errorf("Origin = %q, want builtin:GOROOT", e.Origin)
	}
	if l.Format != FormatGzip || e.Digest != l.Digest || e.DiffID != l.DiffID {
		t.Errorf("format %s, entry digest %s diffID %s; Load found %s and %s", l.Format, e.Digest, e.DiffID, l.Digest, l.DiffID)
	}
	if n := len(l.Raw); n < builtinMinBytes-2_000_000 || n > builtinMaxBytes+2_000_000 {
		t.Errorf("raw tar is %d bytes, want about %d to %d", n, builtinMinBytes, builtinMaxBytes)
	}
	if ratio := float64(len(l.Raw)) / float64(len(l.Blob)); ratio < 2 || ratio > 5 {
		t.Errorf("gzip ratio %.2f, want that of a golang layer, about 3", ratio)
	}

	// The pin, when this Go release has one.
	goroot, err := findGOROOT(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	key := goVersion(context.Background(), goroot) + " " + runtime.GOOS + "/" + runtime.GOARCH
	pin, ok := builtinPins[key]
	if !ok {
		t.Skipf("no pinned sha256 for %s; to pin it, add to builtinPins: %q: {raw: %q, blob: %q}", key, key, l.DiffID.Hex, l.Digest.Hex)
	}
	if n := len(l.Raw); n < builtinMinBytes || n > builtinMaxBytes {
		t.Errorf("raw tar is %d bytes, want %d to %d", n, builtinMinBytes, builtinMaxBytes)
	}
	if l.DiffID.Hex != pin.raw {
		t.Errorf("%s: raw tar sha256 %s, pinned %s (a Go not from go.dev has other binaries)", key, l.DiffID.Hex, pin.raw)
	}
	if l.Digest.Hex != pin.blob {
		t.Errorf("%s: blob sha256 %s, pinned %s", key, l.Digest.Hex, pin.blob)
	}
}

// TestBuiltinHeaders checks that no header carries anything of the machine
// that made the layer.
func TestBuiltinHeaders(t *testing.T) {
	l, _ := loadBuiltin(t)
	goroot, _ := findGOROOT(context.Background())
	var binaries, sources int64
	tr := tar.NewReader(bytes.NewReader(l.Raw))
	prev := ""
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case hdr.Name <= prev:
			t.Errorf("%s after %s: not in name order", hdr.Name, prev)
		case !strings.HasPrefix(hdr.Name, builtinPrefix) && hdr.Name != "usr/" && hdr.Name != "usr/local/":
			t.Errorf("%s: not under %s", hdr.Name, builtinPrefix)
		case goroot != "/usr/local/go" && strings.Contains(hdr.Name, strings.TrimPrefix(filepath.ToSlash(goroot), "/")):
			t.Errorf("%s: holds the GOROOT path %s", hdr.Name, goroot)
		case !hdr.ModTime.Equal(builtinModTime) || !hdr.AccessTime.IsZero() || !hdr.ChangeTime.IsZero():
			t.Errorf("%s: times %v %v %v, want %v only", hdr.Name, hdr.ModTime, hdr.AccessTime, hdr.ChangeTime, builtinModTime)
		case hdr.Uid != 0 || hdr.Gid != 0 || hdr.Uname != "" || hdr.Gname != "":
			t.Errorf("%s: owner %d:%d %q:%q, want 0:0 and no names", hdr.Name, hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname)
		case hdr.Typeflag == tar.TypeDir && (hdr.Mode != 0o755 || !strings.HasSuffix(hdr.Name, "/")):
			t.Errorf("%s: directory with mode %o", hdr.Name, hdr.Mode)
		case hdr.Typeflag == tar.TypeReg && hdr.Mode != 0o644 && hdr.Mode != 0o755:
			t.Errorf("%s: mode %o, want 644 or 755", hdr.Name, hdr.Mode)
		case hdr.Typeflag != tar.TypeReg && hdr.Typeflag != tar.TypeDir:
			t.Errorf("%s: type %c, want files and directories only", hdr.Name, hdr.Typeflag)
		}
		for k := range hdr.PAXRecords {
			if k != "path" {
				t.Errorf("%s: PAX record %s", hdr.Name, k)
			}
		}
		if strings.Contains(hdr.Name, "/bin/") || strings.Contains(hdr.Name, "/pkg/tool/") {
			binaries += hdr.Size
			if hdr.Mode != 0o755 {
				t.Errorf("%s: binary with mode %o", hdr.Name, hdr.Mode)
			}
		} else if strings.HasSuffix(hdr.Name, ".go") {
			sources += hdr.Size
		}
		prev = hdr.Name
	}
	share := float64(binaries) / float64(len(l.Raw))
	t.Logf("binaries %d bytes (%.0f%%), .go sources %d bytes", binaries, 100*share, sources)
	if share < 0.2 || share > 0.5 {
		t.Errorf("binaries are %.0f%% of the tar, want about a third", 100*share)
	}
}

// TestBuiltinDeterministic builds the layer twice: from GOROOT, and from a
// copy of its selected files at another path, with other mtimes and modes,
// as another machine might have it. Both must give the same bytes.
func TestBuiltinDeterministic(t *testing.T) {
	ctx := context.Background()
	goroot, err := findGOROOT(ctx)
	if err != nil {
		t.Fatal(err)
	}
	blob1, diff1, err := buildBuiltin(ctx, goroot)
	if err != nil {
		t.Fatal(err)
	}

	files, err := builtinFiles(ctx, goroot)
	if err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(t.TempDir(), "home", "someone", "sdk", "go")
	mtime := time.Now().Add(-time.Hour)
	for _, f := range files {
		if f.src == "" {
			continue
		}
		rel, _ := filepath.Rel(goroot, f.src)
		dst := filepath.Join(other, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o775); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(f.src)
		if err != nil {
			t.Fatal(err)
		}
		mode := os.FileMode(0o664)
		if f.exec {
			mode = 0o775
		}
		if err := os.WriteFile(dst, b, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(dst, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	blob2, diff2, err := buildBuiltin(ctx, other)
	if err != nil {
		t.Fatal(err)
	}
	if diff1 != diff2 || !bytes.Equal(blob1, blob2) {
		t.Errorf("builtin layer from %s: raw %s, blob %d bytes; from a copy at %s: raw %s, blob %d bytes",
			goroot, diff1, len(blob1), other, diff2, len(blob2))
	}
}

func TestBuiltinCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Builtin().Layers(ctx); err == nil {
		t.Errorf("Builtin().Layers with a canceled context: no error")
	}
}
