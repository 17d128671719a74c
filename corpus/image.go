package corpus

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
	"zbench/internal/safetext"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// An Image is an image a source resolved: from a registry, an OCI layout or
// a docker save archive.
type Image struct {
	// Source is the SOURCE argument (or list line) it came from.
	Source string
	// Ref is the image pinned: registry/repo:tag@sha256:… for a registry
	// image (what a lock file holds), oci:DIR@sha256:… for a layout,
	// docker-archive:FILE for an archive.
	Ref string
	// Name is short, for layer names: python-3.12.
	Name string
	// Repo is where the layers live: registry/repository for a registry
	// image, the transport and path for a local one. Origins are Repo@digest.
	Repo string
	// Digest is the manifest's digest (zero for a docker save archive, which
	// has none).
	Digest v1.Hash
	// Platform is the image's os/arch[/variant], from its config.
	Platform string
	Layers   []ImageLayer
	// Err is set when the image could not be resolved (only within a list,
	// where the other images go on): its one entry fails to load with it.
	Err error

	repoRef    *name.Repository // where to fetch missing blobs; nil for local images
	indexDepth int              // indexes passed through to the manifest (see checkIndexDepth)
	mediaType  types.MediaType  // of the manifest
	size       int64            // of the manifest
	platform   *v1.Platform     // from the config
	warning    string           // a note for Fetch to give
}

// An ImageLayer is one layer of an Image, in manifest order.
type ImageLayer struct {
	Index     int
	Digest    v1.Hash
	DiffID    v1.Hash // from the config; zero when it does not say
	MediaType types.MediaType
	Size      int64
	// Cached is set when the blob was in the cache before this fetch (or
	// is local, as in an OCI layout or an archive).
	Cached bool
	// Skip says why the layer is not measured (a foreign layer, an unknown
	// media type); empty for a layer that is.
	Skip string
	// Err is why the blob could not be fetched; Load of its entry fails
	// with it.
	Err error
	// Entry is the name of the entry that measures the layer, set by
	// Resolver.Resolve (and Entries): its own, or, for a blob that an
	// earlier layer has, that layer's. Empty for a layer skipped.
	Entry string

	// origin overrides Repo@Digest as the entry's Origin (an archive
	// member).
	origin string
	// open reads the blob (the cache file, a layout blob, an archive
	// member), or nil where it is not fetched yet.
	open func() (io.ReadCloser, error)
}

// errEntry is the one entry of an image that could not be resolved.
func (img *Image) errEntry() Entry {
	return Entry{Name: CleanName(img.Name), Origin: img.Source, Layer: errLayer{img.Err}, FromImage: true}
}

// entry is the entry of layer l of img.
func (img *Image) entry(l ImageLayer) Entry {
	e := Entry{
		Name:      CleanName(img.Name + "-l" + strconv.Itoa(l.Index)),
		Origin:    img.Repo + "@" + l.Digest.String(),
		Digest:    l.Digest,
		DiffID:    l.DiffID,
		FromImage: true,
	}
	if l.origin != "" {
		e.Origin = l.origin
	}
	switch {
	case l.Err != nil:
		e.Layer = errLayer{l.Err}
	case l.open == nil:
		e.Layer = errLayer{fmt.Errorf("blob %s was not fetched", l.Digest)}
	default:
		bl := &blobLayer{open: l.open, size: l.Size}
		if l.Digest != (v1.Hash{}) {
			bl.digestOnce.Do(func() { bl.digest = l.Digest })
		}
		if l.DiffID != (v1.Hash{}) {
			bl.diffIDOnce.Do(func() { bl.diffID = l.DiffID })
		}
		e.Layer = &typedLayer{blobLayer: bl, mediaType: l.MediaType}
	}
	return e
}

// typedLayer is a blob whose media type the manifest gives.
type typedLayer struct {
	*blobLayer
	mediaType types.MediaType
}

