// Package lazydoc is the JSON document zbench lazy writes (package lazy's
// analysis of the lazy-pull formats) and its one reader, [Read], for the
// report and the evidence. It depends on nothing but the standard library,
// so that they read the analysis without the encoders that make it;
// package lazy names these types too.
package lazydoc

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
)

// A Format is one lazy-pull writer at one setting.
type Format struct {
	// Name says what it is in tables: "estargz", "estargz-prio",
	// "zstd-chunked".
	Name string
	// Codec and Level name the writer in bench/codecs (estargz,
	// zstd-chunked), as in a zbench run.
	Codec, Level string
	// PlainCodec and PlainLevel name the plain encoder it is compared
	// against: the same implementation at the same level.
	PlainCodec, PlainLevel string
	// ChunkSize, for eStargz, is the chunk size in bytes; 0 is the
	// library's default (4 MiB).
	ChunkSize int
	// Prioritize, for eStargz, writes with the library's Build and these
	// files first (see lazy.Format.Encode); Build's ordering is then what a
	// client prefetches in one range.
	Prioritize bool
}

// A Report is the analysis of a series of layers, versions of one image
// layer, oldest first.
type Report struct {
	Formats   []Format   `json:"formats"`
	Overheads []Overhead `json:"overheads"` // per layer, per format
	// Updates go from each layer to the next, per format.
	Updates []Update `json:"updates"`
	// FilesFirst reads each layer's files first, per format.
	FilesFirst []FilesFirst `json:"files_first"`
}

// Overhead returns the overhead of format on layer.
func (r *Report) Overhead(layer, format string) (Overhead, bool) {
	for _, o := range r.Overheads {
		if o.Layer == layer && o.Format == format {
			return o, true
		}
	}
	return Overhead{}, false
}

// Overhead is what a format adds to one layer.
type Overhead struct {
	Layer  string `json:"layer"`
	Format string `json:"format"` // Format.Name
	Level  string `json:"level"`
	Plain  string `json:"plain"` // the plain encoder, codec/level
	Raw    int64  `json:"raw_bytes"`
	// PlainBytes is the plain encoder's output; Bytes the format's.
	PlainBytes int64 `json:"plain_bytes"`
	Bytes      int64 `json:"bytes"`
	// TOC, Footer and TarSplit are the format's metadata in the blob,
	// compressed, frame headers included.
	TOC      int64 `json:"toc_bytes"`
	TOCRaw   int64 `json:"toc_raw_bytes"`
	Footer   int64 `json:"footer_bytes"`
	TarSplit int64 `json:"tar_split_bytes,omitempty"`
	Chunks   int   `json:"chunks"`
	Frames   int   `json:"frames"` // compressed frames (gzip members, zstd frames) holding chunks
	Files    int   `json:"files"`  // regular files
}

// Ratio is Bytes over PlainBytes.
func (o Overhead) Ratio() float64 { return float64(o.Bytes) / float64(o.PlainBytes) }

// Update is what a client fetches to update from one version of a layer
// to the next.
type Update struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Format string `json:"format"`
	// Blob is the whole new blob, what a plain pull fetches.
	Blob int64 `json:"blob_bytes"`
	// Meta is the new version's footer, TOC and tar-split, fetched first.
	Meta int64 `json:"meta_bytes"`
	// ChunkBytes is the compressed frames of the chunks the old version
	// lacks, each frame once.
	ChunkBytes int64 `json:"chunk_bytes"`
	// Chunks is the new version's chunks; Fetched how many of them the
	// old version lacks (by digest), each digest once; Zeros how many are
	// runs of zeros, never fetched.
	Chunks  int `json:"chunks"`
	Fetched int `json:"fetched_chunks"`
	Zeros   int `json:"zero_chunks,omitempty"`
	// Ranges is the number of HTTP ranges the chunks take, adjacent
	// frames merged.
	Ranges int `json:"ranges"`
	// Files are the files with chunks fetched, in the new TOC's order.
	Files []string `json:"-"`
}

