package corpus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// parseReference parses a registry reference (Docker Hub shorthand
// allowed), marking loopback registries insecure when Options.Insecure is set.
func (r *Resolver) parseReference(s string) (name.Reference, error) {
	ref, err := name.ParseReference(s)
	if err != nil {
		return nil, err
	}
	if r.opts.Insecure && isLoopback(hostOnly(ref.Context().RegistryStr())) {
		ref, err = name.ParseReference(s, name.Insecure)
	}
	return ref, err
}

// hostOnly strips the port from host:port.
func hostOnly(hostport string) string {
	if i := strings.LastIndexByte(hostport, ':'); i >= 0 && !strings.HasSuffix(hostport, "]") {
		return strings.Trim(hostport[:i], "[]")
	}
	return strings.Trim(hostport, "[]")
}

// remoteSource is a registry image.
type remoteSource struct {
	r   *Resolver
	arg string
	ref name.Reference
	tag string // the tag written with a digest (repo:tag@sha256:…), if any
}

// newRemoteSource parses ref (without docker://).
func (r *Resolver) newRemoteSource(arg, s string) (Source, error) {
	ref, err := r.parseReference(s)
	if err != nil {
		return nil, fmt.Errorf("source %q: %w", arg, err)
	}
	src := &remoteSource{r: r, arg: arg, ref: ref}
	if base, _, ok := strings.Cut(s, "@"); ok {
		if t, err := name.NewTag(base); err == nil && strings.Contains(path.Base(base), ":") {
			src.tag = t.TagStr()
		}
	}
	return src, nil
}

func (s *remoteSource) Name() string { return s.arg }

func (s *remoteSource) resolve(ctx context.Context) ([]*Image, error) {
	img, err := s.r.resolveRemote(ctx, s)
	if err != nil {
		return nil, err
	}
	return []*Image{img}, nil
}

func (s *remoteSource) Layers(ctx context.Context) ([]Entry, error) {
	return s.r.layersOf(ctx, s)
}

// repoName is registry/repository as people write it (docker.io/library/x).
func repoName(repo name.Repository) string {
	reg := repo.RegistryStr()
	if reg == name.DefaultRegistry {
		reg = "docker.io"
	}
	return reg + "/" + repo.RepositoryStr()
}

// shortName is the image's name for layer keys: the last path element of
// the repository, then the tag or the start of the digest.
func shortName(repo name.Repository, tag string, digest v1.Hash) string {
	base := path.Base(repo.RepositoryStr())
	switch {
	case tag != "":
		return base + "-" + tag
	case digest.Hex != "":
		return base + "-" + digest.Hex[:12]
	}
	return base
}

// resolveRemote finds the image of s: from the cache alone when s names a
// digest that is there, else from the registry (then caching the
// manifests and the config). A tag the registry cannot be reached for is
// taken from the cache when it was fetched before, with a note.
func (r *Resolver) resolveRemote(ctx context.Context, s *remoteSource) (*Image, error) {
	c, err := r.Cache()
	if err != nil {
		return nil, err
	}
	repo := s.ref.Context()
	img := &Image{Source: s.arg, Repo: repoName(repo), repoRef: &repo}
	tag := s.tag
	if t, ok := s.ref.(name.Tag); ok {
		tag = t.TagStr()
	}

	if d, ok := s.ref.(name.Digest); ok {
		h, err := v1.NewHash(d.DigestStr())
		if err != nil {
			return nil, fmt.Errorf("source %q: %w", s.arg, err)
		}
		if b, err := c.ReadBlob(h); err == nil {
			if err := r.fillImage(ctx, img, b, h, cacheOnly(c), inCache(c)); err == nil {
				img.Name, img.Ref = shortName(repo, tag, img.Digest), pinnedRef(img.Repo, tag, img.Digest)
				return img, nil
			}
		}
	}

	p, err := r.getPuller()
	if err != nil {
		return nil, err
	}
	desc, err := p.Get(ctx, s.ref)
	if err != nil {
		err = classify(err)
		if t, ok := s.ref.(name.Tag); ok && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrUnauthorized) && ctx.Err() == nil {
			if d, found, _ := c.Lookup(img.Repo + ":" + t.TagStr()); found {
				if b, cerr := c.ReadBlob(d.Digest); cerr == nil {
					if cerr := r.fillImage(ctx, img, b, d.Digest, cacheOnly(c), inCache(c)); cerr == nil {
						r.note("%s: registry not reachable (%v); using the cached %s", s.arg, err, d.Digest)
						img.Name, img.Ref = shortName(repo, tag, img.Digest), pinnedRef(img.Repo, tag, img.Digest)
						return img, nil
					}
				}
			}
		}
		return nil, fmt.Errorf("fetching %q: %w", s.arg, err)
	}
	if err := c.PutBytes(desc.Digest, desc.Manifest); err != nil {
		return nil, fmt.Errorf("fetching %q: %w", s.arg, err)
	}
	get := func(ctx context.Context, h v1.Hash, manifest bool) ([]byte, error) {
		if b, err := c.ReadBlob(h); err == nil {
			return b, nil
		}
		b, err := r.fetchSmall(ctx, p, repo, h, manifest)
		if err != nil {
			return nil, err
		}
		return b, c.PutBytes(h, b)
	}
	if err := r.fillImage(ctx, img, desc.Manifest, desc.Digest, get, inCache(c)); err != nil {
		return nil, fmt.Errorf("fetching %q: %w", s.arg, err)
	}
	img.Name, img.Ref = shortName(repo, tag, img.Digest), pinnedRef(img.Repo, tag, img.Digest)
	ref := img.Repo + "@" + img.Digest.String()
	if tag != "" && s.tag == "" {
		ref = img.Repo + ":" + tag
	}
	if err := c.Tag(ref, v1.Descriptor{MediaType: img.mediaType, Digest: img.Digest, Size: img.size, Platform: img.platform}); err != nil {
		return nil, err
	}
	return img, nil
}

