package bench

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"time"

	"zbench/results"
)

// An Input is one layer, wholly in memory before any clock starts.
type Input struct {
	Name   string // the layer= key
	Digest string // sha256:… of Blob
	DiffID string // sha256:… of Raw; every decode is checked against it
	Format string // of Blob: Gzip, Zstd, or another format no codec reads
	Blob   []byte // the layer as published
	Raw    []byte // its tar
}

// A Setting is one encoder cell: a codec at a level, through its streaming
// writer or (API results.APIBuffer) its whole-buffer encoder.
type Setting struct {
	Codec Codec
	Level Level
	// API is empty for the streaming writer, results.APIBuffer for the
	// whole-buffer encoder (Codec is then a BufferCodec).
	API string
}

// Name is the codec's name as a selection spells it: "zstd-cgo", or
// "zstd-cgo:buffer" for its whole-buffer API.
func (s Setting) Name() string { return apiName(s.Codec.Name(), s.API) }

func (s Setting) String() string { return s.Name() + "/" + s.Level.Name }

// BufferSuffix marks a codec's whole-buffer API in a selection of codecs
// and levels: "zstd-cgo:buffer".
const BufferSuffix = ":" + results.APIBuffer

func apiName(codec, api string) string {
	if api == "" {
		return codec
	}
	return codec + ":" + api
}

// Options says how long to measure each cell.
type Options struct {
	// Count is the least number of samples per cell (default 5).
	Count int
	// MinTime is the least total timed duration per cell; more samples are
	// taken until both Count and MinTime are met.
	MinTime time.Duration
	// MinSample is the least duration of one sample: a sample holds as many
	// whole passes as reach it (default 20ms).
	MinSample time.Duration
	// Rounds is how many times each layer's cells are visited in turn
	// (default 1, at most Count). Each visit takes its share of Count and
	// MinTime, so that a cell's samples span the whole time the layer is
	// measured, and a machine whose speed drifts for a minute moves every
	// cell alike rather than the few measured in that minute.
	Rounds int
	// FirstSample, when positive, makes a cell's first pass its first
	// sample, timed like the others, when that pass lasts at least
	// FirstSample: a pass that long is a fair sample (what a warm-up is for,
	// tables built on first use and pages touched for the first time, costs
	// a few milliseconds), and an untimed warm-up would cost a whole pass of
	// a slow cell. Shorter first passes stay untimed warm-ups. Zero: every
	// first pass is a warm-up.
	FirstSample time.Duration
}

func (o Options) withDefaults() Options {
	if o.Count <= 0 {
		o.Count = 5
	}
	if o.MinSample <= 0 {
		o.MinSample = 20 * time.Millisecond
	}
	o.Rounds = min(max(o.Rounds, 1), o.Count)
	return o
}

// A Runner times and verifies cells on one layer at a time.
type Runner struct {
	Opts Options
	Plan Plan
	// Skip reports whether a cell is already finished (a resumed run).
	Skip func(results.CellKey) bool
	// Emit receives each finished cell: its samples, or one record with Err
	// set when the cell failed. An error from Emit stops the run.
	Emit func([]results.Record) error
	// Progress, when set, hears of each cell as it starts and ends.
	Progress func(Event)
}

// An Event tells of a cell's progress: the start and end of each visit
// (one per round), or that the cell is skipped.
type Event struct {
	Layer string
	Key   results.CellKey
	Done  bool             // false: a visit starts; true: it ended (or the cell is skipped, or failed)
	Recs  []results.Record // the finished cell's records, on its last visit or failure (nil otherwise)
	// Skipped is set when the cell was finished in an earlier run.
	Skipped bool
	// Round counts from 0 to Rounds-1. A cell that fails is done on the
	// round it failed in: it is not visited again.
	Round, Rounds int
}

// Finished reports whether the cell is done: skipped, failed, or measured
// on its last round.
func (e Event) Finished() bool {
	return e.Done && (e.Skipped || e.Recs != nil || e.Round == e.Rounds-1)
}

