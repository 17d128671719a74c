package versions

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"

	"zbench/results"
)

//go:embed encoder/main.go encoder/cgo.go
var encoderFS embed.FS

// encoderFiles are the encoder program's source files.
var encoderFiles = []string{"main.go", "cgo.go"}

// Module paths of the libraries the encoder program links.
const (
	KlauspostModule = "github.com/klauspost/compress"
	DataDogModule   = "github.com/DataDog/zstd"
)

// Values of the libzstd axis.
const (
	LibzstdBundled = "bundled" // the libzstd sources github.com/DataDog/zstd bundles
	LibzstdSystem  = "system"  // the system's, linked with -tags external_libzstd
)

// GoLocal, as a Go axis value, is the go command on PATH with no toolchain
// switch (GOTOOLCHAIN=local).
const GoLocal = "local"

// A Build is one combination of versions to build the encoder program with.
type Build struct {
	Go        string // GoLocal or a toolchain name such as go1.27.4
	Klauspost string // a github.com/klauspost/compress version, v1.20.4
	Libzstd   string // LibzstdBundled or LibzstdSystem
}

// ID names b as results.VersionBuild.ID does.
func (b Build) ID() string {
	return fmt.Sprintf("%s=%s %s=%s %s=%s", results.AxisGo, b.Go, results.AxisKlauspost, b.Klauspost, results.AxisLibzstd, b.Libzstd)
}

// A Builder builds and caches the encoder program.
type Builder struct {
	// CacheDir holds the binaries, one directory per build; default
	// zbench/encoders under os.UserCacheDir.
	CacheDir string
	// DataDog is the github.com/DataDog/zstd version to link; default the
	// one this program was built with, else v1.5.7.
	DataDog string
	// GoCmd is the go command; default "go".
	GoCmd string
	// Log, when set, hears of each build as it starts.
	Log func(string)
}

// ModuleVersion is the version of module path this program was built with,
// or "" when it is not known.
func ModuleVersion(path string) string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, d := range bi.Deps {
		if d.Path == path {
			if d.Replace != nil {
				return d.Replace.Version
			}
			return d.Version
		}
	}
	return ""
}

func (bl *Builder) goCmd() string {
	if bl.GoCmd == "" {
		return "go"
	}
	return bl.GoCmd
}

func (bl *Builder) dataDog() string {
	if bl.DataDog != "" {
		return bl.DataDog
	}
	if v := ModuleVersion(DataDogModule); v != "" {
		return v
	}
	return "v1.5.7"
}

func (bl *Builder) cacheDir() (string, error) {
	if bl.CacheDir != "" {
		return bl.CacheDir, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("finding a cache directory: %w", err)
	}
	return filepath.Join(d, "zbench", "encoders"), nil
}

// Check reports whether b names versions a Builder can build, before any
// build is tried.
func (b Build) Check() error {
	if b.Go != GoLocal && !strings.HasPrefix(b.Go, "go1.") {
		return fmt.Errorf("go version %q: want %s or a toolchain name such as go1.27.4", b.Go, GoLocal)
	}
	if !strings.HasPrefix(b.Klauspost, "v1.") && !strings.HasPrefix(b.Klauspost, "v0.") {
		return fmt.Errorf("%s version %q: want a release such as v1.20.4", KlauspostModule, b.Klauspost)
	}
	if b.Libzstd != LibzstdBundled && b.Libzstd != LibzstdSystem {
		return fmt.Errorf("libzstd %q: want %s or %s", b.Libzstd, LibzstdBundled, LibzstdSystem)
	}
	return nil
}

