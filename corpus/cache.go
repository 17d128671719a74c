package corpus

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
	"zbench/internal/atomicfile"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// CacheEnv is the environment variable that moves the cache (the -cache flag
// wins over it).
const CacheEnv = "ZBENCH_CACHE"

// annotationRefName is the OCI annotation that names a manifest in an image
// layout's index.json; skopeo's oci:DIR:REF and ggcr's layout package look
// images up by it.
const annotationRefName = "org.opencontainers.image.ref.name"

// DefaultCacheDir returns the cache directory: $ZBENCH_CACHE when set, else
// zbench under the user's cache directory (os.UserCacheDir: ~/.cache/zbench
// on Linux).
func DefaultCacheDir() (string, error) {
	if d := os.Getenv(CacheEnv); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("finding the cache directory (set %s): %w", CacheEnv, err)
	}
	return filepath.Join(d, "zbench"), nil
}

// A Cache is an OCI image layout on disk (image-spec image-layout.md) that
// holds every blob zbench fetched, by digest, and names the images in its
// index.json, so that skopeo (oci:DIR:REF) and crane (ggcr's layout package)
// read it as they read any layout.
//
// Every blob is written to a temporary file under DIR/ingest/, hashed as it
// is written, synced, and renamed into blobs/sha256/ only when its sha256 is
// the digest it was fetched as: a partial or wrong download is never visible
// under its digest, and an interrupt or a kill leaves at most a temporary
// file behind (removed by a later OpenCache once it is a day old). index.json
// is replaced the same way, under a lock file, so that concurrent zbench
// processes do not lose each other's entries.
//
// Note: ggcr's layout.Path writes blobs and index.json in place (os.Create,
// os.WriteFile), so a kill can leave a torn blob under its final name; the
// cache writes the same format itself and uses the layout package only to
// read.
type Cache struct {
	dir string
	mu  sync.Mutex // serialises index.json updates within the process
}

// ingestMaxAge is how old a temporary file under ingest/ must be before
// OpenCache removes it: older than any download in progress.
const ingestMaxAge = 24 * time.Hour

// OpenCache opens the image layout in dir, making it if needed.
func OpenCache(dir string) (*Cache, error) {
	if dir == "" {
		return nil, errors.New("opening cache: empty directory name")
	}
	c := &Cache{dir: dir}
	for _, d := range []string{c.ingestDir(), filepath.Join(dir, "blobs", "sha256")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("opening cache: %w", err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "oci-layout")); errors.Is(err, fs.ErrNotExist) {
		if err := c.writeFileAtomic("oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`)); err != nil {
			return nil, fmt.Errorf("opening cache: %w", err)
		}
	}
	if _, err := os.Stat(c.indexPath()); errors.Is(err, fs.ErrNotExist) {
		if err := c.updateIndex(func(*v1.IndexManifest) bool { return true }); err != nil {
			return nil, fmt.Errorf("opening cache: %w", err)
		}
	}
	c.removeStaleIngest()
	return c, nil
}

// Dir returns the cache directory.
func (c *Cache) Dir() string { return c.dir }

func (c *Cache) ingestDir() string { return filepath.Join(c.dir, "ingest") }
func (c *Cache) indexPath() string { return filepath.Join(c.dir, "index.json") }

// BlobPath returns where the blob with digest h is, or would be.
func (c *Cache) BlobPath(h v1.Hash) string {
	return filepath.Join(c.dir, "blobs", h.Algorithm, h.Hex)
}

// Has reports whether the blob h is in the cache with size bytes (any size
// when size is negative). It does not hash the blob: Load and Verify do.
func (c *Cache) Has(h v1.Hash, size int64) bool {
	fi, err := os.Stat(c.BlobPath(h))
	return err == nil && fi.Mode().IsRegular() && (size < 0 || fi.Size() == size)
}

// Verify hashes the cached blob h and removes it when it does not match
// its digest (a damaged disk or a hand-edited cache), returning an error
// wrapping ErrDigestMismatch.
func (c *Cache) Verify(h v1.Hash) error {
	got, err := hashReader(os.Open(c.BlobPath(h)))
	if err != nil {
		return fmt.Errorf("verifying cached blob %s: %w", h, err)
	}
	if got != h {
		os.Remove(c.BlobPath(h))
		return fmt.Errorf("cached blob %s: %w: it hashes to %s; removed", h, ErrDigestMismatch, got)
	}
	return nil
}

// ReadBlob returns the cached blob h (a manifest or a config: small),
// checked against its digest. A missing blob gives an error wrapping
// fs.ErrNotExist.
func (c *Cache) ReadBlob(h v1.Hash) ([]byte, error) {
	b, err := os.ReadFile(c.BlobPath(h))
	if err != nil {
		return nil, err
	}
	if got := sha256Hash(b); got != h {
		return nil, fmt.Errorf("cached blob %s: %w: it hashes to %s", h, ErrDigestMismatch, got)
	}
	return b, nil
}

// PutBytes stores b as the blob h, after checking that it hashes to h.
func (c *Cache) PutBytes(h v1.Hash, b []byte) error {
	if c.Has(h, int64(len(b))) {
		return nil
	}
	return c.Put(h, int64(len(b)), bytes.NewReader(b))
}