// CellsFor returns the cells Run measures on a layer of the given format, in
// the order it measures them.
func (p Plan) CellsFor(name, format string) []results.CellKey {
	var keys []results.CellKey
	if p.Shard.Has(name, 0) {
		keys = append(keys, memcpyKey(name))
		if p.Ops[results.OpDecodeOriginal] {
			for _, d := range p.decodersOf(format) {
				keys = append(keys, originalKey(name, format, d))
			}
		}
	}
	for i, s := range p.Encoders {
		if !p.Shard.Has(name, i+1) {
			continue
		}
		if p.Ops[results.OpEncode] {
			keys = append(keys, p.encodeRecord(results.Record{Layer: name}, s).Key())
		}
		if p.Ops[results.OpDecode] {
			for _, d := range p.decodersFor(s) {
				keys = append(keys, p.decodeRecord(results.Record{Layer: name}, s, d).Key())
			}
		}
	}
	return keys
}

func memcpyKey(layer string) results.CellKey {
	return results.Record{Op: results.OpMemcpy, Layer: layer, Codec: "memcpy", Threads: 1}.Key()
}

func originalKey(layer, format string, d Codec) results.CellKey {
	return results.Record{Op: results.OpDecodeOriginal, Layer: layer, Codec: d.Name(), From: format, Threads: d.Threads()}.Key()
}

// encodeRecord is base made the record of s's encode cell.
func (p Plan) encodeRecord(base results.Record, s Setting) results.Record {
	base.Op, base.Codec, base.Level, base.Threads = results.OpEncode, s.Codec.Name(), s.Level.Name, s.Codec.Threads()
	base.API, base.Write = s.API, p.writeKey(s)
	return base
}

// decodeRecord is base made the record of the cell where d decodes s's
// output, with the API of s: a buffer decoder reads buffer encoders'
// output, a streaming reader streaming writers'.
func (p Plan) decodeRecord(base results.Record, s Setting, d Codec) results.Record {
	base.Op, base.Codec, base.From, base.Level, base.Threads = results.OpDecode, d.Name(), s.Codec.Name(), s.Level.Name, d.Threads()
	base.API, base.Write = s.API, p.writeKey(s)
	return base
}

// Run measures every cell of the plan on in, in Opts.Rounds rounds. A cell
// that fails is emitted as a failure and the run goes on; Run returns early
// only when ctx is done or Emit fails. A cell is emitted when its last round
// ends, so an interrupted layer loses the cells it had not finished. Memory:
// besides in, Run holds one encoded output at a time.
func (r *Runner) Run(ctx context.Context, in Input) error {
	r.Opts = r.Opts.withDefaults()
	v := &visit{rounds: r.Opts.Rounds, cells: map[results.CellKey]*cellState{}}
	for v.round = 0; v.round < v.rounds; v.round++ {
		if err := r.round(ctx, in, v); err != nil {
			return err
		}
	}
	return nil
}

// write is the size of the writes a streaming encoder is fed.
func (p Plan) write() int {
	if p.WriteSize > 0 {
		return p.WriteSize
	}
	return results.DefaultWrite
}

// writeKey is the write= key of cells of s: the write size when s streams
// and it is not the default, else 0.
func (p Plan) writeKey(s Setting) int {
	if s.API != "" || p.write() == results.DefaultWrite {
		return 0
	}
	return p.write()
}

// A visit is where Run is: the round, and each cell's state so far.
type visit struct {
	round, rounds int
	cells         map[results.CellKey]*cellState
}

func (v *visit) last() bool { return v.round == v.rounds-1 }

func (v *visit) state(k results.CellKey) *cellState {
	st := v.cells[k]
	if st == nil {
		st = &cellState{}
		v.cells[k] = st
	}
	return st
}

// cellState is what a cell has measured over the rounds so far.
type cellState struct {
	recs  []results.Record
	total time.Duration // timed wall time so far
	iters int           // passes per sample, from the warm-up
	done  bool          // emitted: failed, or skipped
	// encoders: err is why it failed, so its decoders are not run.
	err error
	// proto is the cell's record without a sample: what its samples and a
	// failure record start from.
	proto *results.Record
	// first is the first pass, timed, when warmUp kept it as a sample:
	// measure adds it once proto is final.
	first *timing
}

