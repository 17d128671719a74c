package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"zbench/bench/clientwork"
	"zbench/results"
)

// TestMain lets the test binary be the child zbench clientwork runs to
// time sha256 without the SHA extensions, as the zbench binary is.
func TestMain(m *testing.M) {
	clientwork.LegacyChild()
	os.Exit(m.Run())
}

// TestClientwork measures two small real layers and a corrupt one: the
// good layers are written in order with every stage timed, the bad one
// is named and the exit status is 1.
func TestClientwork(t *testing.T) {
	dir := filepath.Join(sharedCorpus, "layers")
	a := filepath.Join(dir, "busybox-1.38.0-musl-amd64.tar.gz")
	b := filepath.Join(dir, "alpine-3.20.3-x86_64-minirootfs.tar.gz")
	if _, err := os.Stat(a); err != nil {
		t.Skipf("shared corpus not found: %v", err)
	}
	tmp := t.TempDir()
	bad := filepath.Join(tmp, "bad.tar.gz")
	blob, _ := os.ReadFile(a)
	os.WriteFile(bad, blob[:len(blob)/2], 0o644)
	out := filepath.Join(tmp, "run", results.ClientWorkFile)
	code, _, stderr := zbench(t, context.Background(), "clientwork", "-count", "1", "-dir", tmp, "-o", out, a, bad, b)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (a layer failed)\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "bad") {
		t.Errorf("the failed layer is not named:\n%s", stderr)
	}
	w, err := results.ReadClientWork(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Layers) != 2 || w.Layers[0].Layer != "busybox-1.38.0-musl-amd64" || w.Layers[1].Layer != "alpine-3.20.3-x86_64-minirootfs" {
		t.Fatalf("layers %+v, want busybox then alpine", w.Layers)
	}
	for _, l := range w.Layers {
		if l.UntarS <= 0 || l.CopyS <= 0 || l.SHA256TarS <= 0 || l.WriteTarS <= 0 || l.Entries < 100 || l.Unpacked > l.Entries {
			t.Errorf("layer %s: %+v", l.Layer, l)
		}
	}
	if w.Cores < 1 || w.Count != 1 || w.Method == "" {
		t.Errorf("environment %+v", w)
	}
	if w.Arch == "amd64" && w.SHA256LegacyMBps <= 0 {
		t.Errorf("no legacy sha256 rate on amd64:\n%s", stderr)
	}
	// Scratch directories are removed.
	left, _ := filepath.Glob(filepath.Join(tmp, "zbench-clientwork-*"))
	if len(left) > 0 {
		t.Errorf("scratch left behind: %v", left)
	}
	if code, _, _ := zbench(t, context.Background(), "clientwork"); code != 2 {
		t.Errorf("no SOURCE: exit %d, want 2", code)
	}
	if code, _, stderr := zbench(t, context.Background(), "clientwork", "-dir", filepath.Join(tmp, "none"), a); code != 2 || !strings.Contains(stderr, "not a directory") {
		t.Errorf("-dir missing: exit %d, want 2\n%s", code, stderr)
	}
}