// pinnedRef is repo[:tag]@digest.
func pinnedRef(repo, tag string, digest v1.Hash) string {
	if tag != "" {
		return repo + ":" + tag + "@" + digest.String()
	}
	return repo + "@" + digest.String()
}

// blobGetter returns a manifest or config blob by digest; manifest says
// which (registries serve them at different endpoints).
type blobGetter func(ctx context.Context, h v1.Hash, manifest bool) ([]byte, error)

// localBlob returns the path of a blob that is on disk with size bytes.
type localBlob func(h v1.Hash, size int64) (string, bool)

// inCache finds blobs in the cache.
func inCache(c *Cache) localBlob {
	return func(h v1.Hash, size int64) (string, bool) { return c.BlobPath(h), c.Has(h, size) }
}

// cacheOnly gets blobs from the cache only.
func cacheOnly(c *Cache) blobGetter {
	return func(_ context.Context, h v1.Hash, _ bool) ([]byte, error) { return c.ReadBlob(h) }
}

// fillImage fills img from the manifest or index b (digest h): picks the
// platform's manifest from an index, reads the config for the diffIDs and
// the platform, and lists the layers with their media types; layer blobs
// already in the cache are marked Cached.
func (r *Resolver) fillImage(ctx context.Context, img *Image, b []byte, h v1.Hash, get blobGetter, local localBlob) error {
	mt, err := sniffManifest(b)
	if err != nil {
		return err
	}
	if mt.IsIndex() {
		if err := checkIndexDepth(img.indexDepth, h); err != nil {
			return err
		}
		img.indexDepth++
		im, err := v1.ParseIndexManifest(strings.NewReader(string(b)))
		if err != nil {
			return fmt.Errorf("parsing index %s: %w", h, err)
		}
		child, err := r.pickPlatform(im)
		if err != nil {
			return fmt.Errorf("index %s: %w", h, err)
		}
		cb, err := get(ctx, child.Digest, true)
		if err != nil {
			return fmt.Errorf("manifest %s for %s: %w", child.Digest, r.opts.Platform, classify(err))
		}
		return r.fillImage(ctx, img, cb, child.Digest, get, local)
	}
	if mt.IsSchema1() {
		return fmt.Errorf("manifest %s is Docker schema 1 (%s), which zbench does not read", h, mt)
	}
	m, err := v1.ParseManifest(strings.NewReader(string(b)))
	if err != nil {
		return fmt.Errorf("parsing manifest %s: %w", h, err)
	}
	if err := checkManifest(m, h); err != nil {
		return err
	}
	img.Digest, img.mediaType, img.size = h, mt, int64(len(b))
	cb, err := get(ctx, m.Config.Digest, false)
	if err != nil {
		return fmt.Errorf("config %s: %w", m.Config.Digest, classify(err))
	}
	var diffIDs []v1.Hash
	if m.Config.MediaType.IsConfig() {
		cf, err := v1.ParseConfigFile(strings.NewReader(string(cb)))
		if err != nil {
			return fmt.Errorf("parsing config %s: %w", m.Config.Digest, err)
		}
		diffIDs = cf.RootFS.DiffIDs
		pl := cf.Platform()
		if pl != nil {
			img.platform = pl
			img.Platform = pl.String()
			if !pl.Satisfies(r.platform) {
				img.warning = fmt.Sprintf("%s: image is %s, not %s (a digest pinned to one platform wins over -platform)", img.Source, pl, r.opts.Platform)
			}
		}
	}
	img.Layers = nil
	for i, d := range m.Layers {
		l := ImageLayer{Index: i, Digest: d.Digest, MediaType: d.MediaType, Size: d.Size}
		if len(diffIDs) == len(m.Layers) {
			l.DiffID = diffIDs[i]
		}
		l.Skip = layerKind(d.MediaType, d.URLs)
		if l.Skip == "" {
			if p, ok := local(d.Digest, d.Size); ok {
				l.Cached = true
				l.open = fileOpener(p)
			}
		}
		img.Layers = append(img.Layers, l)
	}
	return nil
}

func fileOpener(path string) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return os.Open(path) }
}

// sniffManifest returns the media type of a manifest or index, from its
// mediaType field or, when that is absent (allowed in OCI), its shape.
func sniffManifest(b []byte) (types.MediaType, error) {
	var probe struct {
		SchemaVersion int             `json:"schemaVersion"`
		MediaType     types.MediaType `json:"mediaType"`
		Manifests     []any           `json:"manifests"`
		Layers        []any           `json:"layers"`
		FSLayers      []any           `json:"fsLayers"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return "", fmt.Errorf("parsing manifest: %w", err)
	}
	switch {
	case probe.MediaType != "":
		return probe.MediaType, nil
	case probe.Manifests != nil:
		return types.OCIImageIndex, nil
	case probe.FSLayers != nil:
		return types.DockerManifestSchema1, nil
	}
	return types.OCIManifestSchema1, nil
}

// pickPlatform returns the index entry for the resolver's platform.
func (r *Resolver) pickPlatform(im *v1.IndexManifest) (v1.Descriptor, error) {
	var have []string
	for _, d := range im.Manifests {
		if d.Platform == nil {
			continue
		}
		if d.Platform.OS == "unknown" { // attestations
			continue
		}
		if d.Platform.Satisfies(r.platform) {
			return d, nil
		}
		have = append(have, registryText(d.Platform.String()))
	}
	return v1.Descriptor{}, fmt.Errorf("%w %s (it has: %s)", ErrNoPlatform, r.opts.Platform, strings.Join(have, ", "))
}