// round visits every cell of the plan on in once.
func (r *Runner) round(ctx context.Context, in Input, v *visit) error {
	base := results.Record{Layer: in.Name, LayerDigest: in.Digest, DiffID: in.DiffID}

	// The reference row: copying the raw tar, the ceiling for every codec.
	// With a Shard, another shard may measure it and the decodes of the
	// original.
	unit0 := r.Plan.Shard.Has(in.Name, 0)
	if unit0 {
		if err := r.cell(ctx, v, memcpyKey(in.Name), func(st *cellState) error {
			return r.memcpy(ctx, v, st, in, base)
		}); err != nil {
			return err
		}
	}

	if r.Plan.Ops[results.OpDecodeOriginal] && unit0 {
		for _, d := range r.Plan.decodersOf(in.Format) {
			rec := base
			rec.Op, rec.Codec, rec.From, rec.Threads = results.OpDecodeOriginal, d.Name(), in.Format, d.Threads()
			if err := r.cell(ctx, v, rec.Key(), func(st *cellState) error {
				return r.decode(ctx, v, st, rec, d, in.Blob, int64(len(in.Raw)), in.DiffID)
			}); err != nil {
				return err
			}
		}
	}

	for i, s := range r.Plan.Encoders {
		if !r.Plan.Shard.Has(in.Name, i+1) {
			continue
		}
		if err := r.encodeAndDecode(ctx, v, in, base, s); err != nil {
			return err
		}
	}
	return nil
}

// encodeAndDecode visits one encoder setting, then every decoder of its
// format on the output, so that only one encoded output is held at a time.
func (r *Runner) encodeAndDecode(ctx context.Context, v *visit, in Input, base results.Record, s Setting) error {
	enc := r.Plan.encodeRecord(base, s)
	wantEncode := r.Plan.Ops[results.OpEncode] && !r.skip(enc.Key())

	var decoders []Codec
	var decRecs []results.Record
	if r.Plan.Ops[results.OpDecode] {
		for _, d := range r.Plan.decodersFor(s) {
			decoders = append(decoders, d)
			decRecs = append(decRecs, r.Plan.decodeRecord(base, s, d))
		}
	}
	pendingDecode := false
	for _, rec := range decRecs {
		if !r.skip(rec.Key()) && !v.state(rec.Key()).done {
			pendingDecode = true
		}
	}

	est := v.state(enc.Key())
	var out []byte
	switch {
	case wantEncode && !est.done:
		if err := r.cell(ctx, v, enc.Key(), func(st *cellState) error {
			var o []byte
			var err error
			if s.API == results.APIBuffer {
				o, err = r.encodeBuffer(ctx, v, st, in, enc, s)
			} else {
				o, err = r.encode(ctx, v, st, in, enc, s)
			}
			out, st.err = o, err
			return err
		}); err != nil {
			return err
		}
	case wantEncode:
		// Failed on an earlier round: its decoders were told.
	case pendingDecode:
		// The encode cell is done or not asked for, but its output is
		// needed: make it, untimed.
		out, est.err = r.Plan.encodeOutput(s, in.Raw)
	default:
		if r.Plan.Ops[results.OpEncode] && v.round == 0 {
			r.skipped(in.Name, enc.Key())
		}
	}

	// What the output must decode to: the layer's tar, or for a format that
	// rewrites it (eStargz) what the library's own reader says.
	wantSize, wantDiffID := int64(len(in.Raw)), in.DiffID
	if est.err == nil && out != nil && len(decoders) > 0 {
		wantSize, wantDiffID, est.err = target(s.Codec, out, in)
	}
	for i, d := range decoders {
		rec := decRecs[i]
		if est.err != nil {
			if st := v.state(rec.Key()); !r.skip(rec.Key()) && !st.done {
				st.done = true
				rec.Err = fmt.Sprintf("not run: encoder %s failed: %v", s, est.err)
				if err := r.emit(v, rec.Key(), []results.Record{rec}); err != nil {
					return err
				}
			}
			continue
		}
		if err := r.cell(ctx, v, rec.Key(), func(st *cellState) error {
			if s.API == results.APIBuffer {
				return r.decodeBuffer(ctx, v, st, rec, d, out, wantSize, wantDiffID)
			}
			return r.decode(ctx, v, st, rec, d, out, wantSize, wantDiffID)
		}); err != nil {
			return err
		}
	}
	return nil
}

