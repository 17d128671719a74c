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

// A Setting is one encoder cell: a codec at a level.
type Setting struct {
	Codec Codec
	Level Level
}

func (s Setting) String() string { return s.Codec.Name() + "/" + s.Level.Name }

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
}

func (o Options) withDefaults() Options {
	if o.Count <= 0 {
		o.Count = 5
	}
	if o.MinSample <= 0 {
		o.MinSample = 20 * time.Millisecond
	}
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

// An Event tells of a cell's progress.
type Event struct {
	Layer string
	Key   results.CellKey
	Done  bool             // false: starting; true: finished (or skipped, or failed)
	Recs  []results.Record // the finished cell's records (nil when skipped)
	// Skipped is set when the cell was finished in an earlier run.
	Skipped bool
}

// CellsFor returns the cells Run measures on a layer of the given format, in
// the order it measures them.
func (p Plan) CellsFor(name, format string) []results.CellKey {
	var keys []results.CellKey
	keys = append(keys, memcpyKey(name))
	if p.Ops[results.OpDecodeOriginal] {
		for _, d := range p.decodersOf(format) {
			keys = append(keys, originalKey(name, format, d))
		}
	}
	for _, s := range p.Encoders {
		if p.Ops[results.OpEncode] {
			keys = append(keys, encodeKey(name, s))
		}
		if p.Ops[results.OpDecode] {
			for _, d := range p.decodersOf(s.Codec.Format()) {
				keys = append(keys, decodeKey(name, s, d))
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

func encodeKey(layer string, s Setting) results.CellKey {
	return results.Record{Op: results.OpEncode, Layer: layer, Codec: s.Codec.Name(), Level: s.Level.Name, Threads: s.Codec.Threads()}.Key()
}

func decodeKey(layer string, s Setting, d Codec) results.CellKey {
	return results.Record{Op: results.OpDecode, Layer: layer, Codec: d.Name(), From: s.Codec.Name(), Level: s.Level.Name, Threads: d.Threads()}.Key()
}

// Run measures every cell of the plan on in. A cell that fails is emitted
// as a failure and the run goes on; Run returns early only when ctx is done
// or Emit fails. Memory: besides in, Run holds one encoded output at a time.
func (r *Runner) Run(ctx context.Context, in Input) error {
	r.Opts = r.Opts.withDefaults()
	base := results.Record{Layer: in.Name, LayerDigest: in.Digest, DiffID: in.DiffID}

	// The reference row: copying the raw tar, the ceiling for every codec.
	if err := r.cell(ctx, memcpyKey(in.Name), func() ([]results.Record, error) {
		return r.memcpy(ctx, in, base)
	}); err != nil {
		return err
	}

	if r.Plan.Ops[results.OpDecodeOriginal] {
		for _, d := range r.Plan.decodersOf(in.Format) {
			rec := base
			rec.Op, rec.Codec, rec.From, rec.Threads = results.OpDecodeOriginal, d.Name(), in.Format, d.Threads()
			if err := r.cell(ctx, rec.Key(), func() ([]results.Record, error) {
				return r.decode(ctx, in, rec, d, in.Blob)
			}); err != nil {
				return err
			}
		}
	}

	for _, s := range r.Plan.Encoders {
		if err := r.encodeAndDecode(ctx, in, base, s); err != nil {
			return err
		}
	}
	return nil
}

// encodeAndDecode measures one encoder setting, then every decoder of its
// format on the output, so that only one encoded output is held at a time.
func (r *Runner) encodeAndDecode(ctx context.Context, in Input, base results.Record, s Setting) error {
	enc := base
	enc.Op, enc.Codec, enc.Level, enc.Threads = results.OpEncode, s.Codec.Name(), s.Level.Name, s.Codec.Threads()
	wantEncode := r.Plan.Ops[results.OpEncode] && !r.skip(enc.Key())

	var decoders []Codec
	var decRecs []results.Record
	if r.Plan.Ops[results.OpDecode] {
		for _, d := range r.Plan.decodersOf(s.Codec.Format()) {
			rec := base
			rec.Op, rec.Codec, rec.From, rec.Level, rec.Threads = results.OpDecode, d.Name(), s.Codec.Name(), s.Level.Name, d.Threads()
			decoders = append(decoders, d)
			decRecs = append(decRecs, rec)
		}
	}
	pendingDecode := false
	for _, rec := range decRecs {
		if !r.skip(rec.Key()) {
			pendingDecode = true
		}
	}

	var out []byte
	var encErr error
	switch {
	case wantEncode:
		if err := r.cell(ctx, enc.Key(), func() ([]results.Record, error) {
			recs, o, err := r.encode(ctx, in, enc, s)
			out, encErr = o, err
			return recs, err
		}); err != nil {
			return err
		}
	case pendingDecode:
		// The encode cell is done or not asked for, but its output is
		// needed: make it once, untimed.
		var buf bytes.Buffer
		encErr = encodeOnce(&buf, s, in.Raw)
		out = buf.Bytes()
	default:
		if r.Plan.Ops[results.OpEncode] {
			r.skipped(in.Name, enc.Key())
		}
	}

	for i, d := range decoders {
		rec := decRecs[i]
		if encErr != nil {
			if !r.skip(rec.Key()) {
				rec.Err = fmt.Sprintf("not run: encoder %s failed: %v", s, encErr)
				if err := r.emit(in.Name, rec.Key(), []results.Record{rec}); err != nil {
					return err
				}
			}
			continue
		}
		if err := r.cell(ctx, rec.Key(), func() ([]results.Record, error) {
			return r.decode(ctx, in, rec, d, out)
		}); err != nil {
			return err
		}
	}
	return nil
}

func (r *Runner) skip(k results.CellKey) bool { return r.Skip != nil && r.Skip(k) }

func (r *Runner) skipped(layer string, k results.CellKey) {
	if r.Progress != nil {
		r.Progress(Event{Layer: layer, Key: k, Done: true, Skipped: true})
	}
}

// cell runs one cell unless it is finished already, and emits its records,
// or a failure record when measure fails for any reason but cancellation.
func (r *Runner) cell(ctx context.Context, k results.CellKey, measure func() ([]results.Record, error)) error {
	if r.skip(k) {
		r.skipped(k.Layer, k)
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if r.Progress != nil {
		r.Progress(Event{Layer: k.Layer, Key: k})
	}
	recs, err := measure()
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		rec := results.Record{Op: k.Op, Layer: k.Layer, Codec: k.Codec, From: k.From, Level: k.Level, Threads: k.Threads}
		if len(recs) > 0 {
			rec = recs[0]
			rec.Iters, rec.WallNS, rec.CPUNS, rec.AllocBytes, rec.Allocs = 0, 0, 0, 0, 0
		}
		rec.Err = err.Error()
		recs = []results.Record{rec}
	}
	return r.emit(k.Layer, k, recs)
}

func (r *Runner) emit(layer string, k results.CellKey, recs []results.Record) error {
	if err := r.Emit(recs); err != nil {
		return fmt.Errorf("writing results of %s: %w", k, err)
	}
	if r.Progress != nil {
		r.Progress(Event{Layer: layer, Key: k, Done: true, Recs: recs})
	}
	return nil
}

// measure takes the samples of one cell. pass does one whole operation; the
// caller has warmed it up already and says how long that took.
func (r *Runner) measure(ctx context.Context, proto results.Record, warm time.Duration, pass func() error) ([]results.Record, error) {
	iters := 1
	if warm < r.Opts.MinSample {
		iters = int(math.Ceil(float64(r.Opts.MinSample) / float64(max(warm, time.Microsecond))))
	}
	var recs []results.Record
	var total time.Duration
	for len(recs) < r.Opts.Count || total < r.Opts.MinTime {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rec := proto
		rec.Sample = len(recs)
		rec.Iters = iters
		// Collect garbage left by the last sample outside the clock, so
		// each sample starts from the same heap.
		runtime.GC()
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		cpu0 := cpuTime()
		t0 := time.Now()
		for range iters {
			if err := pass(); err != nil {
				return []results.Record{proto}, err
			}
		}
		wall := time.Since(t0)
		cpu1 := cpuTime()
		runtime.ReadMemStats(&m1)
		rec.WallNS = wall.Nanoseconds()
		rec.CPUNS = (cpu1 - cpu0).Nanoseconds()
		rec.AllocBytes = int64(m1.TotalAlloc-m0.TotalAlloc) / int64(iters)
		rec.Allocs = int64(m1.Mallocs-m0.Mallocs) / int64(iters)
		recs = append(recs, rec)
		total += wall
		// The warm-up pass may have run slower than the rest (cold caches,
		// a first allocation): lengthen later samples that fell short.
		if wall < r.Opts.MinSample {
			iters = int(math.Ceil(float64(iters) * float64(r.Opts.MinSample) / float64(max(wall, time.Microsecond))))
		}
	}
	return recs, nil
}

func (r *Runner) memcpy(ctx context.Context, in Input, base results.Record) ([]results.Record, error) {
	rec := base
	rec.Op, rec.Codec, rec.Threads = results.OpMemcpy, "memcpy", 1
	rec.RawBytes = int64(len(in.Raw))
	dst := make([]byte, len(in.Raw))
	pass := func() error {
		copy(dst, in.Raw)
		return nil
	}
	t0 := time.Now()
	pass()
	warm := time.Since(t0)
	recs, err := r.measure(ctx, rec, warm, pass)
	if err == nil && !bytes.Equal(dst, in.Raw) {
		err = errors.New("memcpy: copy differs from its source")
	}
	for i := range recs {
		recs[i].Verified = err == nil
	}
	return recs, err
}

// encode times s on the raw tar and returns the samples and the output of
// the warm-up pass. Every pass constructs its writer: a registry or a build
// tool makes one per layer, so that cost belongs to the figure.
func (r *Runner) encode(ctx context.Context, in Input, proto results.Record, s Setting) ([]results.Record, []byte, error) {
	proto.RawBytes = int64(len(in.Raw))
	var buf bytes.Buffer
	buf.Grow(len(in.Raw)/2 + 4096)
	t0 := time.Now()
	if err := encodeOnce(&buf, s, in.Raw); err != nil {
		return []results.Record{proto}, nil, err
	}
	warm := time.Since(t0)
	out := buf.Bytes()
	proto.CompressedBytes = int64(len(out))

	// Verify outside the clock: the output must decode, with the same
	// codec, back to the layer's diffID.
	if err := checkDecode(s.Codec, out, int64(len(in.Raw)), in.DiffID); err != nil {
		return []results.Record{proto}, nil, fmt.Errorf("round trip: %w", err)
	}
	proto.Verified = true

	var cw countWriter
	pass := func() error {
		cw = 0
		if err := encodeOnce(&cw, s, in.Raw); err != nil {
			return err
		}
		if int64(cw) != proto.CompressedBytes {
			return fmt.Errorf("output size changed between passes: %d then %d bytes", proto.CompressedBytes, cw)
		}
		return nil
	}
	recs, err := r.measure(ctx, proto, warm, pass)
	return recs, out, err
}

func encodeOnce(w io.Writer, s Setting, raw []byte) error {
	zw, err := s.Codec.NewWriter(w, s.Level)
	if err != nil {
		return fmt.Errorf("new writer: %w", err)
	}
	if _, err := zw.Write(raw); err != nil {
		zw.Close()
		return fmt.Errorf("write: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("close: %w", err)
	}
	return nil
}

// decode times d reading src, a compressed stream of in's raw tar.
func (r *Runner) decode(ctx context.Context, in Input, proto results.Record, d Codec, src []byte) ([]results.Record, error) {
	proto.RawBytes = int64(len(in.Raw))
	proto.CompressedBytes = int64(len(src))
	buf := make([]byte, 256<<10)
	want := int64(len(in.Raw))
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
	t0 := time.Now()
	if err := pass(); err != nil {
		return []results.Record{proto}, err
	}
	warm := time.Since(t0)
	recs, err := r.measure(ctx, proto, warm, pass)
	if err != nil {
		return recs, err
	}
	// Verify outside the clock: the decoded bytes hash to the diffID.
	if err := checkDecode(d, src, want, in.DiffID); err != nil {
		return []results.Record{proto}, err
	}
	for i := range recs {
		recs[i].Verified = true
	}
	return recs, nil
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

type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) {
	*c += countWriter(len(p))
	return len(p), nil
}

// discard drops what it is given. Unlike io.Discard it has no ReadFrom, so
// io.CopyBuffer reads with the runner's buffer (or the decoder's WriteTo).
type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
