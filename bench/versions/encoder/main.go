// Command encoder is the encoder program of package bench/versions: it
// encodes its standard input with the codecs and levels named in its
// arguments and prints, as JSON, the sha256 and size of each output with the
// versions it was built with.
//
//	encoder gzip-std:6 gzip-klauspost:9 zstd-klauspost:fastest zstd-cgo:3 < layer.tar
//
// Package bench/versions builds it once per version under test (a Go
// toolchain through GOTOOLCHAIN, a klauspost/compress release through go
// get, the system's libzstd through -tags external_libzstd) from its own copy
// of this directory's files, so it imports nothing from zbench. Built without
// cgo, it has no zstd-cgo. It writes as zbench's
// codecs (bench/codecs) write when an input is given in one Write: same
// constructors, same options.
package main

import (
	stdgzip "compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"

	kgzip "github.com/klauspost/compress/gzip"
	kzstd "github.com/klauspost/compress/zstd"
)

// Output is what the program prints.
type Output struct {
	Go        string   `json:"go"`
	Klauspost string   `json:"klauspost"`
	DataDog   string   `json:"datadog"`
	Libzstd   string   `json:"libzstd"`
	InBytes   int64    `json:"in_bytes"`
	Results   []Result `json:"results"`
}

// A Result is one codec and level's output.
type Result struct {
	Codec  string `json:"codec"`
	Level  string `json:"level"`
	Digest string `json:"digest,omitempty"`
	Bytes  int64  `json:"bytes,omitempty"`
	Err    string `json:"error,omitempty"`
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: encoder CODEC:LEVEL... < tar")
		os.Exit(2)
	}
	raw, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintf(os.Stderr, "encoder: reading input: %v\n", err)
		os.Exit(1)
	}
	out := Output{Go: runtime.Version(), Libzstd: libzstdVersion(), InBytes: int64(len(raw))}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Replace != nil {
				d = d.Replace
			}
			switch d.Path {
			case "github.com/klauspost/compress":
				out.Klauspost = d.Version
			case "github.com/DataDog/zstd":
				out.DataDog = d.Version
			}
		}
	}
	for _, arg := range os.Args[1:] {
		codec, level, ok := strings.Cut(arg, ":")
		r := Result{Codec: codec, Level: level}
		if !ok {
			r.Err = fmt.Sprintf("argument %q: want codec:level", arg)
		} else if d, n, err := encode(codec, level, raw); err != nil {
			r.Err = err.Error()
		} else {
			r.Digest, r.Bytes = d, n
		}
		out.Results = append(out.Results, r)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		fmt.Fprintf(os.Stderr, "encoder: %v\n", err)
		os.Exit(1)
	}
}

// newZstdCgo and libzstdVersion are set by cgo.go in builds with cgo.
var (
	newZstdCgo     func(w io.Writer, level int) io.WriteCloser
	libzstdVersion = func() string { return "" }
)

type countHash struct {
	hash.Hash
	n int64
}

func (c *countHash) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return c.Hash.Write(p)
}

// newWriter returns codec's writer at level, as bench/codecs makes it.
func newWriter(w io.Writer, codec, level string) (io.WriteCloser, error) {
	switch codec {
	case "gzip-std":
		n, err := strconv.Atoi(level)
		if err != nil {
			return nil, fmt.Errorf("gzip-std: level %q: not a number", level)
		}
		return stdgzip.NewWriterLevel(w, n)
	case "gzip-klauspost":
		n, err := strconv.Atoi(level)
		if err != nil {
			return nil, fmt.Errorf("gzip-klauspost: level %q: not a number", level)
		}
		return kgzip.NewWriterLevel(w, n)
	case "zstd-klauspost":
		ok, l := kzstd.EncoderLevelFromString(level)
		if !ok {
			return nil, fmt.Errorf("zstd-klauspost: unknown level %q", level)
		}
		return kzstd.NewWriter(w, kzstd.WithEncoderLevel(l), kzstd.WithEncoderConcurrency(1))
	case "zstd-cgo":
		if newZstdCgo == nil {
			return nil, fmt.Errorf("zstd-cgo: built without cgo")
		}
		n, err := strconv.Atoi(level)
		if err != nil {
			return nil, fmt.Errorf("zstd-cgo: level %q: not a number", level)
		}
		return newZstdCgo(w, n), nil
	}
	return nil, fmt.Errorf("unknown codec %q", codec)
}

// encode encodes raw in one Write and returns the sha256 and size of the
// output.
func encode(codec, level string, raw []byte) (string, int64, error) {
	h := &countHash{Hash: sha256.New()}
	w, err := newWriter(h, codec, level)
	if err != nil {
		return "", 0, err
	}
	if _, err := w.Write(raw); err != nil {
		w.Close()
		return "", 0, fmt.Errorf("%s level %s: write: %w", codec, level, err)
	}
	if err := w.Close(); err != nil {
		return "", 0, fmt.Errorf("%s level %s: close: %w", codec, level, err)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), h.n, nil
}