func (r *Runner) skip(k results.CellKey) bool { return r.Skip != nil && r.Skip(k) }

func (r *Runner) skipped(layer string, k results.CellKey) {
	if r.Progress != nil {
		r.Progress(Event{Layer: layer, Key: k, Done: true, Skipped: true, Rounds: r.Opts.Rounds})
	}
}

// cell visits one cell unless it is finished already: measure takes this
// round's samples into st. On the last round the cell's records are
// emitted; when measure fails for any reason but cancellation, a failure
// record is, and the cell is not visited again.
func (r *Runner) cell(ctx context.Context, v *visit, k results.CellKey, measure func(st *cellState) error) error {
	st := v.state(k)
	if st.done {
		return nil
	}
	if r.skip(k) {
		st.done = true
		r.skipped(k.Layer, k)
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if r.Progress != nil {
		r.Progress(Event{Layer: k.Layer, Key: k, Round: v.round, Rounds: v.rounds})
	}
	if err := measure(st); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		st.done = true
		rec := results.Record{Op: k.Op, Layer: k.Layer, Codec: k.Codec, From: k.From, Level: k.Level, Threads: k.Threads}
		if st.proto != nil {
			rec = *st.proto
		}
		rec.Err, rec.Verified = err.Error(), false
		return r.emit(v, k, []results.Record{rec})
	}
	if !v.last() {
		if r.Progress != nil {
			r.Progress(Event{Layer: k.Layer, Key: k, Done: true, Round: v.round, Rounds: v.rounds})
		}
		return nil
	}
	st.done = true
	return r.emit(v, k, st.recs)
}

func (r *Runner) emit(v *visit, k results.CellKey, recs []results.Record) error {
	if err := r.Emit(recs); err != nil {
		return fmt.Errorf("writing results of %s: %w", k, err)
	}
	if r.Progress != nil {
		r.Progress(Event{Layer: k.Layer, Key: k, Done: true, Recs: recs, Round: v.round, Rounds: v.rounds})
	}
	return nil
}

// warmUp runs pass once on the first round, and sets from its duration how
// many passes a sample takes to last MinSample. The pass is timed as a
// sample; when it lasts at least Opts.FirstSample it is kept as the cell's
// first sample (measure adds it once st.proto is final), otherwise it was an
// untimed warm-up. Later rounds go straight to their samples: what a
// warm-up is for (tables built on first use, a first allocation, pages
// touched for the first time) happened on the first, and the cache a cell
// finds cold again after the others ran costs a pass of ~20 ms or more
// under 1% (its input streams from memory at several GB/s).
func (r *Runner) warmUp(v *visit, st *cellState, pass func() error) error {
	if v.round > 0 {
		return nil
	}
	// Slowed as the samples are (a test build's regression): the pass may
	// be kept as one.
	t, err := timeSample(1, slowed(st.proto.Key(), pass))
	if err != nil {
		return err
	}
	st.iters = 1
	if r.Opts.FirstSample > 0 && t.wall >= r.Opts.FirstSample {
		st.first = &t
		return nil
	}
	if t.wall < r.Opts.MinSample {
		st.iters = int(math.Ceil(float64(r.Opts.MinSample) / float64(max(t.wall, time.Microsecond))))
	}
	return nil
}

// A timing is what one sample measured.
type timing struct {
	iters             int
	wall, cpu         time.Duration
	allocBytes, alloc int64 // per pass
}

// timeSample runs pass iters times on a heap just collected, and times it.
func timeSample(iters int, pass func() error) (timing, error) {
	// Collect garbage left by the last sample outside the clock, so each
	// sample starts from the same heap.
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	cpu0 := cpuTime()
	t0 := time.Now()
	for range iters {
		if err := pass(); err != nil {
			return timing{}, err
		}
	}
	wall := time.Since(t0)
	cpu1 := cpuTime()
	runtime.ReadMemStats(&m1)
	return timing{
		iters:      iters,
		wall:       wall,
		cpu:        cpu1 - cpu0,
		allocBytes: int64(m1.TotalAlloc-m0.TotalAlloc) / int64(iters),
		alloc:      int64(m1.Mallocs-m0.Mallocs) / int64(iters),
	}, nil
}

