package corpus

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// The builtin layer is a deterministic slice of the Go installation that
// builds zbench: what the official golang image holds in its largest layer
// (/usr/local/go), sources and binaries.
//
// Selection, relative to GOROOT (about 23 MB of tar for go1.26 on
// linux/amd64, a third of it binaries):
//
//   - the notices LICENSE, PATENTS, README.md, SECURITY.md and VERSION
//     (go.env is left out: installers and images edit it);
//   - binaries: bin/gofmt and pkg/tool/GOOS_GOARCH/asm (GOOS and GOARCH
//     of zbench itself; .exe on windows);
//   - every regular file under the builtinSrcDirs below, test data
//     included, as in the image.
//
// Note: the binaries (8 MB, which gzip -6 shrinks to 40%) and the Go sources
// (15 MB, shrunk to a quarter) together compress about 3.2x, near the real
// golang layer. Whole src/ (130 MB) or pkg/tool (70 MB) would make
// the layer slow to build and to measure; this fixed subset keeps generation
// under a second. Symbolic links and other special files are left out (the
// selected directories hold none in current releases).
var (
	builtinNotices = []string{"LICENSE", "PATENTS", "README.md", "SECURITY.md", "VERSION"}
	builtinSrcDirs = []string{
		"src/archive", "src/bufio", "src/bytes", "src/compress", "src/context",
		"src/encoding", "src/errors", "src/fmt", "src/go", "src/io",
		"src/net/http", "src/os", "src/sort", "src/strconv", "src/strings",
		"src/sync", "src/time",
	}
)

// builtinBinaries are the selected binaries, relative to GOROOT.
func builtinBinaries() []string {
	exe := ""
	if runtime.GOOS == "windows" {
		exe = ".exe"
	}
	return []string{
		"bin/gofmt" + exe,
		"pkg/tool/" + runtime.GOOS + "_" + runtime.GOARCH + "/asm" + exe,
	}
}

// The normalized tar headers of the builtin layer: everything that could
// differ between machines is fixed.
const builtinPrefix = "usr/local/go/" // where the golang image has GOROOT

var builtinModTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// Builtin is the offline source: one layer, made from the Go installation
// that builds zbench (runtime.GOROOT(), or `go env GOROOT`), so that the
// same Go release on the same GOOS/GOARCH gives the same bytes on every run
// and every machine. It holds what the official golang image holds in its
// largest layer, sources and binaries, in a fixed selection of GOROOT:
//
//   - LICENSE, PATENTS, README.md, SECURITY.md and VERSION (not go.env,
//     which installers and images edit);
//   - bin/gofmt and pkg/tool/GOOS_GOARCH/asm;
//   - every regular file under src/archive, src/bufio, src/bytes,
//     src/compress, src/context, src/encoding, src/errors, src/fmt, src/go,
//     src/io, src/net/http, src/os, src/sort, src/strconv, src/strings,
//     src/sync and src/time, test data included.
//
// For go1.26.8 on linux/amd64 that is 1628 entries, 22,969,856 bytes of tar,
// 35% of it binaries. The raw tar holds them under usr/local/go/, in name
// order, with their parent directories and normalized headers: mtime
// 2000-01-01T00:00:00Z, uid and gid 0, no user or group names, mode 0755 for
// directories and executables and 0644 otherwise, PAX format. The blob, as
// published, is that tar compressed by Go's compress/gzip at its default
// level, which is how buildkit and moby write layers. The entry is named
// "builtin-" plus the Go version (builtin-go1.26.8); its origin is
// "builtin:" plus GOROOT; its Digest and DiffID are set. Building it takes
// about a second.
func Builtin() Source { return builtinSource{} }

type builtinSource struct{}

func (builtinSource) Name() string { return "builtin" }

func (builtinSource) Layers(ctx context.Context) ([]Entry, error) {
	goroot, err := findGOROOT(ctx)
	if err != nil {
		return nil, fmt.Errorf("builtin layer: %w", err)
	}
	blob, diffID, err := buildBuiltin(ctx, goroot)
	if err != nil {
		return nil, fmt.Errorf("builtin layer from GOROOT %s: %w", goroot, err)
	}
	digest := sha256Hash(blob)
	layer := bytesLayer(blob)
	layer.setHashes(digest, diffID)
	return []Entry{{
		Name:   "builtin-" + CleanName(goVersion(ctx, goroot)),
		Origin: "builtin:" + goroot,
		Layer:  layer,
		Digest: digest,
		DiffID: diffID,
	}}, nil
}

