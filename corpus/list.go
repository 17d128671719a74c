package corpus

import (
	"bufio"
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// The built-in corpus lists, @NAME:
//
//   - default: alpine, busybox, debian, ubuntu, nginx, redis, postgres,
//     python, node and golang, each pinned to the digest of its
//     linux/amd64 `latest` manifest (about 1.5 GB of blobs);
//   - quick: alpine, busybox and debian, pinned the same way (55 MB);
//   - default-tags and quick-tags: the same images by tag, to refresh the
//     pins with `zbench fetch -lock FILE @default-tags`.
//
//go:embed lists/*.txt
var listFS embed.FS

// DefaultList is the list `zbench run` measures with no SOURCE.
const DefaultList = "default"

// Lists returns the names of the built-in corpus lists.
func Lists() []string {
	des, _ := fs.ReadDir(listFS, "lists")
	var names []string
	for _, de := range des {
		names = append(names, strings.TrimSuffix(de.Name(), ".txt"))
	}
	return names
}

// maxListDepth bounds lists naming lists, so that a cycle fails.
const maxListDepth = 8

// A ListError is a bad line in a corpus list: its file, line number and
// what is wrong.
type ListError struct {
	File string
	Line int
	Err  error
}

func (e *ListError) Error() string { return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err) }
func (e *ListError) Unwrap() error { return e.Err }

// listSource is a corpus list: @FILE, or @NAME for a built-in one. Each line
// is a SOURCE; '#' starts a comment (at the start of a line or after a
// space); blank lines are ignored. Relative paths are taken relative to
// the list's directory. An image that cannot be resolved fails alone: its
// entry reports the error at Load and the other images go on.
type listSource struct {
	r       *Resolver
	arg     string
	name    string // the file, or the built-in name
	sources []Source
	lines   []string
}

func (r *Resolver) newListSource(arg, rest string) (Source, error) {
	return r.parseList(arg, rest, 0)
}

