package corpus

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
)

// layoutSource is an OCI image layout on disk: oci:DIR[:REF] as skopeo
// writes it (REF is the org.opencontainers.image.ref.name annotation), or
// oci:DIR@sha256:… for one manifest by digest. With neither, every image
// index.json names is measured (skopeo wants exactly one; zbench takes all,
// so that oci:CACHE measures a whole cache).
type layoutSource struct {
	r      *Resolver
	arg    string
	dir    string
	ref    string
	digest v1.Hash
}

// newLayoutSource parses what follows oci:.
func (r *Resolver) newLayoutSource(arg, rest string) (Source, error) {
	s := &layoutSource{r: r, arg: arg, dir: rest}
	if !isDir(rest) {
		if dir, dig, ok := strings.Cut(rest, "@"); ok && isDir(dir) {
			h, err := v1.NewHash(dig)
			if err != nil {
				return nil, fmt.Errorf("source %q: %w", arg, err)
			}
			s.dir, s.digest = dir, h
		} else if i := strings.IndexByte(rest, ':'); i >= 0 && isDir(rest[:i]) {
			s.dir, s.ref = rest[:i], rest[i+1:]
		} else {
			return nil, fmt.Errorf("source %q: no OCI layout directory %q", arg, rest)
		}
	}
	if _, err := os.Stat(filepath.Join(s.dir, "index.json")); err != nil {
		return nil, fmt.Errorf("source %q: not an OCI image layout: %w", arg, err)
	}
	return s, nil
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

func (s *layoutSource) Name() string { return s.arg }

func (s *layoutSource) Layers(ctx context.Context) ([]Entry, error) {
	return s.r.layersOf(ctx, s)
}

func (s *layoutSource) resolve(ctx context.Context) ([]*Image, error) {
	lp, err := layout.FromPath(s.dir)
	if err != nil {
		return nil, fmt.Errorf("source %q: %w", s.arg, err)
	}
	ii, err := lp.ImageIndex()
	if err != nil {
		return nil, fmt.Errorf("source %q: %w", s.arg, err)
	}
	im, err := ii.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("source %q: reading index.json: %w", s.arg, err)
	}
	var descs []v1.Descriptor
	var names []string
	for _, d := range im.Manifests {
		refName := d.Annotations[annotationRefName]
		names = append(names, refName)
		switch {
		case s.digest != (v1.Hash{}) && d.Digest == s.digest,
			s.ref != "" && refName == s.ref,
			s.digest == (v1.Hash{}) && s.ref == "":
			descs = append(descs, d)
		}
	}
	if s.digest != (v1.Hash{}) && len(descs) == 0 {
		// any manifest blob in the layout, by digest
		descs = append(descs, v1.Descriptor{Digest: s.digest})
	}
	if len(descs) == 0 {
		return nil, fmt.Errorf("source %q: %w: no image named %q in %s (it names: %s)", s.arg, ErrNotFound, s.ref, s.dir, strings.Join(names, ", "))
	}
	get := func(_ context.Context, h v1.Hash, _ bool) ([]byte, error) { return readBlobFile(s.dir, h) }
	local := func(h v1.Hash, size int64) (string, bool) {
		p := filepath.Join(s.dir, "blobs", h.Algorithm, h.Hex)
		fi, err := os.Stat(p)
		return p, err == nil && (size < 0 || fi.Size() == size)
	}
	var images []*Image
	for _, d := range descs {
		b, err := readBlobFile(s.dir, d.Digest)
		if err != nil {
			return nil, fmt.Errorf("source %q: manifest %s: %w", s.arg, d.Digest, err)
		}
		img := &Image{Source: s.arg, Repo: "oci:" + s.dir}
		if err := s.r.fillImage(ctx, img, b, d.Digest, get, local); err != nil {
			return nil, fmt.Errorf("source %q: %w", s.arg, err)
		}
		img.Ref = "oci:" + s.dir + "@" + img.Digest.String()
		name := d.Annotations[annotationRefName]
		if name == "" {
			name = s.ref
		}
		if name == "" || len(descs) == 1 && s.ref == "" && d.Annotations[annotationRefName] == "" {
			name = filepath.Base(s.dir)
		}
		if name == "" || name == "." || name == string(filepath.Separator) {
			name = img.Digest.Hex[:12]
		}
		img.Name = path.Base(name)
		for i := range img.Layers {
			l := &img.Layers[i]
			if l.Skip == "" && l.open == nil {
				l.Err = fmt.Errorf("blob %s is not in the layout %s: %w", l.Digest, s.dir, ErrNotFound)
			}
		}
		images = append(images, img)
	}
	return images, nil
}

// readBlobFile reads a blob of the layout dir, checked against its digest.
func readBlobFile(dir string, h v1.Hash) ([]byte, error) {
	b, err := os.ReadFile(filepath.Join(dir, "blobs", h.Algorithm, h.Hex))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("blob %s: %w", h, ErrNotFound)
		}
		return nil, err
	}
	if h.Algorithm == "sha256" {
		if got := sha256Hash(b); got != h {
			return nil, fmt.Errorf("blob %s: %w: it hashes to %s", h, ErrDigestMismatch, got)
		}
	}
	return b, nil
}
