// Package chunked reads the layout of a lazy-pull layer, eStargz (gzip) or
// zstd:chunked (zstd), from its footer and table of contents: where each
// chunk of file content lies in the blob, its digest, and how many bytes the
// table of contents, the footer and (zstd:chunked) the tar-split take. It
// checks every chunk against its digest.
//
// It reads the blob whole, from memory, as the analysis does; a client reads
// the footer, then the TOC, then the chunks it lacks, by HTTP range.
package chunked

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/containerd/stargz-snapshotter/estargz"
	"github.com/klauspost/compress/zstd"
)

// Formats of a lazy-pull layer.
const (
	Estargz     = "estargz"
	ZstdChunked = "zstd:chunked"
)

// ErrNotChunked means that a blob is a plain gzip or zstd stream, with no
// footer of a lazy-pull format.
var ErrNotChunked = errors.New("not an eStargz or zstd:chunked layer (no footer)")

// A Chunk is one piece of one file's content, the unit a client fetches.
type Chunk struct {
	Name string // the file, as the TOC names it
	// Offset and End delimit, in the blob, the compressed frame (gzip
	// member, zstd frame) a client fetches to read the chunk: End-Offset
	// bytes. Chunks that share a frame (eStargz's minimum chunk size) have
	// the same Offset and End.
	Offset, End int64
	// InnerOffset is where the chunk starts in its frame, uncompressed.
	InnerOffset int64
	Size        int64  // uncompressed bytes
	Digest      string // sha256 of the chunk's bytes ("sha256:<hex>")
	// Zeros marks a zstd:chunked chunk of zeros, which a client writes as
	// a hole without fetching it.
	Zeros bool
}

// A File is a regular file of the layer, as the TOC lists it.
type File struct {
	Name string
	Size int64
	Mode int64
}

// A Layout is what a lazy-pull layer's footer and TOC say about it.
type Layout struct {
	Format string // Estargz or ZstdChunked
	Size   int64  // the blob's bytes
	Chunks []Chunk
	Files  []File
	// TOC is the compressed table of contents as stored in the blob, its
	// frame header included; Footer the footer; TarSplit (zstd:chunked
	// only) the compressed tar-split that lets a client rebuild the tar.
	TOC, Footer, TarSplit int64
	// TOCRaw is the table of contents' uncompressed JSON size.
	TOCRaw int64
}

// Meta is what a client fetches before any file content: footer, TOC and
// tar-split.
func (l *Layout) Meta() int64 { return l.Footer + l.TOC + l.TarSplit }

// Frames is the number of compressed frames that hold chunks.
func (l *Layout) Frames() int {
	seen := map[int64]bool{}
	for _, c := range l.Chunks {
		seen[c.Offset] = true
	}
	return len(seen)
}

