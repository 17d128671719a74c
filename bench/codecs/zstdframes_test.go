package codecs

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/klauspost/compress/zstd"

	"zbench/bench/codectest"
)

// TestZstdFrames checks that the frame tracker finds frame boundaries, and
// only those, in streams fed to it whole and a byte at a time.
func TestZstdFrames(t *testing.T) {
	// Several blocks: compressed, raw (random bytes), RLE (zeros).
	data := bytes.Repeat([]byte("zbench frames "), 30000)
	data = append(data, codectest.Random(300<<10)...)
	data = append(data, make([]byte, 300<<10)...)
	frame := func(opts ...zstd.EOption) []byte {
		var b bytes.Buffer
		w, err := zstd.NewWriter(&b, append(opts, zstd.WithEncoderConcurrency(1))...)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
		w.Close()
		return b.Bytes()
	}
	withCRC := frame()
	noCRC := frame(zstd.WithEncoderCRC(false))
	small := frame(zstd.WithEncoderCRC(false), zstd.WithSingleSegment(true)) // content size in the header
	empty := frame(zstd.WithZeroFrames(true))
	fastest := frame(zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithNoEntropyCompression(true))
	// One RLE block, by hand: 1000 'z's.
	rle := binary.LittleEndian.AppendUint32(nil, zstdMagic)
	rle = append(rle, 0x00, 0x00) // no checksum, no size; window descriptor: 1 KiB
	bh := uint32(1000)<<3 | 1<<1 | 1
	rle = append(rle, byte(bh), byte(bh>>8), byte(bh>>16), 'z')
	if d, err := zstd.NewReader(nil); err != nil {
		t.Fatal(err)
	} else if out, err := d.DecodeAll(rle, nil); err != nil || !bytes.Equal(out, bytes.Repeat([]byte("z"), 1000)) {
		t.Fatalf("hand-made RLE frame: %v", err)
	}
	skippable := binary.LittleEndian.AppendUint32(nil, zstdSkippableMagic|7)
	skippable = binary.LittleEndian.AppendUint32(skippable, 5)
	skippable = append(skippable, "hello"...)

	for _, tc := range []struct {
		name   string
		frames [][]byte
	}{
		{"crc", [][]byte{withCRC}},
		{"no-crc", [][]byte{noCRC}},
		{"single-segment", [][]byte{small}},
		{"empty-frame", [][]byte{empty}},
		{"fastest-no-entropy", [][]byte{fastest}},
		{"rle", [][]byte{rle}},
		{"concatenated", [][]byte{withCRC, skippable, noCRC, empty, rle, small}},
	} {
		var stream []byte
		ends := map[int]bool{0: true}
		for _, f := range tc.frames {
			stream = append(stream, f...)
			ends[len(stream)] = true
		}
		var bytewise zstdFrames
		for i := 0; i <= len(stream); i++ {
			if got := bytewise.complete(); got != ends[i] {
				t.Errorf("%s: after %d of %d bytes: complete() = %v, want %v", tc.name, i, len(stream), got, ends[i])
				break
			}
			if i < len(stream) {
				bytewise.update(stream[i : i+1])
			}
		}
		var whole zstdFrames
		whole.update(stream)
		if !whole.complete() {
			t.Errorf("%s: whole stream: complete() = false", tc.name)
		}
		for _, cut := range []int{1, 5, len(stream) / 2, len(stream) - 1} {
			var f zstdFrames
			f.update(stream[:cut])
			if f.complete() != ends[cut] {
				t.Errorf("%s: cut at %d: complete() = %v, want %v", tc.name, cut, f.complete(), ends[cut])
			}
		}
	}

	// Not zstd at all: the tracker leaves it to the decoder.
	var f zstdFrames
	f.update([]byte("\x1f\x8b\x08\x00 a gzip stream"))
	if !f.complete() {
		t.Error("non-zstd input: complete() = false, want true (unknown: left to the decoder)")
	}
}