// add records t, taken in round, as the cell's next sample, starting from
// st.proto.
func (st *cellState) add(t timing, round int) {
	rec := *st.proto
	rec.Sample = len(st.recs)
	rec.Round = round
	rec.Iters = t.iters
	rec.WallNS = t.wall.Nanoseconds()
	rec.CPUNS = t.cpu.Nanoseconds()
	rec.AllocBytes = t.allocBytes
	rec.Allocs = t.alloc
	st.recs = append(st.recs, rec)
	st.total += t.wall
}

// measure takes this round's samples of one cell into st: until the cell
// has its share of Count and MinTime for the rounds so far (all of both on
// the last round). pass does one whole operation; warmUp has run, and
// each sample starts from st.proto. A first pass warmUp kept is the first
// sample.
func (r *Runner) measure(ctx context.Context, v *visit, st *cellState, pass func() error) error {
	pass = slowed(st.proto.Key(), pass)
	taken := 0
	if st.first != nil {
		st.add(*st.first, v.round)
		st.first = nil
		taken++
	}
	share := func(n int64) int64 { return (n*int64(v.round+1) + int64(v.rounds) - 1) / int64(v.rounds) }
	wantCount := int(share(int64(r.Opts.Count)))
	wantTime := time.Duration(share(int64(r.Opts.MinTime)))
	for taken == 0 || len(st.recs) < wantCount || st.total < wantTime {
		if err := ctx.Err(); err != nil {
			return err
		}
		t, err := timeSample(st.iters, pass)
		if err != nil {
			return err
		}
		st.add(t, v.round)
		taken++
		// The warm-up pass may have run slower than the rest (cold caches,
		// a first allocation): lengthen later samples that fell short.
		if t.wall < r.Opts.MinSample {
			st.iters = int(math.Ceil(float64(st.iters) * float64(r.Opts.MinSample) / float64(max(t.wall, time.Microsecond))))
		}
	}
	return nil
}

func (r *Runner) memcpy(ctx context.Context, v *visit, st *cellState, in Input, base results.Record) error {
	rec := base
	rec.Op, rec.Codec, rec.Threads = results.OpMemcpy, "memcpy", 1
	rec.RawBytes = int64(len(in.Raw))
	rec.Verified = true
	st.proto = &rec
	dst := make([]byte, len(in.Raw))
	pass := func() error {
		copy(dst, in.Raw)
		return nil
	}
	r.warmUp(v, st, pass)
	if err := r.measure(ctx, v, st, pass); err != nil {
		return err
	}
	if !bytes.Equal(dst, in.Raw) {
		return errors.New("memcpy: copy differs from its source")
	}
	return nil
}

// encode times s on the raw tar, taking this round's samples into st, and
// returns the output of its last pass, for the decoders. Every pass
// constructs its writer, as a registry or a build tool makes one per
// layer, feeds it the tar in writes of the plan's write size, as io.Copy
// does, and writes into the same buffer, emptied first.
func (r *Runner) encode(ctx context.Context, v *visit, st *cellState, in Input, proto results.Record, s Setting) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(in.Raw)/2 + 4096)
	prefault(buf.AvailableBuffer())
	write := r.Plan.write()
	return r.encodeCell(ctx, v, st, in, proto, s, func() ([]byte, error) {
		buf.Reset()
		if err := encodeOnce(&buf, s, in.Raw, write); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	})
}