// Put stores what r yields as the blob h: into a temporary file, hashed as it
// is written, then renamed into place only if it is size bytes (when size is
// not negative) and hashes to h. Otherwise the temporary file is removed and
// the error wraps ErrDigestMismatch (or ErrCorrupt for a wrong size), so a
// wrong or partial blob is never visible under its digest.
func (c *Cache) Put(h v1.Hash, size int64, r io.Reader) error {
	if h.Algorithm != "sha256" {
		return fmt.Errorf("caching blob %s: only sha256 digests are supported", h)
	}
	w, err := c.newIngest(h)
	if err != nil {
		return err
	}
	defer w.abort()
	if _, err := io.Copy(w, r); err != nil {
		return err
	}
	return w.commit(size)
}

// ingest is a blob being written: a temporary file and the hash of what was
// written to it.
type ingest struct {
	c    *Cache
	want v1.Hash
	f    *os.File
	h    hash.Hash
	n    int64
	done bool
}

func (c *Cache) newIngest(h v1.Hash) (*ingest, error) {
	var rnd [6]byte
	rand.Read(rnd[:])
	name := filepath.Join(c.ingestDir(), h.Hex+"-"+hex.EncodeToString(rnd[:]))
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("caching blob %s: %w", h, err)
	}
	return &ingest{c: c, want: h, f: f, h: sha256.New()}, nil
}

func (w *ingest) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	w.h.Write(p[:n])
	w.n += int64(n)
	return n, err
}

// commit checks the blob and moves it into place.
func (w *ingest) commit(size int64) error {
	got := v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(w.h.Sum(nil))}
	switch {
	case size >= 0 && w.n != size:
		return fmt.Errorf("blob %s: %w: got %d bytes, expected %d", w.want, ErrCorrupt, w.n, size)
	case got != w.want:
		return fmt.Errorf("blob %s: %w: the bytes received hash to %s", w.want, ErrDigestMismatch, got)
	}
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("caching blob %s: %w", w.want, err)
	}
	if err := w.f.Close(); err != nil {
		return fmt.Errorf("caching blob %s: %w", w.want, err)
	}
	if err := os.Rename(w.f.Name(), w.c.BlobPath(w.want)); err != nil {
		return fmt.Errorf("caching blob %s: %w", w.want, err)
	}
	atomicfile.SyncDir(filepath.Dir(w.c.BlobPath(w.want)))
	w.done = true
	return nil
}

// abort removes the temporary file unless commit moved it into place.
func (w *ingest) abort() {
	if w.done {
		return
	}
	w.f.Close()
	os.Remove(w.f.Name())
}

// removeStaleIngest removes temporary files left by killed processes.
func (c *Cache) removeStaleIngest() {
	des, err := os.ReadDir(c.ingestDir())
	if err != nil {
		return
	}
	for _, de := range des {
		if fi, err := de.Info(); err == nil && time.Since(fi.ModTime()) > ingestMaxAge {
			os.Remove(filepath.Join(c.ingestDir(), de.Name()))
		}
	}
}

// Tag records in index.json that ref (a full reference such as
// docker.io/library/debian:bookworm or …@sha256:…) names the manifest desc,
// replacing what ref named before. desc's blob should be in the cache.
func (c *Cache) Tag(ref string, desc v1.Descriptor) error {
	desc.Annotations = map[string]string{annotationRefName: ref}
	desc.URLs = nil
	err := c.updateIndex(func(im *v1.IndexManifest) bool {
		i := slices.IndexFunc(im.Manifests, func(d v1.Descriptor) bool { return d.Annotations[annotationRefName] == ref })
		if i >= 0 {
			if im.Manifests[i].Digest == desc.Digest && im.Manifests[i].MediaType == desc.MediaType {
				return false
			}
			im.Manifests[i] = desc
			return true
		}
		im.Manifests = append(im.Manifests, desc)
		return true
	})
	if err != nil {
		return fmt.Errorf("recording %s in the cache index: %w", ref, err)
	}
	return nil
}

// Lookup returns the descriptor index.json names ref, and whether there is
// one.
func (c *Cache) Lookup(ref string) (v1.Descriptor, bool, error) {
	im, err := c.readIndex()
	if err != nil {
		return v1.Descriptor{}, false, err
	}
	for _, d := range im.Manifests {
		if d.Annotations[annotationRefName] == ref {
			return d, true, nil
		}
	}
	return v1.Descriptor{}, false, nil
}

func (c *Cache) readIndex() (*v1.IndexManifest, error) {
	b, err := os.ReadFile(c.indexPath())
	if err != nil {
		return nil, fmt.Errorf("reading cache index: %w", err)
	}
	var im v1.IndexManifest
	if err := json.Unmarshal(b, &im); err != nil {
		return nil, fmt.Errorf("reading cache index %s: %w", c.indexPath(), err)
	}
	return &im, nil
}

// updateIndex applies change to index.json under the cache lock, and
// replaces the file atomically if change reports a change.
func (c *Cache) updateIndex(change func(*v1.IndexManifest) bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	unlock, err := lockFile(filepath.Join(c.dir, "index.json.lock"))
	if err != nil {
		return err
	}
	defer unlock()
	im := &v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex}
	if _, err := os.Stat(c.indexPath()); err == nil {
		if im, err = c.readIndex(); err != nil {
			return err
		}
	}
	if !change(im) {
		return nil
	}
	if im.Manifests == nil {
		im.Manifests = []v1.Descriptor{}
	}
	b, err := json.MarshalIndent(im, "", "  ")
	if err != nil {
		return err
	}
	return c.writeFileAtomic("index.json", b)
}

// writeFileAtomic replaces DIR/name with b (see atomicfile.Write).
func (c *Cache) writeFileAtomic(name string, b []byte) error {
	return atomicfile.WriteBytes(filepath.Join(c.dir, name), b)
}