func (r *Resolver) parseList(arg, rest string, depth int) (Source, error) {
	if depth >= maxListDepth {
		return nil, fmt.Errorf("source %q: lists nested more than %d deep (a cycle?)", arg, maxListDepth)
	}
	var data []byte
	var err error
	dir := "."
	if rest == "" {
		return nil, fmt.Errorf("source %q: empty list name; the built-in lists are @%s", arg, strings.Join(Lists(), ", @"))
	}
	if isFile(rest) || strings.ContainsAny(rest, `/\`) || filepath.Ext(rest) != "" {
		data, err = readListFile(rest)
		dir = filepath.Dir(rest)
	} else if data, err = listFS.ReadFile("lists/" + rest + ".txt"); err != nil {
		err = fmt.Errorf("no file %q and no built-in list of that name (they are @%s)", rest, strings.Join(Lists(), ", @"))
	}
	if err != nil {
		return nil, fmt.Errorf("source %q: %w", arg, err)
	}
	s := &listSource{r: r, arg: arg, name: rest}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := stripComment(sc.Text())
		if line == "" {
			continue
		}
		var src Source
		if sub, ok := strings.CutPrefix(line, "@"); ok {
			if !filepath.IsAbs(sub) && isFile(filepath.Join(dir, sub)) {
				sub = filepath.Join(dir, sub)
			}
			src, err = r.parseList(line, sub, depth+1)
		} else {
			src, err = r.Parse(relativeTo(dir, line))
		}
		if err != nil {
			return nil, &ListError{File: rest, Line: n, Err: err}
		}
		s.sources = append(s.sources, src)
		s.lines = append(s.lines, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("source %q: %w", arg, err)
	}
	if len(s.sources) == 0 {
		return nil, fmt.Errorf("source %q: the list names no source", arg)
	}
	return s, nil
}

// stripComment removes a # comment and surrounding space from a list line.
func stripComment(line string) string {
	if strings.HasPrefix(strings.TrimSpace(line), "#") {
		return ""
	}
	if i := strings.Index(line, " #"); i >= 0 {
		line = line[:i]
	}
	if i := strings.Index(line, "\t#"); i >= 0 {
		line = line[:i]
	}
	return strings.TrimSpace(line)
}

// relativeTo rewrites a list line naming a relative local path (a file, a
// directory, oci:DIR, docker-archive:FILE) to be relative to the list's
// directory, when that path exists there.
func relativeTo(dir, line string) string {
	if dir == "." {
		return line
	}
	prefix, p := "", line
	for _, t := range []string{"oci:", "docker-archive:"} {
		if rest, ok := strings.CutPrefix(line, t); ok {
			prefix, p = t, rest
		}
	}
	if filepath.IsAbs(p) {
		return line
	}
	joined := filepath.Join(dir, p)
	if _, err := os.Stat(joined); err == nil {
		return prefix + joined
	}
	if prefix != "" { // oci:DIR:TAG, docker-archive:FILE:REF
		if i := strings.IndexAny(p, ":@"); i > 0 {
			if _, err := os.Stat(filepath.Join(dir, p[:i])); err == nil {
				return prefix + filepath.Join(dir, p[:i]) + p[i:]
			}
		}
	}
	return line
}

func (s *listSource) Name() string { return s.arg }

// resolve resolves every image of the list; an image that fails becomes an
// Image with Err, so that the others go on.
func (s *listSource) resolve(ctx context.Context) ([]*Image, error) {
	var images []*Image
	for i, src := range s.sources {
		is, ok := src.(imageSource)
		if !ok {
			continue
		}
		imgs, err := is.resolve(ctx)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err != nil {
			var le *ListError
			if errors.As(err, &le) {
				return nil, err
			}
			s.r.note("%s: %v", s.lines[i], err)
			images = append(images, &Image{Source: s.lines[i], Ref: s.lines[i], Name: imageNameOf(s.lines[i]), Err: err})
			continue
		}
		images = append(images, imgs...)
	}
	return images, nil
}

// imageNameOf is a short name for a list line whose image failed.
func imageNameOf(line string) string {
	base, _, _ := strings.Cut(line, "@")
	return filepath.Base(base)
}

// Layers returns the layers of every line, each blob once.
func (s *listSource) Layers(ctx context.Context) ([]Entry, error) {
	es, err := s.r.Entries(ctx, []Source{s})
	if err != nil {
		return nil, err
	}
	if len(es) == 0 {
		return nil, fmt.Errorf("source %q: no layers to measure", s.arg)
	}
	return es, nil
}

// plain returns the list's sources that are not images, recursively.
func (s *listSource) plain() []Source {
	var out []Source
	for _, src := range s.sources {
		switch src := src.(type) {
		case *listSource:
			out = append(out, src.plain()...)
		case imageSource:
		default:
			out = append(out, src)
		}
	}
	return out
}

// ParseAll parses every SOURCE argument.
func (r *Resolver) ParseAll(args []string) ([]Source, error) {
	var srcs []Source
	for _, a := range args {
		s, err := r.Parse(a)
		if err != nil {
			return nil, err
		}
		srcs = append(srcs, s)
	}
	return srcs, nil
}

// Entries returns the layers of srcs to measure: every image is resolved
// first and all missing blobs are fetched together (Options.Jobs at a time);
// then each blob is listed once, however many images or sources share it
// (with a note), and every name is made unique with Key.
func (r *Resolver) Entries(ctx context.Context, srcs []Source) ([]Entry, error) {
	es, _, err := r.Resolve(ctx, srcs)
	return es, err
}

// Resolve is Entries, and also returns the images the SOURCEs named, in
// order, each layer's Entry set to the name of the entry that measures it
// (see ImageLayer.Entry). Layers of sources that are not images (files,
// directories, builtin) belong to no image.
func (r *Resolver) Resolve(ctx context.Context, srcs []Source) ([]Entry, []*Image, error) {
	var images []*Image
	type part struct {
		images []*Image
		plain  []Source
	}
	parts := make([]part, len(srcs))
	for i, src := range srcs {
		if is, ok := src.(imageSource); ok {
			imgs, err := is.resolve(ctx)
			if err != nil {
				return nil, nil, err
			}
			parts[i].images = imgs
			images = append(images, imgs...)
			if ls, ok := src.(*listSource); ok {
				parts[i].plain = ls.plain()
			}
			continue
		}
		parts[i].plain = []Source{src}
	}
	if err := r.Fetch(ctx, images); err != nil {
		return nil, nil, err
	}
	seen := map[v1.Hash]string{}
	used := map[string]bool{}
	var out []Entry
	for _, p := range parts {
		out = append(out, r.entriesOf(p.images, seen, used)...)
		for _, src := range p.plain {
			more, err := src.Layers(ctx)
			if err != nil {
				return nil, nil, fmt.Errorf("source %q: %w", src.Name(), err)
			}
			for _, e := range more {
				e.Name = Key(e.Name, used)
				out = append(out, e)
			}
		}
	}
	return out, images, nil
}

// Images resolves the images of srcs and fetches their layers together;
// sources that are not images are returned apart.
func (r *Resolver) Images(ctx context.Context, srcs []Source) (images []*Image, other []Source, err error) {
	for _, src := range srcs {
		is, ok := src.(imageSource)
		if !ok {
			other = append(other, src)
			continue
		}
		imgs, err := is.resolve(ctx)
		if err != nil {
			return nil, nil, err
		}
		images = append(images, imgs...)
		if ls, ok := src.(*listSource); ok {
			other = append(other, ls.plain()...)
		}
	}
	if err := r.Fetch(ctx, images); err != nil {
		return nil, nil, err
	}
	return images, other, nil
}

// WriteLock writes a lock file: a corpus list with each image pinned by
// digest (registry/repo:tag@sha256:…, oci:DIR@sha256:…), its platform and
// size in a comment; other sources (files, directories, builtin, docker
// archives) are written as given, marked as not pinned. Images that failed
// make it return an error, after writing the rest.
func WriteLock(w io.Writer, header string, images []*Image, other []Source) error {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimRight(header, "\n"), "\n") {
		fmt.Fprintf(&b, "# %s\n", l)
	}
	var failed []string
	for _, img := range images {
		if img.Err != nil {
			failed = append(failed, fmt.Sprintf("%s: %v", img.Source, img.Err))
			fmt.Fprintf(&b, "# FAILED: %s\n", img.Source)
			continue
		}
		var size int64
		n := 0
		for _, l := range img.Layers {
			size += l.Size
			n++
		}
		platform := img.Platform
		if platform == "" {
			platform = "platform not given"
		}
		fmt.Fprintf(&b, "%s  # %s, %d layer(s), %.1f MB\n", img.Ref, platform, n, float64(size)/1e6)
	}
	for _, src := range other {
		fmt.Fprintf(&b, "%s  # not an image: not pinned\n", src.Name())
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d image(s) not pinned:\n  %s", len(failed), strings.Join(failed, "\n  "))
	}
	return nil
}

// Identity returns the corpus-digest of a run: the sha256 of the sorted,
// distinct blob digests of entries (a layer whose digest is not known yet is
// hashed now; one that cannot be read counts by its origin). Two runs with
// the same corpus-digest measured the same bytes.
func Identity(entries []Entry) string {
	var keys []string
	for _, e := range entries {
		d := e.Digest
		if d == (v1.Hash{}) && e.Layer != nil {
			if h, err := e.Layer.Digest(); err == nil {
				d = h
			}
		}
		if d == (v1.Hash{}) {
			keys = append(keys, "origin:"+e.Origin)
			continue
		}
		keys = append(keys, d.String())
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	return sha256Hash([]byte(strings.Join(keys, "\n") + "\n")).String()
}

// CorpusName names the corpus of a run for its environment: the list name
// when the run measures one list (default, quick, or a file), else the
// SOURCE arguments.
func CorpusName(args []string) string {
	if len(args) == 1 {
		if n, ok := strings.CutPrefix(args[0], "@"); ok {
			return n
		}
	}
	return strings.Join(args, " ")
}
