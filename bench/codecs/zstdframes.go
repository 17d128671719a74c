package codecs

import (
	"encoding/binary"
	"io"
)

// zstdFrames follows the frame structure of a zstd stream (RFC 8878) as its
// bytes go by, reading only frame and block headers, so that it can tell
// whether the stream ended at a frame boundary.
//
// Note: zstd-cgo needs it because DataDog's Reader returns io.EOF, not an
// error, when its input ends in the middle of a frame (even one byte in): it
// only reports io.ErrUnexpectedEOF when libzstd refused to take the last
// bytes, and libzstd takes them into its own buffer. A decoder that turns a
// truncated layer into a short tar without an error is exactly what zbench
// must not measure as correct, so the adapter checks the framing itself. The
// cost is a few comparisons per block header.
type zstdFrames struct {
	state  int
	hdr    [14]byte // the header being collected
	have   int      // bytes of it collected so far
	ext    int      // length of the frame header's optional fields
	skip   int64    // bytes still to pass over in fSkip
	endsAt bool     // the frame ends when the skip does
	check  bool     // the current frame ends with a content checksum
}

// The tracker's states; its zero value is at the start of a stream.
const (
	fMagic     = iota // at a frame boundary when no byte of the magic is in
	fHeader           // frame header descriptor
	fHeaderExt        // window descriptor, dictionary ID, content size
	fBlock            // block header
	fSkipSize         // size of a skippable frame
	fSkip             // block content, checksum or skippable frame content
	fUnknown          // not a frame this tracker knows (legacy, or corrupt)
)

const (
	zstdMagic          = 0xFD2FB528
	zstdSkippableMagic = 0x184D2A50 // low 4 bits are free
)

// want is how many header bytes the current state needs.
func (f *zstdFrames) want() int {
	switch f.state {
	case fHeader:
		return 1
	case fHeaderExt:
		return f.ext
	case fBlock:
		return 3
	}
	return 4 // fMagic, fSkipSize
}

func (f *zstdFrames) expect(state int) { f.state, f.have = state, 0 }

// skipThen passes over n bytes, then expects a block header, or a new frame
// when endsFrame.
func (f *zstdFrames) skipThen(n int64, endsFrame bool) {
	f.state, f.skip, f.endsAt = fSkip, n, endsFrame
	if n == 0 {
		f.afterSkip()
	}
}

func (f *zstdFrames) afterSkip() {
	if f.endsAt {
		f.expect(fMagic)
	} else {
		f.expect(fBlock)
	}
}

// update takes the next bytes of the stream.
func (f *zstdFrames) update(p []byte) {
	for len(p) > 0 {
		switch f.state {
		case fUnknown:
			return
		case fSkip:
			n := int64(len(p))
			if n > f.skip {
				n = f.skip
			}
			p = p[n:]
			if f.skip -= n; f.skip == 0 {
				f.afterSkip()
			}
			continue
		}
		want := f.want()
		c := copy(f.hdr[f.have:want], p)
		p = p[c:]
		if f.have += c; f.have == want {
			f.step(f.hdr[:want])
		}
	}
}

// step acts on the complete header h.
func (f *zstdFrames) step(h []byte) {
	switch f.state {
	case fMagic:
		switch m := binary.LittleEndian.Uint32(h); {
		case m == zstdMagic:
			f.expect(fHeader)
		case m&^0xF == zstdSkippableMagic:
			f.expect(fSkipSize)
		default:
			f.state = fUnknown
		}
	case fHeader:
		fhd := h[0]
		if fhd&0x08 != 0 { // reserved bit: the decoder will reject it
			f.state = fUnknown
			return
		}
		single := fhd&0x20 != 0
		f.check = fhd&0x04 != 0
		n := [4]int{0, 1, 2, 4}[fhd&3]  // dictionary ID
		n += [4]int{0, 2, 4, 8}[fhd>>6] // content size
		if fhd>>6 == 0 && single {
			n++ // content size in one byte
		}
		if !single {
			n++ // window descriptor
		}
		if f.ext = n; n == 0 {
			f.expect(fBlock)
		} else {
			f.expect(fHeaderExt)
		}
	case fHeaderExt:
		f.expect(fBlock)
	case fBlock:
		bh := uint32(h[0]) | uint32(h[1])<<8 | uint32(h[2])<<16
		last, typ, size := bh&1 != 0, (bh>>1)&3, int64(bh>>3)
		switch typ {
		case 1: // RLE: one byte on the wire
			size = 1
		case 3: // reserved: the decoder will reject it
			f.state = fUnknown
			return
		}
		if last && f.check {
			size += 4
		}
		f.skipThen(size, last)
	case fSkipSize:
		f.skipThen(int64(binary.LittleEndian.Uint32(h)), true)
	}
}

// complete reports whether the bytes so far end at a frame boundary, or in
// something the tracker does not know, which it leaves to the decoder.
func (f *zstdFrames) complete() bool {
	return f.state == fUnknown || f.state == fMagic && f.have == 0
}

// A zstdTrackingReader passes a stream's bytes through to its reader and to
// its tracker.
type zstdTrackingReader struct {
	r io.Reader
	f *zstdFrames
}

func (t zstdTrackingReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	t.f.update(p[:n])
	return n, err
}
