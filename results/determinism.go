package results

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// How a DeterminismEncode was given its input.
const (
	WritesOne    = "one"    // the whole input in one Write
	WritesPieces = "pieces" // DeterminismMatrix.WriteSize bytes at a time
)

// A DeterminismMatrix is the result of a determinism measurement (package
// bench/determinism, zbench determinism): whether encoders write the same
// bytes across repeats, GOMAXPROCS, write sizes, concurrency options and
// implementations. It is kept as JSON, RUNDIR/determinism.json by
// convention, and read back by ReadDeterminism.
type DeterminismMatrix struct {
	// Versions are the versions the results hold for: Go, the codec
	// modules, libzstd, the reference programs. The caller fills them.
	Versions map[string]string `json:"versions"`
	// CPU and Cores say where it was measured.
	CPU        string             `json:"cpu,omitempty"`
	Cores      int                `json:"cores"`
	GOMAXPROCS []int              `json:"gomaxprocs"`
	Repeats    int                `json:"repeats"`
	WriteSize  int                `json:"write_size"`
	Inputs     []DeterminismInput `json:"inputs"`
	// Method says, in words, how the matrix was made.
	Method   string                  `json:"method"`
	Settings []DeterminismSetting    `json:"settings"`
	Across   []DeterminismComparison `json:"across"`
	Encodes  []DeterminismEncode     `json:"encodes"`
	// AcrossVersions, when measured, compares builds of the encoders
	// against other versions of Go, klauspost/compress and libzstd.
	AcrossVersions *VersionMatrix `json:"across_versions,omitempty"`
}

// A DeterminismInput names an input of a DeterminismMatrix.
type DeterminismInput struct {
	Name     string `json:"name"`
	DiffID   string `json:"diff_id,omitempty"`
	RawBytes int64  `json:"raw_bytes"`
}

// A DeterminismEncode is the outputs of one cell: an input, a codec variant,
// a level, a GOMAXPROCS and a way of writing, encoded one or more times.
type DeterminismEncode struct {
	Input      string   `json:"input"`
	Codec      string   `json:"codec"`
	Option     string   `json:"option,omitempty"`
	Level      string   `json:"level"`
	GOMAXPROCS int      `json:"gomaxprocs"`
	Threads    int      `json:"threads"`
	Writes     string   `json:"writes"`
	Digests    []string `json:"digests,omitempty"` // sha256:… of each output, in order
	Bytes      int64    `json:"bytes,omitempty"`   // size of the first output
	Err        string   `json:"error,omitempty"`
}

// A DeterminismSetting summarises one codec, option and level over every input.
type DeterminismSetting struct {
	Codec  string `json:"codec"`
	Option string `json:"option,omitempty"`
	Level  string `json:"level"`
	// Threads are the thread counts it ran with, one per GOMAXPROCS.
	Threads []int `json:"threads"`
	// Repeatable: every repeat wrote the same bytes, at each GOMAXPROCS,
	// for every input.
	Repeatable bool `json:"repeatable"`
	// SameAcrossGOMAXPROCS: the bytes at every GOMAXPROCS were the same.
	SameAcrossGOMAXPROCS bool `json:"same_across_gomaxprocs"`
	// SameAcrossWrites: writing in pieces gave the same bytes as one
	// Write.
	SameAcrossWrites bool `json:"same_across_writes"`
	// SameAsCodec, for a variant, says whether it wrote what the codec as
	// measured (no option) writes at the same level, for every input; nil
	// for the codec itself or when that was not measured.
	SameAsCodec *bool `json:"same_as_codec,omitempty"`
	// Digests maps each input to the digest of its first output at the
	// highest GOMAXPROCS.
	Digests map[string]string `json:"digests"`
	Err     string            `json:"error,omitempty"`
}

// Deterministic reports whether s wrote the same bytes in every way tried.
func (s DeterminismSetting) Deterministic() bool {
	return s.Err == "" && s.Repeatable && s.SameAcrossGOMAXPROCS && s.SameAcrossWrites
}

// Name is the codec with its option, as bench.Variant.Name writes it.
func (s DeterminismSetting) Name() string {
	if s.Option == "" {
		return s.Codec
	}
	return s.Codec + " [" + s.Option + "]"
}

// A DeterminismComparison is the outputs of every implementation of a format at one
// matching level (zlib's scale for gzip, libzstd's for zstd; see
// bench/determinism's Options.Comparable) on one input.
type DeterminismComparison struct {
	Format string `json:"format"`
	Level  int    `json:"level"`
	Input  string `json:"input"`
	// Groups are the encoders (with their options) that wrote identical
	// bytes, largest group first; each encoder is named with its own
	// level, "gzip-cli@6".
	Groups [][]string `json:"groups"`
	// Identical is true when every encoder wrote the same bytes.
	Identical bool `json:"identical"`
}

// WriteJSON writes m, indented, to w.
func (m *DeterminismMatrix) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(m)
}

// ReadDeterminism reads a matrix written by WriteJSON.
func ReadDeterminism(path string) (*DeterminismMatrix, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading determinism matrix: %w", err)
	}
	var m DeterminismMatrix
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("reading determinism matrix %q: %w", path, err)
	}
	return &m, nil
}

// DeterminismFile is the name zbench determinism suggests for a matrix kept in a run
// directory, where zbench evidence finds it.
const DeterminismFile = "determinism.json"