// buildBuiltin writes the builtin layer of goroot and returns its blob and
// the sha256 of its raw tar.
//
// Note: the raw tar is never held in memory: it is hashed and compressed as
// it is written, and the compression runs in a second goroutine, which on
// two cores halves the time (gzip is 3/4 of the work). Load gets the raw tar
// back by decoding the blob, as for any other layer.
func buildBuiltin(ctx context.Context, goroot string) (blob []byte, diffID v1.Hash, err error) {
	files, err := builtinFiles(ctx, goroot)
	if err != nil {
		return nil, diffID, err
	}
	rawSize := builtinTarSize(files)

	pr, pw := io.Pipe()
	type result struct {
		blob []byte
		err  error
	}
	done := make(chan result, 1)
	go func() {
		b, err := gzipDefault(pr, rawSize)
		pr.CloseWithError(err) // unblocks the writer if gzip failed
		done <- result{b, err}
	}()

	h := sha256.New()
	bw := bufio.NewWriterSize(pw, 256<<10)
	err = writeBuiltinTar(ctx, io.MultiWriter(h, bw), files)
	if err == nil {
		err = bw.Flush()
	}
	pw.CloseWithError(err) // nil: EOF for the gzip side
	res := <-done
	if err == nil {
		err = res.err
	}
	if err != nil {
		return nil, diffID, err
	}
	return res.blob, v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(h.Sum(nil))}, nil
}

// findGOROOT returns the Go installation to take the builtin layer from.
func findGOROOT(ctx context.Context) (string, error) {
	// runtime.GOROOT is deprecated because it may name the GOROOT of the
	// machine that built the binary, or be empty with -trimpath; it is only
	// the first guess here, and `go env GOROOT` the fallback.
	if g := runtime.GOROOT(); g != "" && isGOROOT(g) {
		return g, nil
	}
	out, err := exec.CommandContext(ctx, "go", "env", "GOROOT").Output()
	if err != nil {
		return "", fmt.Errorf("no Go installation: runtime.GOROOT() is %q and `go env GOROOT` failed: %w", runtime.GOROOT(), err)
	}
	g := strings.TrimSpace(string(out))
	if !isGOROOT(g) {
		return "", fmt.Errorf("`go env GOROOT` gives %q, which holds no Go sources", g)
	}
	return g, nil
}

func isGOROOT(dir string) bool {
	fi, err := os.Stat(filepath.Join(dir, "src", "runtime"))
	return err == nil && fi.IsDir()
}

// goVersion returns the version of the Go installation at goroot, from its
// VERSION file (go1.26.8), or from its go command for a development tree.
func goVersion(ctx context.Context, goroot string) string {
	if b, err := os.ReadFile(filepath.Join(goroot, "VERSION")); err == nil {
		if line, _, _ := strings.Cut(string(b), "\n"); strings.HasPrefix(line, "go") {
			return strings.TrimSpace(line)
		}
	}
	out, err := exec.CommandContext(ctx, filepath.Join(goroot, "bin", "go"), "env", "GOVERSION").Output()
	if err == nil {
		// "devel go1.27-abcdef Tue …": keep the first two words.
		if f := strings.Fields(string(out)); len(f) > 0 {
			return strings.Join(f[:min(2, len(f))], "-")
		}
	}
	return "unknown"
}

// builtinFile is one entry of the builtin tar.
type builtinFile struct {
	name string // path in the tar; directories end in '/'
	src  string // path on disk; "" for directories
	size int64
	exec bool
}