// Total is what the update fetches: Meta and ChunkBytes.
func (u Update) Total() int64 { return u.Meta + u.ChunkBytes }

// Saved is the share of the new blob the update does not fetch.
func (u Update) Saved() float64 { return 1 - float64(u.Total())/float64(u.Blob) }

// FilesFirst is what a client fetches to read some files before the rest.
type FilesFirst struct {
	Layer  string   `json:"layer"`
	Format string   `json:"format"`
	Files  []string `json:"files"`
	// Missing are the files asked for that the layer lacks.
	Missing []string `json:"missing,omitempty"`
	// NotPrioritized are the files a prioritized format was asked to put
	// first but did not: eStargz's Build misses a file whose parent
	// directories have no entry in the tar (a layer diff may lack "./usr/").
	NotPrioritized []string `json:"not_prioritized,omitempty"`
	// FileBytes is the files' uncompressed bytes.
	FileBytes int64 `json:"file_bytes"`
	Blob      int64 `json:"blob_bytes"`
	Meta      int64 `json:"meta_bytes"`
	// ChunkBytes is the compressed frames holding the files' chunks, each
	// frame once; Ranges the HTTP ranges they make, adjacent frames merged.
	ChunkBytes int64 `json:"chunk_bytes"`
	Ranges     int   `json:"ranges"`
}

// Total is what the client fetches before the files can be read.
func (f FilesFirst) Total() int64 { return f.Meta + f.ChunkBytes }

// A Cost sets one format's encoding against its plain encoder's on one
// layer of a zbench run: medians over the cells' samples.
type Cost struct {
	Layer  string `json:"layer"`
	Format string `json:"format"` // codec/level in the run
	Plain  string `json:"plain"`
	// MBps is throughput (10^6 bytes of tar per wall second); CPUPerGB
	// CPU seconds (user+system) per 10^9 bytes of tar.
	MBps          float64 `json:"mb_per_s"`
	PlainMBps     float64 `json:"plain_mb_per_s"`
	CPUPerGB      float64 `json:"cpu_s_per_gb"`
	PlainCPUPerGB float64 `json:"plain_cpu_s_per_gb"`
}

// File is the name a lazy-pull analysis takes when kept in a run
// directory (zbench lazy -o RUNDIR/lazy.json): zbench report and zbench
// evidence find it there, as they find determinism.json.
const File = "lazy.json"

// A Document is what zbench lazy writes: the [Report], encode costs
// against plain when a run was given, and the libraries' versions.
type Document struct {
	*Report
	Costs []Cost `json:"encode_costs,omitempty"`
	// Versions are the libraries' module versions, from the build info:
	// module path to version.
	Versions map[string]string `json:"versions,omitempty"`
}

// Read reads a Document written by zbench lazy: the one reader of
// that file, for the report and the evidence.
func Read(path string) (*Document, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the lazy-pull analysis: %w", err)
	}
	var d Document
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("reading the lazy-pull analysis %s: %w", path, err)
	}
	if d.Report == nil || len(d.Overheads) == 0 {
		return nil, fmt.Errorf("reading the lazy-pull analysis %s: %w", path, errors.New("no overheads: not a zbench lazy document"))
	}
	for i, o := range d.Overheads {
		if o.Layer == "" || o.Format == "" || o.PlainBytes <= 0 || o.Bytes <= 0 {
			return nil, fmt.Errorf("reading the lazy-pull analysis %s: overhead %d (%s %s) lacks its layer, format or sizes", path, i+1, o.Layer, o.Format)
		}
	}
	for i, u := range d.Updates {
		if u.Blob <= 0 {
			return nil, fmt.Errorf("reading the lazy-pull analysis %s: update %d (%s → %s, %s) has no blob size", path, i+1, u.From, u.To, u.Format)
		}
	}
	return &d, nil
}