// encodeBuffer times s's whole-buffer encoder on the raw tar, as encode
// does the streaming writer. The encoder is made once per visit and reused
// by every pass, as the libraries recommend (libzstd keeps its context and
// tables), and writes into one destination of the codec's EncodeBound.
func (r *Runner) encodeBuffer(ctx context.Context, v *visit, st *cellState, in Input, proto results.Record, s Setting) ([]byte, error) {
	bc, ok := s.Codec.(BufferCodec)
	if !ok {
		return nil, fmt.Errorf("%s has no whole-buffer API", s.Codec.Name())
	}
	enc, err := bc.NewBufferEncoder(s.Level)
	if err != nil {
		return nil, fmt.Errorf("new buffer encoder: %w", err)
	}
	dst := make([]byte, 0, bc.EncodeBound(len(in.Raw)))
	prefault(dst)
	out, err := r.encodeCell(ctx, v, st, in, proto, s, func() ([]byte, error) {
		o, err := enc.EncodeAll(dst[:0], in.Raw)
		if err != nil {
			return nil, fmt.Errorf("encode: %w", err)
		}
		return o, nil
	})
	if cerr := enc.Close(); err == nil && cerr != nil {
		return nil, fmt.Errorf("close: %w", cerr)
	}
	// Keep the output, not a destination of the tar's size, while its
	// decoders run.
	return bytes.Clone(out), err
}

// encodeCell times once, a whole encode returning its output, and returns
// the output of the last pass. Every pass must write as many bytes as the
// first; on the first round the output must decode, with s's streaming
// reader and outside the clock, to the layer's diffID.
func (r *Runner) encodeCell(ctx context.Context, v *visit, st *cellState, in Input, proto results.Record, s Setting, once func() ([]byte, error)) ([]byte, error) {
	proto.RawBytes = int64(len(in.Raw))
	st.proto = &proto
	size := int64(-1)
	if len(st.recs) > 0 {
		size = st.recs[0].CompressedBytes
	}
	var out []byte
	pass := func() error {
		o, err := once()
		if err != nil {
			return err
		}
		if size >= 0 && int64(len(o)) != size {
			return fmt.Errorf("output size changed between passes: %d then %d bytes", size, len(o))
		}
		size, out = int64(len(o)), o
		return nil
	}
	if err := r.warmUp(v, st, pass); err != nil {
		return nil, err
	}
	if v.round == 0 {
		// Verify outside the clock: the output must decode, with the same
		// codec's streaming reader, back to the layer's diffID (an
		// encode-only codec: pass its library's own check).
		if err := checkEncoded(s.Codec, out, in); err != nil {
			return nil, fmt.Errorf("round trip: %w", err)
		}
	}
	proto.CompressedBytes = size
	proto.Verified = true
	if err := r.measure(ctx, v, st, pass); err != nil {
		return nil, err
	}
	return out, nil
}

// prefault touches every page of b's capacity, outside the clock, so that
// the first pass does not pay the page faults of a destination the later
// passes reuse (a first pass may be a sample: Options.FirstSample).
func prefault(b []byte) { clear(b[:cap(b)]) }

// encodeOnce encodes raw with s's streaming writer into w, in writes of
// size bytes.
func encodeOnce(w io.Writer, s Setting, raw []byte, size int) error {
	zw, err := s.Codec.NewWriter(w, s.Level)
	if err != nil {
		return fmt.Errorf("new writer: %w", err)
	}
	for p := raw; len(p) > 0; {
		n := min(size, len(p))
		if _, err := zw.Write(p[:n]); err != nil {
			zw.Close()
			return fmt.Errorf("write: %w", err)
		}
		p = p[n:]
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("close: %w", err)
	}
	return nil
}

// encodeOutput makes s's output of raw once, untimed, with the API of s.
func (p Plan) encodeOutput(s Setting, raw []byte) ([]byte, error) {
	if s.API != results.APIBuffer {
		var buf bytes.Buffer
		err := encodeOnce(&buf, s, raw, p.write())
		return buf.Bytes(), err
	}
	bc, ok := s.Codec.(BufferCodec)
	if !ok {
		return nil, fmt.Errorf("%s has no whole-buffer API", s.Codec.Name())
	}
	enc, err := bc.NewBufferEncoder(s.Level)
	if err != nil {
		return nil, fmt.Errorf("new buffer encoder: %w", err)
	}
	out, err := enc.EncodeAll(nil, raw)
	if cerr := enc.Close(); err == nil {
		err = cerr
	}
	return out, err
}

