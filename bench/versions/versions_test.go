package versions_test

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"zbench/bench"
	"zbench/bench/codecs"
	"zbench/bench/versions"
	"zbench/results"
)

// tinyTar is a small tar with compressible and less compressible files.
func tinyTar(t *testing.T) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for i := range 4 {
		body := []byte(strings.Repeat(fmt.Sprintf("line %d of a small test file\n", i), 200+i*50))
		if err := tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("f%d", i), Mode: 0o644, Size: int64(len(body))}); err != nil {
			t.Fatal(err)
		}
		tw.Write(body)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// needProxy skips the test unless the go command can reach the module
// proxy (or its cache has the module).
func needProxy(t *testing.T, version string) {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command on PATH: the version axes build with it")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", versions.KlauspostModule+"@"+version)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("the Go module proxy is unreachable (go mod download %s@%s: %v: %s); skipping the version axis test",
			versions.KlauspostModule, version, err, bytes.TrimSpace(out))
	}
}

// linked is the version of module zbench links, as go list says (test
// binaries carry no module list).
func linked(t *testing.T, module string) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Version}}", module).Output()
	if err != nil {
		t.Skipf("go list -m %s: %v", module, err)
	}
	return strings.TrimSpace(string(out))
}

func inProcess(t *testing.T, c bench.Codec, level string, raw []byte) (string, int64) {
	t.Helper()
	var buf bytes.Buffer
	var l bench.Level
	for _, x := range c.Levels() {
		if x.Name == level {
			l = x
		}
	}
	w, err := c.NewWriter(&buf, l)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(raw)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(buf.Bytes())
	return "sha256:" + hex.EncodeToString(sum[:]), int64(buf.Len())
}

// TestKlauspostAxis builds the encoder with two klauspost/compress releases
// (the one zbench links, and v1.17.11, before 1.18) and checks that the
// baseline writes what zbench's own codecs write, that each build reports
// its version, and that the steps are assembled from the outputs.
func TestKlauspostAxis(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the encoder program twice (go get and cgo): not in -short")
	}
	cur := linked(t, versions.KlauspostModule)
	const old = "v1.17.11"
	needProxy(t, old)
	ctx := context.Background()
	axes := versions.Axes{Go: []string{versions.GoLocal}, Klauspost: []string{cur, old}, Libzstd: []string{versions.LibzstdBundled}}
	settings := []versions.Setting{{"gzip-std", "6"}, {"gzip-klauspost", "6"}, {"zstd-klauspost", "default"}, {"zstd-cgo", "3"}}
	ms, err := versions.NewMeasurer(ctx, versions.Options{Axes: axes, Settings: settings,
		Builder: &versions.Builder{DataDog: linked(t, versions.DataDogModule), Log: func(s string) { t.Log(s) }}})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range ms.Builds() {
		if b.Err != "" {
			t.Fatalf("build %s: %s", b.ID, b.Err)
		}
	}
	raw := tinyTar(t)
	if err := ms.Add(ctx, "tiny", "", raw); err != nil {
		t.Fatal(err)
	}
	m := ms.Matrix()
	if len(m.Builds) != 2 {
		t.Fatalf("builds %+v, want the baseline and one more", m.Builds)
	}
	for i, want := range []string{cur, old} {
		if got := m.Builds[i].Reported["klauspost"]; got != want {
			t.Errorf("build %s reports klauspost %q, want %q", m.Builds[i].ID, got, want)
		}
	}
	if got := m.Builds[0].Reported["libzstd"]; got == "" {
		t.Errorf("baseline reports no libzstd version")
	}
	// The baseline is zbench's own build: same bytes as the codecs in
	// process.
	want := map[string]bench.Codec{"gzip-std": codecs.GzipStd(), "gzip-klauspost": codecs.GzipKlauspost(),
		"zstd-klauspost": codecs.ZstdKlauspost()}
	if c := codecs.ZstdCgo(); c != nil && codecs.LibzstdVersion() == m.Builds[0].Reported["libzstd"] {
		want["zstd-cgo"] = c
	}
	n := 0
	for _, e := range m.Encodes {
		if e.Err != "" {
			t.Errorf("encode %+v failed", e)
			continue
		}
		if e.Build != m.Builds[0].ID || want[e.Codec] == nil {
			continue
		}
		n++
		if d, size := inProcess(t, want[e.Codec], e.Level, raw); d != e.Digest || size != e.Bytes {
			t.Errorf("%s level %s: the encoder program wrote %s (%d bytes), zbench's codec %s (%d bytes)", e.Codec, e.Level, e.Digest, e.Bytes, d, size)
		}
	}
	if n < 3 {
		t.Errorf("checked %d baseline encodes against the codecs, want at least 3", n)
	}
	// Steps: the klauspost axis's two codecs on the one input.
	if len(m.Steps) != 2 {
		t.Fatalf("steps %+v, want 2", m.Steps)
	}
	for _, s := range m.Steps {
		if s.Axis != results.AxisKlauspost || s.From != cur || s.To != old || s.Err != "" {
			t.Errorf("step %+v", s)
		}
		if s.Same != (s.FromDigest == s.ToDigest) || s.FromDigest == "" || s.ToBytes <= 0 || s.Delta() != s.ToBytes-s.FromBytes {
			t.Errorf("step %+v: inconsistent", s)
		}
		t.Logf("%s %s→%s %s level %s: same %v, delta %+d bytes", s.Axis, s.From, s.To, s.Codec, s.Level, s.Same, s.Delta())
	}
}

// TestBuildFailure: a version that cannot be built is recorded with a clear
// error and the other builds go on.
func TestBuildFailure(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go get: not in -short")
	}
	cur := linked(t, versions.KlauspostModule)
	needProxy(t, cur)
	ctx := context.Background()
	axes := versions.Axes{Go: []string{versions.GoLocal}, Klauspost: []string{cur, "v1.999.0"}, Libzstd: []string{versions.LibzstdBundled}}
	ms, err := versions.NewMeasurer(ctx, versions.Options{Axes: axes, Settings: []versions.Setting{{"zstd-klauspost", "fastest"}},
		Builder: &versions.Builder{CacheDir: t.TempDir()}})
	if err != nil {
		t.Fatal(err)
	}
	if err := ms.Add(ctx, "tiny", "", tinyTar(t)); err != nil {
		t.Fatal(err)
	}
	m := ms.Matrix()
	if m.Builds[0].Err != "" || !strings.Contains(m.Builds[1].Err, "v1.999.0") {
		t.Fatalf("builds %+v: want the baseline built and v1.999.0 failed, named", m.Builds)
	}
	if len(m.Steps) != 1 || m.Steps[0].Err == "" || m.Steps[0].FromDigest == "" {
		t.Errorf("steps %+v: want one, with the baseline's digest and the build's error", m.Steps)
	}
}
