package corpus

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// xzInfo is what the indexes and block headers of an xz blob declare.
type xzInfo struct {
	size    int64 // total uncompressed size, from the indexes
	maxDict int64 // largest LZMA2 dictionary any block declares
}

// Note: ulikunitz/xz allocates each block's dictionary at the size its
// header declares (up to 4 GiB) before decoding a byte, and offers no option
// to refuse. A 100-byte blob could thus make Load allocate gigabytes, which
// the MaxBytes check on the output would never see. scanXz reads the
// dictionary sizes first, the way `xz --list` does: from the end of the blob,
// each stream's footer locates its index, the index gives every block's size,
// and each block header gives its filter chain. As a bonus the index gives the
// exact uncompressed size, which sizes Load's buffer. scanXz only checks the
// structure it needs to walk; the decoder checks the CRCs.

var errXzStructure = errors.New("malformed xz container")

// scanXz walks the streams of the xz blob b from its end.
func scanXz(b []byte) (xzInfo, error) {
	var info xzInfo
	if len(b)%4 != 0 {
		return info, fmt.Errorf("%w: size %d is not a multiple of 4 (truncated, or data after the end)", errXzStructure, len(b))
	}
	end := len(b)
	streams := 0
	for end > 0 {
		// Stream padding: groups of four zero bytes between and after streams.
		if end >= 4 && allZero(b[end-4:end]) {
			end -= 4
			continue
		}
		start, err := scanXzStream(b[:end], &info)
		if err != nil {
			return info, err
		}
		streams++
		end = start
	}
	if streams == 0 {
		return info, fmt.Errorf("%w: no stream", errXzStructure)
	}
	return info, nil
}

// scanXzStream reads the stream that ends at the end of b, adds what it
// declares to info, and returns the offset where the stream starts.
func scanXzStream(b []byte, info *xzInfo) (int, error) {
	const headerLen, footerLen = 12, 12
	if len(b) < headerLen+footerLen {
		return 0, fmt.Errorf("%w: stream too short", errXzStructure)
	}
	footer := b[len(b)-footerLen:]
	if footer[10] != 'Y' || footer[11] != 'Z' {
		return 0, fmt.Errorf("%w: no stream footer (truncated, or data after the end)", errXzStructure)
	}
	indexLen := (int64(binary.LittleEndian.Uint32(footer[4:8])) + 1) * 4
	indexEnd := len(b) - footerLen
	if indexLen > int64(indexEnd-headerLen) {
		return 0, fmt.Errorf("%w: index size %d out of range", errXzStructure, indexLen)
	}
	indexStart := indexEnd - int(indexLen)
	index := b[indexStart:indexEnd]

	// Index: indicator 0x00, record count, records of (unpadded size,
	// uncompressed size), padding, CRC32.
	if index[0] != 0 {
		return 0, fmt.Errorf("%w: bad index indicator", errXzStructure)
	}
	r := &xzVarints{b: index[:len(index)-4], off: 1}
	count := r.next()
	type record struct{ unpadded, size uint64 }
	var records []record
	var blocksLen uint64
	for i := uint64(0); i < count && r.err == nil; i++ {
		rec := record{unpadded: r.next(), size: r.next()}
		padded := (rec.unpadded + 3) &^ 3
		if rec.unpadded == 0 || padded > math.MaxInt32*4 || blocksLen+padded < blocksLen {
			return 0, fmt.Errorf("%w: bad index record", errXzStructure)
		}
		blocksLen += padded
		if rec.size > math.MaxInt64-uint64(info.size) {
			return 0, fmt.Errorf("%w: uncompressed size overflows", errXzStructure)
		}
		info.size += int64(rec.size)
		records = append(records, rec)
	}
	if r.err != nil {
		return 0, r.err
	}
	if blocksLen > uint64(indexStart-headerLen) {
		return 0, fmt.Errorf("%w: blocks larger than the stream", errXzStructure)
	}
	start := indexStart - int(blocksLen) - headerLen
	if !bytes.HasPrefix(b[start:], magicXz) {
		return 0, fmt.Errorf("%w: no stream header where the index says the stream starts", errXzStructure)
	}

	off := start + headerLen
	for _, rec := range records {
		dict, err := xzBlockDict(b[off:indexStart])
		if err != nil {
			return 0, err
		}
		info.maxDict = max(info.maxDict, dict)
		off += int((rec.unpadded + 3) &^ 3)
	}
	return start, nil
}

// xzBlockDict returns the largest LZMA2 dictionary in the filter chain of the
// block header at the start of b.
func xzBlockDict(b []byte) (int64, error) {
	if len(b) == 0 || b[0] == 0 {
		return 0, fmt.Errorf("%w: missing block header", errXzStructure)
	}
	hdrLen := (int(b[0]) + 1) * 4
	if hdrLen > len(b) {
		return 0, fmt.Errorf("%w: block header out of range", errXzStructure)
	}
	flags := b[1]
	r := &xzVarints{b: b[:hdrLen-4], off: 2}
	if flags&0x40 != 0 {
		r.next() // compressed size
	}
	if flags&0x80 != 0 {
		r.next() // uncompressed size
	}
	var dict int64
	for range int(flags&3) + 1 {
		id, propsLen := r.next(), r.next()
		if r.err != nil || r.off > len(r.b) || propsLen > uint64(len(r.b)-r.off) {
			return 0, fmt.Errorf("%w: bad filter flags", errXzStructure)
		}
		props := r.b[r.off : r.off+int(propsLen)]
		r.off += int(propsLen)
		if id == 0x21 && len(props) == 1 { // LZMA2
			dict = max(dict, lzma2Dict(props[0]))
		}
	}
	return dict, r.err
}

// lzma2Dict decodes the dictionary size byte of the LZMA2 filter.
func lzma2Dict(c byte) int64 {
	if c >= 40 {
		return math.MaxUint32
	}
	return int64(2|c&1) << (c/2 + 11)
}

// xzVarints reads the xz multibyte integers of b from off.
type xzVarints struct {
	b   []byte
	off int
	err error
}

func (r *xzVarints) next() uint64 {
	if r.err != nil {
		return 0
	}
	var v uint64
	for i := 0; i < 9; i++ {
		if r.off >= len(r.b) {
			break
		}
		c := r.b[r.off]
		r.off++
		v |= uint64(c&0x7f) << (7 * i)
		if c&0x80 == 0 {
			return v
		}
	}
	r.err = fmt.Errorf("%w: bad integer", errXzStructure)
	return 0
}