// decode times d reading src, a compressed stream of a tar of want bytes
// with the sha256 diffID, taking this round's samples into st. The output is
// checked against the diffID on the first round, outside the clock.
func (r *Runner) decode(ctx context.Context, v *visit, st *cellState, proto results.Record, d Codec, src []byte, want int64, diffID string) error {
	proto.RawBytes = want
	proto.CompressedBytes = int64(len(src))
	st.proto = &proto
	buf := make([]byte, 256<<10)
	pass := func() error {
		n, err := decodeTo(discard{}, buf, d, src, want)
		if err != nil {
			return err
		}
		if n != want {
			return fmt.Errorf("decoded %d bytes, want %d", n, want)
		}
		return nil
	}
	if err := r.warmUp(v, st, pass); err != nil {
		return err
	}
	if v.round == 0 {
		// Verify outside the clock: the decoded bytes hash to the diffID.
		if err := checkDecode(d, src, want, diffID); err != nil {
			return err
		}
	}
	proto.Verified = true
	return r.measure(ctx, v, st, pass)
}

// decodeBuffer times d's whole-buffer decoder reading src, a buffer
// encoder's output, into one destination of want bytes, the size of the tar
// it decodes to. The decoder is made once per visit and reused, as
// encodeBuffer's encoder; on the first round its output is checked against
// the diffID, outside the clock.
func (r *Runner) decodeBuffer(ctx context.Context, v *visit, st *cellState, proto results.Record, d Codec, src []byte, want int64, diffID string) error {
	proto.RawBytes = want
	proto.CompressedBytes = int64(len(src))
	st.proto = &proto
	bc, ok := d.(BufferCodec)
	if !ok {
		return fmt.Errorf("%s has no whole-buffer API", d.Name())
	}
	dec, err := bc.NewBufferDecoder()
	if err != nil {
		return fmt.Errorf("new buffer decoder: %w", err)
	}
	defer dec.Close()
	dst := make([]byte, 0, want)
	prefault(dst)
	var out []byte
	pass := func() error {
		o, err := dec.DecodeAll(dst[:0], src)
		if err != nil {
			return fmt.Errorf("decode: %w", err)
		}
		if int64(len(o)) != want {
			return fmt.Errorf("decoded %d bytes, want %d", len(o), want)
		}
		out = o
		return nil
	}
	if err := r.warmUp(v, st, pass); err != nil {
		return err
	}
	if v.round == 0 {
		sum := sha256.Sum256(out)
		if got := "sha256:" + hex.EncodeToString(sum[:]); diffID != "" && got != diffID {
			return fmt.Errorf("%s output has digest %s, want the diffID %s", d.Name(), got, diffID)
		}
	}
	proto.Verified = true
	return r.measure(ctx, v, st, pass)
}

// decodeTo decodes src with d into w, reading at most limit+1 bytes so that
// a stream longer than expected is caught without unbounded work.
func decodeTo(w io.Writer, buf []byte, d Codec, src []byte, limit int64) (int64, error) {
	zr, err := d.NewReader(bytes.NewReader(src))
	if err != nil {
		return 0, fmt.Errorf("new reader: %w", err)
	}
	n, err := io.CopyBuffer(w, io.LimitReader(zr, limit+1), buf)
	cerr := zr.Close()
	if err != nil {
		return n, fmt.Errorf("read: %w", err)
	}
	if cerr != nil {
		return n, fmt.Errorf("close: %w", cerr)
	}
	return n, nil
}

// checkDecode decodes src with d and compares the sha256 of the output with
// diffID ("sha256:<hex>").
func checkDecode(d Codec, src []byte, size int64, diffID string) error {
	h := sha256.New()
	n, err := decodeTo(h, make([]byte, 256<<10), d, src, size)
	if err != nil {
		return err
	}
	if n != size {
		return fmt.Errorf("%s decoded %d bytes, want %d", d.Name(), n, size)
	}
	got := "sha256:" + hex.EncodeToString(h.Sum(nil))
	if diffID != "" && got != diffID {
		return fmt.Errorf("%s output has digest %s, want the diffID %s", d.Name(), got, diffID)
	}
	return nil
}

// discard drops what it is given. Unlike io.Discard it has no ReadFrom, so
// io.CopyBuffer reads with the runner's buffer (or the decoder's WriteTo).
type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