// MediaType returns the media type the manifest gives, or, when it gave
// none, the one of the blob's format.
func (l *typedLayer) MediaType() (types.MediaType, error) {
	if l.mediaType != "" {
		return l.mediaType, nil
	}
	return l.blobLayer.MediaType()
}

// errLayer is a layer that could not be had: every method fails with err, so
// that Load reports it as a *LayerError naming the layer and the run goes on.
type errLayer struct{ err error }

var _ v1.Layer = errLayer{}

func (l errLayer) Digest() (v1.Hash, error)             { return v1.Hash{}, l.err }
func (l errLayer) DiffID() (v1.Hash, error)             { return v1.Hash{}, l.err }
func (l errLayer) Compressed() (io.ReadCloser, error)   { return nil, l.err }
func (l errLayer) Uncompressed() (io.ReadCloser, error) { return nil, l.err }
func (l errLayer) Size() (int64, error)                 { return -1, l.err }
func (l errLayer) MediaType() (types.MediaType, error)  { return "", l.err }

// layerKind classifies a layer media type: "" for a layer zbench fetches
// and measures, else why it is skipped.
//
// Note: the image spec says an implementation that meets a media type it
// does not know must ignore it; so does zbench, with a message. Foreign and
// non-distributable layers live at their descriptor's URLs, outside the
// registry, and zbench does not fetch those.
func layerKind(mt types.MediaType, urls []string) string {
	switch mt {
	case types.OCILayer, types.OCILayerZStd, types.OCIUncompressedLayer,
		types.DockerLayer, types.DockerUncompressedLayer, mediaTypeXz,
		"application/vnd.docker.image.rootfs.diff.tar.zstd":
		return ""
	case types.DockerForeignLayer, types.OCIRestrictedLayer, types.OCIUncompressedRestrictedLayer,
		"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd":
		if len(urls) > 0 {
			return fmt.Sprintf("foreign (non-distributable) layer, published at %s, not in the registry; not fetched", registryText(urls[0]))
		}
		return "foreign (non-distributable) layer, not in the registry; not fetched"
	case "":
		return "layer without a media type; skipped"
	}
	return fmt.Sprintf("unknown layer media type \"%s\"; skipped, as the image spec asks", registryText(string(mt)))
}

// imageSource is a Source of whole images.
type imageSource interface {
	Source
	// resolve finds the images and their layers, fetching manifests and
	// configs, but not layer blobs.
	resolve(ctx context.Context) ([]*Image, error)
}

// entriesOf lists the entries of images, each blob once: a layer whose
// digest an earlier layer has (seen maps digests to the names of the
// entries that have them) is left out, with a note. Names are made unique
// with Key and used. Each layer's Entry is set to the name of the entry
// that measures it.
func (r *Resolver) entriesOf(images []*Image, seen map[v1.Hash]string, used map[string]bool) []Entry {
	var es []Entry
	for _, img := range images {
		if img.Err != nil {
			e := img.errEntry()
			e.Name = Key(e.Name, used)
			es = append(es, e)
			continue
		}
		for i := range img.Layers {
			l := &img.Layers[i]
			if l.Skip != "" {
				continue
			}
			e := img.entry(*l)
			if e.Digest != (v1.Hash{}) {
				if first, ok := seen[e.Digest]; ok {
					r.note("layer %s: same blob as %s (%s); measured once", e.Name, first, e.Digest)
					l.Entry = first
					continue
				}
			}
			e.Name = Key(e.Name, used)
			if e.Digest != (v1.Hash{}) {
				seen[e.Digest] = e.Name
			}
			l.Entry = e.Name
			es = append(es, e)
		}
	}
	return es
}

// maxRegistryText bounds a registry-supplied string quoted in a message.
const maxRegistryText = 256

// registryText makes a string from a registry (a URL, a media type, an
// annotation) fit for a message: control characters and ESC sequences
// escaped, at most maxRegistryText bytes.
func registryText(s string) string {
	if len(s) > maxRegistryText {
		cut := maxRegistryText
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return safetext.Line(s)
}
