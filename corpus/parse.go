package corpus

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"strings"
)

// A transport is a kind of SOURCE written with a prefix, after the transport
// names skopeo and podman use.
type transport struct {
	prefix string
	what   string
	// parse makes the source from what follows the prefix; nil means the
	// transport is known but not supported yet.
	parse func(r *Resolver, arg, rest string) (Source, error)
}

// transports lists the SOURCE prefixes Parse knows. To support one, give it
// a parse function; nothing else in Parse changes.
var transports = []transport{
	{prefix: "docker://", what: "registry references"},
	{prefix: "oci:", what: "OCI image layouts (oci:DIR[:TAG])"},
	{prefix: "oci-archive:", what: "OCI archives"},
	{prefix: "docker-archive:", what: "docker save archives"},
	{prefix: "docker-daemon:", what: "images in a Docker daemon"},
	{prefix: "containers-storage:", what: "images in containers-storage"},
	{prefix: "dir:", what: "skopeo dir: layouts"},
	{prefix: "@", what: "corpus lists (@FILE)"},
}

// The supported transports' parse functions are set here rather than in
// the table, which lists refer to through Parse (an initialization cycle).
func init() {
	supported := map[string]func(*Resolver, string, string) (Source, error){
		"docker://":       (*Resolver).newRemoteSource,
		"oci:":            (*Resolver).newLayoutSource,
		"docker-archive:": (*Resolver).newArchiveSource,
		"@":               (*Resolver).newListSource,
	}
	for i := range transports {
		if f, ok := supported[transports[i].prefix]; ok {
			transports[i].parse = f
		}
	}
}

// urlScheme matches a SOURCE written as a URL, such as https://….
var urlScheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://`)

// imageRef matches the shape of an image reference: an optional registry
// host, a repository path, an optional tag and an optional digest (the
// grammar of distribution/reference, simplified). ggcr's pkg/name then
// parses it exactly.
var imageRef = regexp.MustCompile(`^(?:[A-Za-z0-9.-]+(?::[0-9]+)?/)?` +
	`[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*` +
	`(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$`)

// Parse turns a SOURCE argument of the command into a Source:
//
//   - "builtin": the offline layer made from the Go installation (Builtin);
//   - an existing directory: its layer blob files (DirSource);
//   - an existing file: one layer blob (FileSource);
//   - a registry reference, with or without docker:// (debian:bookworm,
//     ghcr.io/o/r@sha256:…, localhost:5000/x:tag): the image, fetched into
//     the cache;
//   - oci:DIR[:REF] or oci:DIR@sha256:…: an OCI image layout;
//   - docker-archive:FILE[:REF]: a docker save archive;
//   - @FILE or @NAME: a corpus list, one SOURCE a line (Lists names the
//     built-in ones);
//   - another transport skopeo knows (oci-archive:, dir: …): an error
//     wrapping ErrUnsupportedSource.
//
// A local path that exists is taken as a path even if it
// looks like a transport; write ./builtin for a directory named builtin.
func (r *Resolver) Parse(arg string) (Source, error) {
	if arg == "" {
		return nil, errors.New("empty source")
	}
	if arg == "builtin" {
		return Builtin(), nil
	}
	fi, statErr := os.Stat(arg)
	if statErr == nil {
		switch {
		case fi.IsDir():
			return DirSource(arg), nil
		case fi.Mode().IsRegular():
			return FileSource(arg), nil
		}
		return nil, fmt.Errorf("source %q: not a regular file or directory (%s)", arg, fi.Mode().Type())
	}
	if !errors.Is(statErr, fs.ErrNotExist) {
		return nil, fmt.Errorf("source %q: %w", arg, statErr)
	}
	for _, t := range transports {
		if rest, ok := strings.CutPrefix(arg, t.prefix); ok {
			if t.parse == nil {
				return nil, fmt.Errorf("source %q: %s are %w", arg, t.what, ErrUnsupportedSource)
			}
			return t.parse(r, arg, rest)
		}
	}
	if m := urlScheme.FindString(arg); m != "" {
		return nil, fmt.Errorf("source %q: transport %q is %w", arg, m, ErrUnsupportedSource)
	}
	if !imageRef.MatchString(arg) {
		return nil, fmt.Errorf("source %q: not builtin, a file, a directory or an image reference: %w", arg, statErr)
	}
	return r.newRemoteSource(arg, arg)
}