// Parse reads blob's footer and TOC. Its errors name what is wrong; a plain
// gzip or zstd stream gives an error wrapping [ErrNotChunked].
func Parse(blob []byte) (*Layout, error) {
	switch {
	case bytes.HasPrefix(blob, []byte{0x1f, 0x8b}):
		return parseEstargz(blob)
	case bytes.HasPrefix(blob, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return parseZstdChunked(blob)
	}
	return nil, fmt.Errorf("%w: neither gzip nor zstd", ErrNotChunked)
}

func parseEstargz(blob []byte) (*Layout, error) {
	sr := io.NewSectionReader(bytes.NewReader(blob), 0, int64(len(blob)))
	tocOff, footerSize, err := estargz.OpenFooter(sr)
	if err != nil {
		return nil, fmt.Errorf("%w: eStargz footer: %v", ErrNotChunked, err)
	}
	size := int64(len(blob))
	if tocOff < 0 || tocOff > size-footerSize {
		return nil, fmt.Errorf("eStargz footer: TOC offset %d outside the blob of %d bytes", tocOff, size)
	}
	zr, err := gzip.NewReader(bytes.NewReader(blob[tocOff : size-footerSize]))
	if err != nil {
		return nil, fmt.Errorf("eStargz TOC at %d: %w", tocOff, err)
	}
	tr := tar.NewReader(zr)
	h, err := tr.Next()
	if err != nil {
		return nil, fmt.Errorf("eStargz TOC at %d: %w", tocOff, err)
	}
	if h.Name != estargz.TOCTarName {
		return nil, fmt.Errorf("eStargz TOC at %d: entry %q, want %q", tocOff, h.Name, estargz.TOCTarName)
	}
	raw, err := io.ReadAll(tr)
	if err != nil {
		return nil, fmt.Errorf("eStargz TOC at %d: %w", tocOff, err)
	}
	var toc estargz.JTOC
	if err := json.Unmarshal(raw, &toc); err != nil {
		return nil, fmt.Errorf("eStargz TOC JSON: %w", err)
	}
	l := &Layout{Format: Estargz, Size: size, TOC: size - footerSize - tocOff, Footer: footerSize, TOCRaw: int64(len(raw))}
	// A chunk's frame ends where the next frame starts, or at the TOC.
	var offs []int64
	for _, e := range toc.Entries {
		if e.Offset > 0 {
			offs = append(offs, e.Offset)
		}
	}
	sort.Slice(offs, func(i, j int) bool { return offs[i] < offs[j] })
	end := func(off int64) int64 {
		i := sort.Search(len(offs), func(i int) bool { return offs[i] > off })
		if i < len(offs) {
			return offs[i]
		}
		return tocOff
	}
	var fileSize int64
	for _, e := range toc.Entries {
		switch e.Type {
		case "reg":
			fileSize = e.Size
			l.Files = append(l.Files, File{Name: e.Name, Size: e.Size, Mode: e.Mode})
			if e.Size == 0 {
				continue
			}
		case "chunk":
		default:
			continue
		}
		n := e.ChunkSize
		if n == 0 {
			n = fileSize - e.ChunkOffset
		}
		if e.Offset <= 0 || e.Offset >= tocOff || n <= 0 {
			return nil, fmt.Errorf("eStargz TOC: %s: chunk at %d of %d bytes is outside the blob's data", e.Name, e.Offset, n)
		}
		l.Chunks = append(l.Chunks, Chunk{Name: e.Name, Offset: e.Offset, End: end(e.Offset),
			InnerOffset: e.InnerOffset, Size: n, Digest: e.ChunkDigest})
	}
	return l, nil
}

// The zstd:chunked footer, as containers/storage writes it: the last
// skippable frame of the blob, 64 bytes of little-endian numbers ending in
// a magic ("GNUlInUx"; stargz-snapshotter's own zstdchunked writes
// "GnUlInUx", an older, different layout, which this package does not read).
const (
	zstdChunkedFooter = 64
	skippableHeader   = 8
)

var zstdChunkedMagic = []byte{0x47, 0x4e, 0x55, 0x6c, 0x49, 0x6e, 0x55, 0x78}

// zstdTOC is the part of containers/storage's TOC the analysis reads.
type zstdTOC struct {
	Version int `json:"version"`
	Entries []struct {
		Type        string `json:"type"`
		Name        string `json:"name"`
		Mode        int64  `json:"mode"`
		Size        int64  `json:"size"`
		Digest      string `json:"digest"`
		Offset      int64  `json:"offset"`
		EndOffset   int64  `json:"endOffset"`
		ChunkSize   int64  `json:"chunkSize"`
		ChunkOffset int64  `json:"chunkOffset"`
		ChunkDigest string `json:"chunkDigest"`
		ChunkType   string `json:"chunkType"`
	} `json:"entries"`
}

func parseZstdChunked(blob []byte) (*Layout, error) {
	size := int64(len(blob))
	if size < zstdChunkedFooter+skippableHeader || !bytes.Equal(blob[size-8:], zstdChunkedMagic) {
		return nil, fmt.Errorf("%w: no zstd:chunked footer magic", ErrNotChunked)
	}
	f := blob[size-zstdChunkedFooter:]
	u := func(i int) int64 { return int64(binary.LittleEndian.Uint64(f[8*i:])) }
	tocOff, tocLen, tocRaw := u(0), u(1), u(2)
	tsOff, tsLen := u(4), u(5)
	dataEnd := size - zstdChunkedFooter - skippableHeader
	if tocOff < skippableHeader || tocLen <= 0 || tocOff+tocLen > dataEnd || tsOff < 0 || tsOff+tsLen > dataEnd {
		return nil, fmt.Errorf("zstd:chunked footer: TOC at %d+%d or tar-split at %d+%d outside the blob of %d bytes", tocOff, tocLen, tsOff, tsLen, size)
	}
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1))
	if err != nil {
		return nil, err
	}
	defer dec.Close()
	raw, err := dec.DecodeAll(blob[tocOff:tocOff+tocLen], nil)
	if err != nil {
		return nil, fmt.Errorf("zstd:chunked TOC at %d: %w", tocOff, err)
	}
	if int64(len(raw)) != tocRaw {
		return nil, fmt.Errorf("zstd:chunked TOC at %d: %d bytes, the footer says %d", tocOff, len(raw), tocRaw)
	}
	var toc zstdTOC
	if err := json.Unmarshal(raw, &toc); err != nil {
		return nil, fmt.Errorf("zstd:chunked TOC JSON: %w", err)
	}
	dataStart := tocOff - skippableHeader
	l := &Layout{Format: ZstdChunked, Size: size, TOC: tocLen + skippableHeader, TOCRaw: tocRaw,
		Footer: zstdChunkedFooter + skippableHeader}
	if tsLen > 0 {
		l.TarSplit = tsLen + skippableHeader
	}
	var fileSize, fileEnd int64
	es := toc.Entries
	for i, e := range es {
		switch e.Type {
		case "reg":
			fileSize, fileEnd = e.Size, e.EndOffset
			l.Files = append(l.Files, File{Name: e.Name, Size: e.Size, Mode: e.Mode})
			if e.Size == 0 || e.Digest == "" {
				continue
			}
		case "chunk":
		default:
			continue
		}
		c := Chunk{Name: e.Name, Offset: e.Offset, End: fileEnd, Size: fileSize, Digest: e.Digest, Zeros: e.ChunkType == "zeros"}
		if e.ChunkSize > 0 { // one of several chunks
			c.Size, c.Digest = e.ChunkSize, e.ChunkDigest
			if i+1 < len(es) && es[i+1].Type == "chunk" {
				c.End = es[i+1].Offset
			}
		}
		if c.Offset <= 0 || c.End <= c.Offset || c.End > dataStart || c.Size <= 0 {
			return nil, fmt.Errorf("zstd:chunked TOC: %s: chunk at %d-%d of %d bytes is outside the blob's data", e.Name, c.Offset, c.End, c.Size)
		}
		l.Chunks = append(l.Chunks, c)
	}
	return l, nil
}

