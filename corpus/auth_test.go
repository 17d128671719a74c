package corpus

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

const (
	testUser   = "zbench-user"
	testSecret = "s3cret-Pa55-zbench"
	testToken  = "tok-9f8e7d6c5b4a-zbench"
)

// basicAuth makes every request need testUser:testSecret.
func basicAuth() fault {
	return func(w http.ResponseWriter, r *http.Request) bool {
		if u, p, ok := r.BasicAuth(); ok && u == testUser && p == testSecret {
			return false
		}
		w.Header().Set("WWW-Authenticate", `Basic realm="zbench-test"`)
		w.WriteHeader(http.StatusUnauthorized)
		return true
	}
}

// tokenAuth emulates Docker Hub's anonymous token flow: /v2/ answers 401
// with a Bearer challenge, /token hands out testToken, and every other
// request needs it.
func tokenAuth(host string) fault {
	return func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/token" {
			json.NewEncoder(w).Encode(map[string]string{"token": testToken})
			return true
		}
		if r.Header.Get("Authorization") == "Bearer "+testToken {
			return false
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="http://`+host+`/token",service="zbench-test",scope="repository:img:pull"`)
		w.WriteHeader(http.StatusUnauthorized)
		return true
	}
}

// withAuth starts a registry holding img:1 whose every request (pushes
// done, so not only GETs) goes through the fault f(host) first.
func withAuth(t *testing.T, f func(host string) fault) *faultyRegistry {
	fr := newFaultyRegistry(t)
	inner := fr.srv.Config.Handler
	var armed bool
	var af fault
	fr.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if armed && af(w, r) {
			return
		}
		inner.ServeHTTP(w, r)
	})
	fr.push("img:1", imageOf(t, "linux/amd64", layerOf(t, gzipOf(t, sampleTar(t)), types.OCILayer)))
	af, armed = f(fr.host), true
	return fr
}

// dockerConfig writes a Docker config.json in a new directory, points
// DOCKER_CONFIG at it, and returns the directory.
func dockerConfig(t *testing.T, cfg map[string]any) string {
	dir := t.TempDir()
	b, _ := json.Marshal(cfg)
	if err := os.WriteFile(filepath.Join(dir, "config.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_CONFIG", dir)
	return dir
}

func TestCredentials(t *testing.T) {
	basic := base64.StdEncoding.EncodeToString([]byte(testUser + ":" + testSecret))
	secrets := []string{testSecret, basic, testToken}

	check := func(t *testing.T, r *Resolver, rec *recorder, ref string, wantErr error) {
		t.Helper()
		entries, err := entriesFor(t, r, ref)
		var msgs []string
		if err != nil {
			msgs = append(msgs, err.Error())
		}
		if wantErr != nil {
			if !errors.Is(err, wantErr) {
				t.Fatalf("err = %v, want %v", err, wantErr)
			}
		} else {
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				l, err := Load(context.Background(), e, LoadOptions{})
				if err != nil {
					t.Fatal(err)
				}
				msgs = append(msgs, e.Name, e.Origin, l.Digest.String())
			}
		}
		all := strings.Join(msgs, "\n") + rec.text()
		for _, s := range secrets {
			if strings.Contains(all, s) {
				t.Errorf("a credential appears in the output:\n%s", all)
			}
		}
		// nor anywhere in the cache
		filepath.Walk(r.opts.CacheDir, func(p string, fi os.FileInfo, err error) error {
			if err == nil && fi.Mode().IsRegular() {
				b, _ := os.ReadFile(p)
				for _, s := range secrets {
					if strings.Contains(string(b), s) {
						t.Errorf("a credential is in the cache file %s", p)
					}
				}
			}
			return nil
		})
	}

	t.Run("config-file", func(t *testing.T) {
		fr := withAuth(t, func(string) fault { return basicAuth() })
		dockerConfig(t, map[string]any{"auths": map[string]any{fr.host: map[string]string{"auth": basic}}})
		r, rec := testResolver(t, Options{Keychain: authn.DefaultKeychain})
		check(t, r, rec, fr.host+"/img:1", nil)
	})
	t.Run("credential-helper", func(t *testing.T) {
		fr := withAuth(t, func(string) fault { return basicAuth() })
		bin := t.TempDir()
		helper := "#!/bin/sh\nread server\necho '{\"ServerURL\":\"'$server'\",\"Username\":\"" + testUser + "\",\"Secret\":\"" + testSecret + "\"}'\n"
		if err := os.WriteFile(filepath.Join(bin, "docker-credential-zbtest"), []byte(helper), 0o755); err != nil {
			t.Fatal(err)
		}
		t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
		dockerConfig(t, map[string]any{"credHelpers": map[string]string{fr.host: "zbtest"}})
		r, rec := testResolver(t, Options{Keychain: authn.DefaultKeychain})
		check(t, r, rec, fr.host+"/img:1", nil)
	})
	t.Run("wrong-password", func(t *testing.T) {
		fr := withAuth(t, func(string) fault { return basicAuth() })
		wrong := base64.StdEncoding.EncodeToString([]byte(testUser + ":" + testSecret + "-wrong"))
		secrets = append(secrets, wrong, testSecret+"-wrong")
		dockerConfig(t, map[string]any{"auths": map[string]any{fr.host: map[string]string{"auth": wrong}}})
		r, rec := testResolver(t, Options{Keychain: authn.DefaultKeychain})
		check(t, r, rec, fr.host+"/img:1", ErrUnauthorized)
	})
	t.Run("anonymous-token", func(t *testing.T) {
		fr := withAuth(t, tokenAuth)
		dockerConfig(t, map[string]any{})
		r, rec := testResolver(t, Options{Keychain: authn.DefaultKeychain})
		check(t, r, rec, fr.host+"/img:1", nil)
	})
}