// builtinFiles lists the entries of the builtin tar, sorted by name, with
// every parent directory.
func builtinFiles(ctx context.Context, goroot string) ([]builtinFile, error) {
	var files []builtinFile
	dirs := map[string]bool{}
	addDirs := func(rel string) { // records the parent directories of rel
		for d := path.Dir(rel); d != "."; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	addFile := func(rel string, fi fs.FileInfo) {
		files = append(files, builtinFile{
			name: builtinPrefix + rel,
			src:  filepath.Join(goroot, filepath.FromSlash(rel)),
			size: fi.Size(),
			exec: fi.Mode()&0o111 != 0,
		})
		addDirs(rel)
	}

	for _, rel := range builtinNotices {
		fi, err := os.Stat(filepath.Join(goroot, rel))
		if errors.Is(err, fs.ErrNotExist) {
			continue // an older or newer release without it
		}
		if err != nil {
			return nil, err
		}
		if fi.Mode().IsRegular() {
			addFile(rel, fi)
		}
	}
	for _, rel := range builtinBinaries() {
		fi, err := os.Stat(filepath.Join(goroot, filepath.FromSlash(rel)))
		if err != nil {
			return nil, fmt.Errorf("GOROOT %s lacks a binary the builtin layer needs: %w", goroot, err)
		}
		if !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("GOROOT %s: %s is not a regular file", goroot, rel)
		}
		addFile(rel, fi)
	}
	for _, top := range builtinSrcDirs {
		root := filepath.Join(goroot, filepath.FromSlash(top))
		if _, err := os.Stat(root); errors.Is(err, fs.ErrNotExist) {
			continue // a release without this package
		}
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			rel, err := filepath.Rel(goroot, p)
			if err != nil {
				return err
			}
			rel = filepath.ToSlash(rel)
			switch {
			case d.IsDir():
				dirs[rel] = true
				addDirs(rel)
			case d.Type().IsRegular():
				fi, err := d.Info()
				if err != nil {
					return err
				}
				addFile(rel, fi)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("walking GOROOT: %w", err)
		}
	}

	files = append(files, builtinFile{name: builtinPrefix, exec: true})
	for _, p := range []string{"usr/", "usr/local/"} {
		files = append(files, builtinFile{name: p, exec: true})
	}
	for d := range dirs {
		files = append(files, builtinFile{name: builtinPrefix + d + "/", exec: true})
	}
	slices.SortFunc(files, func(a, b builtinFile) int { return strings.Compare(a.name, b.name) })
	return files, nil
}

// builtinTarSize is the size of the tar of files, up to the PAX records of
// long names: a header block per entry, the data rounded up to blocks, two
// end blocks.
func builtinTarSize(files []builtinFile) int64 {
	size := int64(2 * tarBlockSize)
	for _, f := range files {
		size += tarBlockSize + (f.size+tarBlockSize-1)/tarBlockSize*tarBlockSize
		if len(f.name) > 100 {
			size += 2 * tarBlockSize
		}
	}
	return size
}

// writeBuiltinTar writes the tar of files to w, with normalized headers.
func writeBuiltinTar(ctx context.Context, w io.Writer, files []builtinFile) error {
	tw := tar.NewWriter(w)
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		hdr := &tar.Header{
			Name:    f.name,
			Mode:    0o644,
			ModTime: builtinModTime,
			Format:  tar.FormatPAX,
		}
		if f.exec {
			hdr.Mode = 0o755
		}
		if f.src == "" {
			hdr.Typeflag = tar.TypeDir
		} else {
			hdr.Typeflag = tar.TypeReg
			hdr.Size = f.size
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("writing tar header for %s: %w", f.name, err)
		}
		if f.src != "" {
			if err := copyFile(tw, f.src, f.size); err != nil {
				return err
			}
		}
	}
	return tw.Close()
}

// copyFile writes the size bytes of the file at src to w.
func copyFile(w io.Writer, src string, size int64) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := io.CopyN(w, bufio.NewReaderSize(f, 64<<10), size); err != nil {
		return fmt.Errorf("reading %s: %w (did it change while the layer was built?)", src, err)
	}
	return nil
}

// gzipDefault compresses what r yields as buildkit and moby write layers:
// Go's compress/gzip at its default level, with an empty header (no name, no
// mtime). rawSize sizes the output buffer.
func gzipDefault(r io.Reader, rawSize int64) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(int(rawSize/3) + 1024) // Go trees compress to about 0.31
	zw := gzip.NewWriter(&buf)
	if _, err := io.Copy(zw, r); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	if cap(b)-len(b) > len(b)/8 {
		b = bytes.Clone(b)
	}
	return b, nil
}
