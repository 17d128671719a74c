package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// sharedCorpus is ../shared/corpus next to the repository, seen from this
// package's directory.
var sharedCorpus = filepath.Join("..", "..", "..", "shared", "corpus")

// needRegistry returns the loopback registry scripts/test.sh started
// (ZBENCH_REGISTRY), or skips; in CI a missing registry is a failure.
func needRegistry(t *testing.T) string {
	t.Helper()
	reg := os.Getenv("ZBENCH_REGISTRY")
	if reg == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("ZBENCH_REGISTRY is not set in CI: scripts/test.sh should have started docker-registry")
		}
		t.Skip("ZBENCH_REGISTRY is not set: run scripts/test.sh, which starts Debian's docker-registry on loopback, or set it to a registry's 127.0.0.1:PORT")
	}
	if _, err := exec.LookPath("skopeo"); err != nil {
		t.Fatalf("ZBENCH_REGISTRY is set but skopeo is not on PATH: %v (scripts/test.sh installs it)", err)
	}
	return reg
}

// TestRegistryIntegration builds an image from two real layers of
// ../shared/corpus (the busybox blob is byte for byte the published layer),
// pushes it with skopeo to the local registry, and has zbench pull and
// measure it; then checks that skopeo reads zbench's cache, and that zbench
// reads the docker-archive skopeo writes.
func TestRegistryIntegration(t *testing.T) {
	reg := needRegistry(t)
	layers := filepath.Join(sharedCorpus, "layers")
	if _, err := os.Stat(layers); err != nil {
		abs, _ := filepath.Abs(layers)
		t.Skipf("shared corpus not found: %s is missing (%v); it lives in ../shared/corpus next to the repository", abs, err)
	}
	const busyboxDigest = "sha256:b05093807bb0294152bb9cf86d64da722732dddaf7f8882fa1f120477dbc4db3"
	tmp := t.TempDir()

	// An OCI layout with the two layers, as a builder would make it.
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	for _, f := range []string{"busybox-1.38.0-glibc-amd64.tar.gz", "alpine-3.20.3-x86_64-minirootfs.tar.gz"} {
		l, err := tarball.LayerFromFile(filepath.Join(layers, f), tarball.WithMediaType(types.OCILayer))
		if err != nil {
			t.Fatal(err)
		}
		if img, err = mutate.AppendLayers(img, l); err != nil {
			t.Fatal(err)
		}
	}
	cf, _ := img.ConfigFile()
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64"
	img, err := mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(tmp, "src")
	lp, err := layout.Write(src, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := lp.AppendImage(img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": "v1"})); err != nil {
		t.Fatal(err)
	}
	ref := reg + "/zbench-it/busybox-alpine:v1"
	skopeo(t, "copy", "--preserve-digests", "--dest-tls-verify=false", "oci:"+src+":v1", "docker://"+ref)

	cache := filepath.Join(tmp, "cache")
	out := filepath.Join(tmp, "run")
	code, _, stderr := zbench(t, context.Background(), "run", "-insecure", "-cache", cache, "-o", out, "-progress", "plain",
		"-count", "1", "-min-time", "0", "-codecs", "zstd-klauspost", "-levels", "zstd-klauspost=fastest", "-ops", "encode,decode-original", ref)
	if code != 0 {
		t.Fatalf("zbench run %s: exit %d\n%s", ref, code, stderr)
	}
	measured := map[string]bool{}
	for _, r := range loadRun(t, out) {
		if r.Err != "" {
			t.Errorf("%s: %s", r.Key(), r.Err)
		}
		measured[r.Layer] = true
	}
	if !measured["busybox-alpine-v1-l0"] || !measured["busybox-alpine-v1-l1"] {
		t.Errorf("measured layers %v, want busybox-alpine-v1-l0 and -l1", measured)
	}
	if !strings.Contains(stderr, busyboxDigest) {
		t.Errorf("the busybox layer was not pulled as the published blob %s:\n%s", busyboxDigest, stderr)
	}

	// skopeo reads zbench's cache as an OCI layout.
	skopeo(t, "inspect", "oci:"+cache+":"+reg+"/zbench-it/busybox-alpine:v1")
	skopeo(t, "copy", "oci:"+cache+":"+reg+"/zbench-it/busybox-alpine:v1", "oci:"+filepath.Join(tmp, "copy")+":v1")

	// zbench reads the docker-archive skopeo writes.
	archive := filepath.Join(tmp, "img.tar")
	skopeo(t, "copy", "--src-tls-verify=false", "docker://"+ref, "docker-archive:"+archive+":zbench-it/busybox-alpine:v1")
	code, stdout, stderr := zbench(t, context.Background(), "fetch", "-cache", cache, "docker-archive:"+archive)
	if code != 0 || strings.Count(stdout, "\n  ") != 2 {
		t.Errorf("zbench fetch docker-archive: exit %d\n%s\n%s", code, stdout, stderr)
	}
	out2 := filepath.Join(tmp, "run2")
	code, _, stderr = zbench(t, context.Background(), "run", "-cache", cache, "-o", out2, "-progress", "none",
		"-count", "1", "-min-time", "0", "-codecs", "gzip-std", "-levels", "gzip-std=1", "-ops", "encode", "docker-archive:"+archive)
	if code != 0 {
		t.Fatalf("zbench run docker-archive: exit %d\n%s", code, stderr)
	}
}

func skopeo(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.Command("skopeo", args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("skopeo %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
}
