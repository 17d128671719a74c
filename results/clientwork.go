package results

import (
	"encoding/json"
	"fmt"
	"math"
	"os"

	"zbench/internal/atomicfile"
)

// ClientWorkFile is the name zbench clientwork gives its measurement in a
// run directory: zbench evidence and zbench report find it there, as they
// find determinism.json.
const ClientWorkFile = "clientwork.json"

// ClientWork is what a client does to a pulled layer beside decoding it,
// measured on this machine (package bench/clientwork, zbench clientwork):
// hashing the blob and the tar, writing them to a file and syncing it,
// unpacking the tar into a directory, and copying the unpacked tree (what
// a snapshotter that copies its parent does for the layer above).
type ClientWork struct {
	// Count is how many times each stage was timed; a stage's figure is
	// the median.
	Count int `json:"count"`
	// Cores is the machine's CPU count; Filesystem the type of the file
	// system written to ("ext4"), and Root whether unpacking ran as root
	// (and so changed owners, as clients do).
	Cores      int    `json:"cores"`
	Filesystem string `json:"filesystem,omitempty"`
	Root       bool   `json:"root"`
	// Arch is the machine's GOARCH. SHA256LegacyMBps is, on amd64, the
	// sha256 rate of clients built with Go before 1.21, which lack the
	// code for the CPU's SHA extensions (0 where not measured): the pull
	// model hashes at that rate for such clients.
	Arch             string      `json:"arch,omitempty"`
	SHA256LegacyMBps float64     `json:"sha256_legacy_mbps,omitempty"`
	Method           string      `json:"method"`
	Layers           []LayerWork `json:"layers"`
}

// LayerWork is the client work of one layer, in seconds of wall time.
type LayerWork struct {
	Layer     string `json:"layer"` // its name in a run: layer=NAME
	BlobBytes int64  `json:"blob_bytes"`
	TarBytes  int64  `json:"tar_bytes"`
	// Entries are the tar's entries; Unpacked those unpacking created
	// (device nodes and whiteouts are left out).
	Entries  int `json:"entries"`
	Unpacked int `json:"unpacked"`

	SHA256BlobS float64 `json:"sha256_blob_s"`
	SHA256TarS  float64 `json:"sha256_tar_s"`
	WriteBlobS  float64 `json:"write_blob_s"` // into a new file, 32 KiB at a time
	FsyncBlobS  float64 `json:"fsync_blob_s"` // the fsync after that write
	WriteTarS   float64 `json:"write_tar_s"`
	FsyncTarS   float64 `json:"fsync_tar_s"`
	UntarS      float64 `json:"untar_s"` // the tar unpacked into an empty directory
	CopyS       float64 `json:"copy_s"`  // the unpacked tree copied into an empty directory
	// SyncSmallS is one small metadata file (4 KiB) written atomically:
	// written, fdatasync'd, renamed over the old one, as
	// containers/storage saves its layer store.
	SyncSmallS float64 `json:"sync_small_s"`
	// TarSplitS is the tar split into its headers and a checksum of each
	// file, the metadata gzipped: what containers/storage keeps of every
	// layer it applies (vbatts/tar-split, as it calls it).
	TarSplitS float64 `json:"tar_split_s"`
}

// Stages are the stage figures of w by name, in the order of the JSON:
// the names a client's pull pipeline (package evidence) refers to.
func (w LayerWork) Stages() map[string]float64 {
	return map[string]float64{
		StageSHA256Blob: w.SHA256BlobS, StageSHA256Tar: w.SHA256TarS,
		StageWriteBlob: w.WriteBlobS, StageFsyncBlob: w.FsyncBlobS,
		StageWriteTar: w.WriteTarS, StageFsyncTar: w.FsyncTarS,
		StageUntar: w.UntarS, StageCopy: w.CopyS, StageSyncSmall: w.SyncSmallS, StageTarSplit: w.TarSplitS,
	}
}

// The stages of a LayerWork, by the names pipelines use.
const (
	StageSHA256Blob = "sha256-blob"
	StageSHA256Tar  = "sha256-tar"
	StageWriteBlob  = "write-blob"
	StageFsyncBlob  = "fsync-blob"
	StageWriteTar   = "write-tar"
	StageFsyncTar   = "fsync-tar"
	StageUntar      = "untar"
	StageCopy       = "copy"
	StageSyncSmall  = "sync-small"
	StageTarSplit   = "tar-split"
)

// WriteClientWork writes w to path, atomically.
func WriteClientWork(path string, w *ClientWork) error {
	b, err := json.MarshalIndent(w, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteBytes(path, append(b, '\n'))
}

// ReadClientWork reads a file written by WriteClientWork: the one reader
// of client work.
func ReadClientWork(path string) (*ClientWork, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading client work: %w", err)
	}
	var w ClientWork
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, fmt.Errorf("reading client work %s: %w", path, err)
	}
	if len(w.Layers) == 0 {
		return nil, fmt.Errorf("reading client work %s: no layers", path)
	}
	if w.Cores < 1 {
		return nil, fmt.Errorf("reading client work %s: cores %d, want at least 1", path, w.Cores)
	}
	seen := map[string]bool{}
	for i, l := range w.Layers {
		if l.Layer == "" || seen[l.Layer] {
			return nil, fmt.Errorf("reading client work %s: layer %d has no name or a name already given (%q)", path, i+1, l.Layer)
		}
		seen[l.Layer] = true
		if l.TarBytes <= 0 || l.BlobBytes <= 0 {
			return nil, fmt.Errorf("reading client work %s: layer %s: blob and tar sizes must be positive", path, l.Layer)
		}
		for name, s := range l.Stages() {
			if math.IsNaN(s) || math.IsInf(s, 0) || s < 0 {
				return nil, fmt.Errorf("reading client work %s: layer %s: stage %s is %v seconds", path, l.Layer, name, s)
			}
		}
	}
	return &w, nil
}
