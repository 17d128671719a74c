package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"zbench/results"
)

// Issue 15 item 6: exit status 1 meant both "some cells failed" and "could
// not run at all". Each class now has its own status, the same in every
// command: 0 ok, 1 regression or failed cells, 2 usage or input error, 3
// could not run, 130 interrupted.
func TestExitCodeClasses(t *testing.T) {
	dir := t.TempDir()
	none := filepath.Join(dir, "none")
	garbage := write(t, dir, "garbage.txt", []byte("not a run\n"))
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	cases := []struct {
		name string
		args []string
		want int
	}{
		{"usage: unknown flag", []string{"run", "-nope"}, exitUsage},
		{"input: run of a missing file", []string{"run", "-o", filepath.Join(dir, "r1"), none}, exitUsage},
		{"input: determinism of a missing file", []string{"determinism", none}, exitUsage},
		{"input: fetch of a bad list", []string{"fetch", "-cache", t.TempDir(), "@" + garbage}, exitUsage},
		{"input: report of a missing run", []string{"report", "-o", filepath.Join(dir, "r.html"), none}, exitUsage},
		{"input: evidence of a missing run", []string{"evidence", none}, exitUsage},
		{"input: compare of a missing run", []string{"compare", none, none}, exitUsage},
		{"input: merge of a missing part", []string{"merge", "-o", filepath.Join(dir, "m"), none}, exitUsage},
		{"could not run: registry refuses connections", []string{"fetch", "-insecure", "-cache", t.TempDir(), "127.0.0.1:1/img:1"}, exitCannotRun},
		{"could not run: run of an image on a registry that refuses connections", []string{"run", "-insecure", "-cache", t.TempDir(), "-o", filepath.Join(dir, "r2"), "127.0.0.1:1/img:1"}, exitCannotRun},
	}
	for _, c := range cases {
		code, _, stderr := zbench(t, context.Background(), c.args...)
		if code != c.want {
			t.Errorf("%s: zbench %q: exit %d, want %d\n%s", c.name, c.args, code, c.want, stderr)
		}
		if stderr == "" {
			t.Errorf("%s: says nothing on stderr", c.name)
		}
	}

	// Interrupted before anything is done: 130.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if code, _, stderr := zbench(t, ctx, "run", "-o", filepath.Join(dir, "r3"), "builtin"); code != exitInterrupted {
		t.Errorf("interrupted run: exit %d, want 130\n%s", code, stderr)
	}
}

// Issue 15 item 4, through the command: a second zbench run on a run
// directory being written fails with exit 3, naming the writer.
func TestRunDirLockedByAnother(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	rd, err := results.Create(dir, results.CollectEnv(), false)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	layer := write(t, t.TempDir(), "l.tar.gz", gz(tarLayer(t, 1)))
	for _, args := range [][]string{
		append(append([]string{"run", "-o", dir}, fastArgs...), layer),
		append(append([]string{"run", "-resume", "-o", dir}, fastArgs...), layer),
	} {
		code, _, stderr := zbench(t, context.Background(), args...)
		if code != exitCannotRun || !strings.Contains(stderr, "pid "+strconv.Itoa(os.Getpid())) || !strings.Contains(stderr, "another zbench") {
			t.Errorf("zbench %q while another writes: exit %d, want 3 naming pid %d\n%s", args, code, os.Getpid(), stderr)
		}
	}
}

// Issue 15 item 9: strings from a registry (foreign-layer URLs, media
// types, error bodies) reach the terminal escaped: a manifest carrying ESC
// sequences cannot clear the screen or retitle the window.
func TestRegistryStringsEscaped(t *testing.T) {
	const evil = "\x1b]0;pwned\x07\x1b[2J\x1b[31m"
	cfg := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:` + strings.Repeat("a", 64) + `"]}}`)
	cfgDigest, _, _ := v1.SHA256(strings.NewReader(string(cfg)))
	manifest, _ := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.oci.image.manifest.v1+json",
		"config":        map[string]any{"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cfgDigest.String(), "size": len(cfg)},
		"layers": []map[string]any{
			{"mediaType": "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", "digest": "sha256:" + strings.Repeat("b", 64), "size": 10, "urls": []string{"https://example.com/" + evil}},
			{"mediaType": "application/x-evil" + evil, "digest": "sha256:" + strings.Repeat("c", 64), "size": 10},
		},
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/v2/":
			w.WriteHeader(http.StatusOK)
		case strings.HasPrefix(r.URL.Path, "/v2/evil/manifests/"):
			w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
			w.Write(manifest)
		case r.URL.Path == "/v2/evil/blobs/"+cfgDigest.String():
			w.Write(cfg)
		default:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"no such thing %s"}]}`, evil)
		}
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	for _, ref := range []string{host + "/evil:1", host + "/other:1"} {
		code, stdout, stderr := zbench(t, context.Background(), "fetch", "-insecure", "-progress", "plain", "-cache", t.TempDir(), ref)
		out := stdout + stderr
		if strings.ContainsAny(out, "\x1b\x07") {
			t.Errorf("fetch %s (exit %d): a raw ESC or BEL reached the terminal:\n%q", ref, code, out)
		}
		if !strings.Contains(out, `\x1b`) {
			t.Errorf("fetch %s (exit %d): the escaped sequence is not shown:\n%s", ref, code, out)
		}
	}
}
