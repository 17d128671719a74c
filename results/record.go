package results

// Operations a Record can hold.
const (
	OpEncode         = "encode"          // a codec at a level, from the raw tar
	OpDecode         = "decode"          // a decoder on an encoder's output
	OpDecodeOriginal = "decode-original" // a decoder on the blob as published
	OpMemcpy         = "memcpy"          // copying the raw tar: the ceiling
	OpLoad           = "load"            // loading a layer; only ever a failure record
)

// A Record is one sample of one cell, or the failure of a cell (Err set,
// Iters zero). results.txt and samples.jsonl are both written from Records.
type Record struct {
	Op          string `json:"op"`
	Layer       string `json:"layer"`                  // the layer= key
	LayerDigest string `json:"layer_digest,omitempty"` // digest of the blob as published
	DiffID      string `json:"diff_id,omitempty"`      // sha256 of the raw tar
	Codec       string `json:"codec"`                  // the codec timed: encoder for encode, decoder for decode
	From        string `json:"from,omitempty"`         // decode: the encoder whose output was read; decode-original: the blob's format
	Level       string `json:"level,omitempty"`        // encode/decode: the encoder's level
	// API is the library API measured: empty for its streaming writer and
	// reader, APIBuffer for its whole-buffer calls (on both sides of a
	// decode: a buffer decoder reading a buffer encoder's output).
	API string `json:"api,omitempty"`
	// Write is the size of the writes a streaming encoder was fed (encode)
	// or whose output was read (decode), when it is not DefaultWrite; 0
	// means DefaultWrite.
	Write   int `json:"write,omitempty"`
	Threads int `json:"threads"`

	Sample int `json:"sample"` // 0-based index within the cell
	// Of is how many records the cell has. WriteCell sets it, so that a
	// reader can tell a cell written in full from one cut short by a crash.
	// Zero means unknown (records not written by WriteCell).
	Of int `json:"of,omitempty"`
	// Round is the round (0-based) of `zbench run -rounds` the sample was
	// taken in: samples of one round, across cells, were taken minutes
	// apart at most, so they share the machine's speed of that moment.
	// Absent (0) in runs written before rounds were recorded: every sample
	// then reads as round 0.
	Round  int   `json:"round,omitempty"`
	Iters  int   `json:"iters"` // whole passes in this sample
	WallNS int64 `json:"wall_ns"`
	CPUNS  int64 `json:"cpu_ns"` // user+system, whole process, over the sample

	RawBytes        int64 `json:"raw_bytes"`        // uncompressed bytes per pass
	CompressedBytes int64 `json:"compressed_bytes"` // compressed bytes per pass (0 for memcpy)
	AllocBytes      int64 `json:"alloc_bytes"`      // Go heap bytes allocated per pass
	Allocs          int64 `json:"allocs"`           // Go heap allocations per pass

	// Verified is true when the cell's output was checked outside the clock:
	// a decode's sha256 equals the layer's diffID, an encode's output decodes
	// back to it.
	Verified bool   `json:"verified"`
	Err      string `json:"error,omitempty"`
}

// APIBuffer is the API key of cells that measure a library's whole-buffer
// calls (DataDog's CompressLevel and Decompress, klauspost's EncodeAll and
// DecodeAll) rather than its streaming writer and reader.
const APIBuffer = "buffer"

// DefaultWrite is the size of the writes a streaming encoder is fed unless a
// run says otherwise: io.Copy's buffer, what a registry or build tool
// copying a tar stream into a compressor hands it.
const DefaultWrite = 32 << 10

// A CellKey is the identity of a cell: every sample of one cell has the same
// key, and a finished run holds each key once.
type CellKey struct {
	Op    string
	Layer string
	Codec string
	From  string
	Level string
	// API and Write are left out of JSON when empty (a key marshalled in
	// compare's JSON reads as before they were added).
	API     string `json:",omitempty"` // "" (streaming) or APIBuffer
	Write   int    `json:",omitempty"` // write size when not DefaultWrite, else 0
	Threads int
}

// Key returns the identity of the cell r belongs to.
func (r Record) Key() CellKey {
	return CellKey{Op: r.Op, Layer: r.Layer, Codec: r.Codec, From: r.From, Level: r.Level, API: r.API, Write: r.Write, Threads: r.Threads}
}

// String names the cell as results.txt does, without the -GOMAXPROCS
// suffix: "Encode/layer=debian/codec=zstd-cgo/level=3/threads=1".
func (k CellKey) String() string { return k.name() }
