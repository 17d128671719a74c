package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"zbench/bench/determinism"
)

func TestDeterminismVersionsUsage(t *testing.T) {
	dir := t.TempDir()
	layer := write(t, dir, "app-layer.tar.gz", gz(tarLayer(t, 2)))
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-klauspost", "latest"}, "-go/-klauspost/-libzstd: github.com/klauspost/compress version \"latest\""},
		{[]string{"-go", "1.27"}, "go version \"1.27\""},
		{[]string{"-libzstd", "bundled,1.5.4"}, "libzstd \"1.5.4\""},
		{[]string{"-versions", "-codecs", "gzip-pgzip"}, "-codecs selects none of gzip-std"},
	} {
		code, _, stderr := zbench(t, context.Background(), append(append([]string{"determinism", "-versions-only"}, c.args...), layer)...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", c.args, code, stderr, c.want)
		}
	}
}

// TestDeterminismVersionsCommand measures one axis of two klauspost
// releases end to end; it needs the Go module proxy.
func TestDeterminismVersionsCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the encoder program twice: not in -short")
	}
	cur, err := exec.Command("go", "list", "-m", "-f", "{{.Version}}", "github.com/klauspost/compress").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	dl := exec.Command("go", "mod", "download", "github.com/klauspost/compress@v1.18.0")
	dl.Dir, dl.Env = t.TempDir(), append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	if out, err := dl.CombinedOutput(); err != nil {
		t.Skipf("the Go module proxy is unreachable: %v: %s", err, out)
	}
	dir := t.TempDir()
	layer := write(t, dir, "app-layer.tar.gz", gz(tarLayer(t, 4)))
	out := filepath.Join(dir, "determinism.json")
	code, _, stderr := zbench(t, context.Background(), "determinism", "-versions-only", "-o", out,
		"-go", "local", "-klauspost", "v1.18.0,"+strings.TrimSpace(string(cur)), "-libzstd", "bundled",
		"-codecs", "zstd-klauspost,gzip-std", "-levels", "zstd-klauspost=default gzip-std=6", layer)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	m, err := determinism.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	v := m.AcrossVersions
	if v == nil || len(v.Builds) != 2 || len(v.Steps) != 1 || v.Steps[0].Codec != "zstd-klauspost" || v.Steps[0].Err != "" {
		t.Fatalf("across versions: %+v", v)
	}
	if len(m.Settings) != 0 {
		t.Errorf("-versions-only measured %d settings in process", len(m.Settings))
	}
	if !strings.Contains(stderr, "Across versions") || !strings.Contains(stderr, "klauspost  v1.18.0") {
		t.Errorf("no summary on stderr:\n%s", stderr)
	}
}
