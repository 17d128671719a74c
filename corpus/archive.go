package corpus

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// archiveSource is a docker save archive (docker-archive:FILE[:REF]): a tar
// holding manifest.json, image configs and layer blobs, as `docker save` and
// skopeo's docker-archive: write. REF picks an image by one of its RepoTags;
// without it, every image of the archive is measured.
//
// Note: ggcr's tarball.Image would serve the layers, but it compresses an
// uncompressed layer when asked for the compressed blob; zbench must measure
// each blob as stored, so it reads the members itself, in place in the file.
type archiveSource struct {
	r    *Resolver
	arg  string
	file string
	ref  string
}

func (r *Resolver) newArchiveSource(arg, rest string) (Source, error) {
	s := &archiveSource{r: r, arg: arg, file: rest}
	if !isFile(rest) {
		i := strings.IndexByte(rest, ':')
		if i < 0 || !isFile(rest[:i]) {
			return nil, fmt.Errorf("source %q: no archive file %q", arg, rest)
		}
		s.file, s.ref = rest[:i], rest[i+1:]
	}
	return s, nil
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

func (s *archiveSource) Name() string { return s.arg }

func (s *archiveSource) Layers(ctx context.Context) ([]Entry, error) {
	return s.r.layersOf(ctx, s)
}

// member is a file in the archive: where its bytes are.
type member struct{ off, size int64 }

// blobMember matches an OCI-style member name, blobs/sha256/HEX, which
// docker 25 and later write.
var blobMember = regexp.MustCompile(`^blobs/sha256/([0-9a-f]{64})$`)

func (s *archiveSource) resolve(ctx context.Context) ([]*Image, error) {
	members, err := indexTar(s.file)
	if err != nil {
		return nil, fmt.Errorf("source %q: %w", s.arg, err)
	}
	read := func(p string) ([]byte, error) {
		m, ok := members[path.Clean(p)]
		if !ok {
			return nil, fmt.Errorf("%s: %w in the archive", p, ErrNotFound)
		}
		if m.size > 64<<20 {
			return nil, fmt.Errorf("%s: %d bytes, too large for a manifest or config", p, m.size)
		}
		f, err := os.Open(s.file)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		b := make([]byte, m.size)
		_, err = f.ReadAt(b, m.off)
		return b, err
	}
	mb, err := read("manifest.json")
	if err != nil {
		return nil, fmt.Errorf("source %q: not a docker save archive: %w", s.arg, err)
	}
	var manifest tarball.Manifest
	if err := json.Unmarshal(mb, &manifest); err != nil {
		return nil, fmt.Errorf("source %q: parsing manifest.json: %w", s.arg, err)
	}
	var images []*Image
	for i, d := range manifest {
		if s.ref != "" && !matchesTag(d.RepoTags, s.ref) {
			continue
		}
		img, err := s.image(i, d, members, read)
		if err != nil {
			return nil, fmt.Errorf("source %q: %w", s.arg, err)
		}
		images = append(images, img)
	}
	if len(images) == 0 {
		return nil, fmt.Errorf("source %q: %w: no image tagged %q in the archive", s.arg, ErrNotFound, s.ref)
	}
	return images, nil
}

// image makes the Image of one manifest.json entry.
func (s *archiveSource) image(i int, d tarball.Descriptor, members map[string]member, read func(string) ([]byte, error)) (*Image, error) {
	img := &Image{Source: s.arg, Repo: "docker-archive:" + s.file, Ref: "docker-archive:" + s.file}
	img.Name = strings.TrimSuffix(filepath.Base(s.file), filepath.Ext(s.file))
	if len(d.RepoTags) > 0 {
		img.Name = path.Base(d.RepoTags[0])
		img.Ref += ":" + d.RepoTags[0]
	} else if s.ref == "" && i > 0 {
		img.Name = fmt.Sprintf("%s-%d", img.Name, i)
	}
	cb, err := read(d.Config)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	cf, err := v1.ParseConfigFile(strings.NewReader(string(cb)))
	if err != nil {
		return nil, fmt.Errorf("parsing config %s: %w", d.Config, err)
	}
	if p := cf.Platform(); p != nil {
		img.Platform = p.String()
	}
	diffIDs := cf.RootFS.DiffIDs
	for li, lp := range d.Layers {
		l := ImageLayer{Index: li, Cached: true}
		if len(diffIDs) == len(d.Layers) {
			l.DiffID = diffIDs[li]
		}
		m, ok := members[path.Clean(lp)]
		if !ok {
			if src, foreign := d.LayerSources[l.DiffID]; foreign {
				l.Digest, l.MediaType, l.Size = src.Digest, src.MediaType, src.Size
				l.Skip = layerKind(src.MediaType, src.URLs)
				if l.Skip == "" {
					l.Skip = "layer not in the archive; skipped"
				}
			} else {
				l.Err = fmt.Errorf("layer %s: %w in the archive", lp, ErrNotFound)
			}
			img.Layers = append(img.Layers, l)
			continue
		}
		l.Size = m.size
		l.open = sectionOpener(s.file, m)
		l.origin = img.Repo + ":" + lp
		format, err := (&blobLayer{open: l.open, size: m.size}).sniff()
		switch {
		case err != nil:
			l.Err = err
		case format == FormatGzip:
			l.MediaType = types.DockerLayer
		case format == FormatZstd:
			l.MediaType = types.OCILayerZStd
		case format == FormatXz:
			l.MediaType = mediaTypeXz
		default:
			l.MediaType = types.DockerUncompressedLayer
		}
		if hm := blobMember.FindStringSubmatch(path.Clean(lp)); hm != nil {
			l.Digest = v1.Hash{Algorithm: "sha256", Hex: hm[1]}
		} else if format == FormatTar {
			l.Digest = l.DiffID // an uncompressed blob is its own tar
		}
		img.Layers = append(img.Layers, l)
	}
	return img, nil
}

// matchesTag reports whether ref names one of tags (docker save writes
// alpine:3.20, skopeo docker.io/library/alpine:3.20; both match either).
func matchesTag(tags []string, ref string) bool {
	want, err := name.ParseReference(ref)
	for _, t := range tags {
		if t == ref {
			return true
		}
		if got, gerr := name.ParseReference(t); err == nil && gerr == nil && got.Name() == want.Name() {
			return true
		}
	}
	return false
}

// indexTar lists the regular files of the tar at file, with where their
// bytes are, reading headers only.
func indexTar(file string) (map[string]member, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cr := &countingReader{r: f}
	tr := tar.NewReader(cr)
	members := map[string]member{}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading archive %s: %w", file, err)
		}
		if hdr.Typeflag == tar.TypeReg {
			// After Next, the reader is at the start of the member's data.
			members[path.Clean(hdr.Name)] = member{off: cr.n, size: hdr.Size}
		}
	}
	if len(members) == 0 {
		return nil, errors.New("empty archive")
	}
	return members, nil
}

// countingReader counts the bytes read through it. archive/tar reads a
// member's data only when asked, so after Next the count is the data's
// offset (for a file, which tar.Reader seeks through rather than reads
// when skipping, the count is kept right by Seek).
type countingReader struct {
	r io.ReadSeeker
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (c *countingReader) Seek(off int64, whence int) (int64, error) {
	n, err := c.r.Seek(off, whence)
	if err == nil {
		c.n = n
	}
	return n, err
}

// sectionOpener opens the member m of the archive file.
func sectionOpener(file string, m member) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) {
		f, err := os.Open(file)
		if err != nil {
			return nil, err
		}
		return &sectionReadCloser{SectionReader: io.NewSectionReader(f, m.off, m.size), f: f}, nil
	}
}

type sectionReadCloser struct {
	*io.SectionReader
	f *os.File
}

func (s *sectionReadCloser) Close() error { return s.f.Close() }
