package corpus

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Fuzz targets for what zbench reads from elsewhere: corpus lists and lock
// files (a user's, or one a CI job restored from a cache), and manifests
// and configs from a registry. Seed corpora are in testdata/fuzz; the
// hostile-registry cases are among them. scripts/test.sh runs each target
// for a bounded time.

// FuzzParseList checks that any list file parses to sources or to an
// error, without a panic and without reading past MaxListBytes.
func FuzzParseList(f *testing.F) {
	for _, s := range []string{
		"builtin\n# a comment\n\nlayer.tar.gz # trailing comment\n",
		"docker.io/library/alpine:3.20@sha256:" + strings.Repeat("ab", 32) + " # linux/amd64, 3 MB\n",
		"@list.txt\n", "@\n", "oci:dir:tag\ndocker-archive:img.tar\n",
		"x\x1b]0;pwned\x07\n", strings.Repeat("a", 70000) + "\n", "\x00\xff\xfe",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// Device files and the like would block or never end; a list naming
		// them is the user's to write, not the fuzzer's to explore.
		if strings.Contains(string(data), "/dev") || strings.Contains(string(data), "/proc") || strings.Contains(string(data), "/sys") {
			return
		}
		dir := t.TempDir()
		path := filepath.Join(dir, "list.txt")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := NewResolver(Options{CacheDir: filepath.Join(dir, "cache"), Offline: true})
		if err != nil {
			t.Fatal(err)
		}
		srcs, err := r.ParseAll([]string{"@" + path})
		if err != nil {
			return
		}
		for _, s := range srcs {
			if s.Name() == "" {
				t.Fatalf("a source without a name from %q", data)
			}
		}
	})
}

// FuzzManifest checks what zbench makes of a manifest or index and a
// config from a registry: an image or an error, never a panic; never more
// than MaxLayers layers; skip notes (which quote media types and URLs)
// without control characters.
func FuzzManifest(f *testing.F) {
	for _, s := range [][2]string{
		{`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:` + strings.Repeat("1", 64) + `","size":2},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:` + strings.Repeat("2", 64) + `","size":10}]}`,
			`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:` + strings.Repeat("3", 64) + `"]}}`},
		{`{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:` + strings.Repeat("4", 64) + `","size":1,"platform":{"os":"linux","architecture":"amd64"}}]}`, `{}`},
		{`{"schemaVersion":2,"config":{"digest":"sha256:` + strings.Repeat("1", 64) + `","size":1099511627776},"layers":[]}`, `{}`},
		{`{"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:` + strings.Repeat("1", 64) + `","size":2},"layers":[{"mediaType":"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip","digest":"sha256:` + strings.Repeat("2", 64) + `","size":-5,"urls":["https://x/\u001b]0;pwned\u0007"]},{"mediaType":"application/x\u001b[2J","digest":"sha256:` + strings.Repeat("5", 64) + `","size":1}]}`,
			`{"os":"linux\u001b[31m","architecture":"amd64"}`},
		{`{"schemaVersion":1,"fsLayers":[]}`, ``},
		{`{"mediaType":"application/vnd.oci.image.manifest.v1+json"`, `nope`},
	} {
		f.Add([]byte(s[0]), []byte(s[1]))
	}
	f.Fuzz(func(t *testing.T, manifest, config []byte) {
		r, err := NewResolver(Options{Offline: true})
		if err != nil {
			t.Fatal(err)
		}
		get := func(_ context.Context, h v1.Hash, isManifest bool) ([]byte, error) {
			if isManifest {
				return manifest, nil // an index whose child is itself, as deep as allowed
			}
			return config, nil
		}
		local := func(v1.Hash, int64) (string, bool) { return "", false }
		img := &Image{Source: "fuzz", Repo: "registry.example/fuzz"}
		if err := r.fillImage(context.Background(), img, manifest, digestOf(manifest), get, local); err != nil {
			return
		}
		if len(img.Layers) > MaxLayers {
			t.Fatalf("%d layers accepted", len(img.Layers))
		}
		for _, l := range img.Layers {
			for _, c := range l.Skip {
				if c < 0x20 || c == 0x7f {
					t.Fatalf("control character %U in the note %q", c, l.Skip)
				}
			}
		}
		img.Name = "fuzz"
		r.entriesOf([]*Image{img}, map[v1.Hash]string{}, map[string]bool{})
	})
}