// Path builds the encoder program for b, with cgo (so with zstd-cgo) or
// without, unless such a build is cached, and returns the binary's path.
func (bl *Builder) Path(ctx context.Context, b Build, cgo bool) (string, error) {
	if err := b.Check(); err != nil {
		return "", err
	}
	cache, err := bl.cacheDir()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s\ncgo=%v\n", b.ID(), bl.dataDog(), bl.goCmd(), cgo)
	if b.Go == GoLocal {
		// The local toolchain changes with the machine: key on its version.
		v := goEnv(ctx, bl.goCmd(), "GOVERSION", "GOTOOLCHAIN=local")
		if v == "" {
			return "", fmt.Errorf("building %s: %s env GOVERSION failed", b.ID(), bl.goCmd())
		}
		fmt.Fprintf(h, "local=%s\n", v)
	}
	for _, f := range encoderFiles {
		src, err := encoderFS.ReadFile("encoder/" + f)
		if err != nil {
			return "", err
		}
		h.Write(src)
	}
	dir := filepath.Join(cache, hex.EncodeToString(h.Sum(nil))[:16])
	bin := filepath.Join(dir, "encoder")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	if bl.Log != nil {
		with := "without cgo"
		if cgo {
			with = "with cgo"
		}
		bl.Log(fmt.Sprintf("building the encoder with %s, %s", b.ID(), with))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("building %s: %w", b.ID(), err)
	}
	tmp, err := os.MkdirTemp(dir, "src-")
	if err != nil {
		return "", fmt.Errorf("building %s: %w", b.ID(), err)
	}
	defer os.RemoveAll(tmp)
	goMod := "module zbench-encoder\n\ngo 1.22\n"
	if err := os.WriteFile(filepath.Join(tmp, "go.mod"), []byte(goMod), 0o644); err != nil {
		return "", fmt.Errorf("building %s: %w", b.ID(), err)
	}
	for _, f := range encoderFiles {
		src, _ := encoderFS.ReadFile("encoder/" + f)
		if err := os.WriteFile(filepath.Join(tmp, f), src, 0o644); err != nil {
			return "", fmt.Errorf("building %s: %w", b.ID(), err)
		}
	}
	tc := b.Go
	if tc == GoLocal {
		tc = "local"
	}
	cgoEnabled := "CGO_ENABLED=0"
	if cgo {
		cgoEnabled = "CGO_ENABLED=1"
	}
	env := append(os.Environ(), "GOTOOLCHAIN="+tc, "GOWORK=off", "GOFLAGS=-mod=mod", cgoEnabled)
	run := func(what string, args ...string) error {
		cmd := exec.CommandContext(ctx, bl.goCmd(), args...)
		cmd.Dir, cmd.Env = tmp, env
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("building %s: %s: %w\n%s", b.ID(), what, err, tail(out.String(), 12))
		}
		return nil
	}
	if err := run("go get", "get", KlauspostModule+"@"+b.Klauspost, DataDogModule+"@"+bl.dataDog()); err != nil {
		return "", err
	}
	args := []string{"build", "-trimpath", "-o", filepath.Join(tmp, "encoder")}
	if b.Libzstd == LibzstdSystem {
		args = append(args, "-tags", "external_libzstd")
	}
	if err := run("go build", append(args, ".")...); err != nil {
		return "", err
	}
	if err := os.Rename(filepath.Join(tmp, "encoder"), bin); err != nil {
		return "", fmt.Errorf("building %s: %w", b.ID(), err)
	}
	return bin, nil
}

// tail is the last n lines of s, indented.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return "  " + strings.Join(lines, "\n  ")
}

// ResolveGo turns a Go axis value ending in ".x" (go1.27.x) into the newest
// such toolchain the module proxy serves for this platform, asking the go
// command; other values are returned as they are.
func (bl *Builder) ResolveGo(ctx context.Context, v string) (string, error) {
	prefix, ok := strings.CutSuffix(v, ".x")
	if !ok {
		return v, nil
	}
	cmd := exec.CommandContext(ctx, bl.goCmd(), "list", "-m", "-versions", "golang.org/toolchain")
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	cmd.Dir = os.TempDir()
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go version %q: listing toolchains: %w", v, err)
	}
	goos, goarch := goEnv(ctx, bl.goCmd(), "GOOS"), goEnv(ctx, bl.goCmd(), "GOARCH")
	suffix := "." + goos + "-" + goarch
	var best string
	for _, f := range strings.Fields(string(out)) {
		name, ok := strings.CutPrefix(f, "v0.0.1-")
		if !ok {
			continue
		}
		name, ok = strings.CutSuffix(name, suffix)
		if !ok || !strings.HasPrefix(name, prefix+".") {
			continue
		}
		if best == "" || goLess(best, name) {
			best = name
		}
	}
	if best == "" {
		return "", fmt.Errorf("go version %q: no %s toolchain matches", v, suffix[1:])
	}
	return best, nil
}

// goEnv is the go command's value of key, "" when it fails; env are
// extra environment variables.
func goEnv(ctx context.Context, goCmd, key string, env ...string) string {
	cmd := exec.CommandContext(ctx, goCmd, "env", key)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// goLess orders release toolchain names such as go1.27.4 by number;
// pre-releases (go1.27rc1) sort before the release.
func goLess(a, b string) bool {
	parse := func(s string) (nums [3]int, pre bool) {
		s = strings.TrimPrefix(s, "go")
		for _, p := range []string{"rc", "beta"} {
			if i := strings.Index(s, p); i > 0 {
				s, pre = s[:i], true
			}
		}
		for i, f := range strings.SplitN(s, ".", 3) {
			nums[i], _ = strconv.Atoi(f)
		}
		return nums, pre
	}
	na, pa := parse(a)
	nb, pb := parse(b)
	if na != nb {
		for i := range na {
			if na[i] != nb[i] {
				return na[i] < nb[i]
			}
		}
	}
	return pa && !pb
}