// Verify decompresses every chunk of l from blob, as a client that fetched
// it would, and checks it against its digest.
func (l *Layout) Verify(blob []byte) error {
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1))
	if err != nil {
		return err
	}
	defer dec.Close()
	for _, c := range l.Chunks {
		if c.End > int64(len(blob)) {
			return fmt.Errorf("%s: chunk at %d-%d: the blob has %d bytes", c.Name, c.Offset, c.End, len(blob))
		}
		frame := bytes.NewReader(blob[c.Offset:c.End])
		var r io.Reader
		switch l.Format {
		case Estargz:
			zr, err := gzip.NewReader(frame)
			if err != nil {
				return fmt.Errorf("%s: chunk at %d: %w", c.Name, c.Offset, err)
			}
			zr.Multistream(false)
			r = zr
		default:
			if err := dec.Reset(frame); err != nil {
				return fmt.Errorf("%s: chunk at %d: %w", c.Name, c.Offset, err)
			}
			r = dec
		}
		if _, err := io.CopyN(io.Discard, r, c.InnerOffset); err != nil {
			return fmt.Errorf("%s: chunk at %d: %w", c.Name, c.Offset, err)
		}
		h := sha256.New()
		if _, err := io.CopyN(h, r, c.Size); err != nil {
			return fmt.Errorf("%s: chunk at %d: %w", c.Name, c.Offset, err)
		}
		if got := "sha256:" + hex.EncodeToString(h.Sum(nil)); got != c.Digest {
			return fmt.Errorf("%s: chunk at %d: digest %s, the TOC says %s", c.Name, c.Offset, got, c.Digest)
		}
	}
	return nil
}
