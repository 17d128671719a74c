package bench_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"zbench/bench"
	"zbench/bench/codecs"
	"zbench/results"
)

// testInput builds a small tar layer, gzip'd as published.
func testInput(t *testing.T) bench.Input {
	t.Helper()
	var raw bytes.Buffer
	tw := tar.NewWriter(&raw)
	rng := rand.New(rand.NewPCG(1, 2))
	words := strings.Fields("the quick brown fox jumps over the lazy dog layer zstd gzip tar")
	for i := range 20 {
		var body bytes.Buffer
		for body.Len() < 16<<10 {
			body.WriteString(words[rng.IntN(len(words))])
			body.WriteByte(' ')
		}
		if i%5 == 0 { // some incompressible content too
			b := make([]byte, 8<<10)
			for j := range b {
				b[j] = byte(rng.Uint32())
			}
			body.Write(b)
		}
		if err := tw.WriteHeader(&tar.Header{Name: "f" + string(rune('a'+i)), Mode: 0o644, Size: int64(body.Len()), ModTime: time.Unix(0, 0)}); err != nil {
			t.Fatal(err)
		}
		tw.Write(body.Bytes())
	}
	tw.Close()
	var blob bytes.Buffer
	zw := gzip.NewWriter(&blob)
	zw.Write(raw.Bytes())
	zw.Close()
	return bench.Input{
		Name: "test", Format: bench.Gzip, Blob: blob.Bytes(), Raw: raw.Bytes(),
		Digest: sha(blob.Bytes()), DiffID: sha(raw.Bytes()),
	}
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

func mustCodec(t *testing.T, name string) bench.Codec {
	t.Helper()
	c, err := codecs.ByName(name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func testPlan(t *testing.T, cs ...bench.Codec) bench.Plan {
	t.Helper()
	var p bench.Plan
	for _, c := range cs {
		p.Encoders = append(p.Encoders, bench.Setting{Codec: c, Level: c.Levels()[0]})
	}
	p.Decoders = cs
	p.Ops = map[string]bool{}
	for _, op := range bench.AllOps {
		p.Ops[op] = true
	}
	return p
}

var fastOpts = bench.Options{Count: 2, MinSample: time.Millisecond}

func TestRunCellsAndVerification(t *testing.T) {
	in := testInput(t)
	gz, kz := mustCodec(t, "gzip-std"), mustCodec(t, "zstd-klauspost")
	kgz := mustCodec(t, "gzip-klauspost")
	plan := testPlan(t, gz, kgz, kz)
	var got []results.Record
	r := &bench.Runner{Opts: fastOpts, Plan: plan, Emit: func(recs []results.Record) error {
		got = append(got, recs...)
		return nil
	}}
	if err := r.Run(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	cells := map[results.CellKey][]results.Record{}
	for _, rec := range got {
		if rec.Err != "" {
			t.Errorf("%v failed: %s", rec.Key(), rec.Err)
		}
		if !rec.Verified {
			t.Errorf("%v not verified", rec.Key())
		}
		if rec.Iters < 1 || rec.WallNS <= 0 {
			t.Errorf("%v: iters %d wall %d", rec.Key(), rec.Iters, rec.WallNS)
		}
		if rec.RawBytes != int64(len(in.Raw)) {
			t.Errorf("%v: raw bytes %d, want %d", rec.Key(), rec.RawBytes, len(in.Raw))
		}
		cells[rec.Key()] = append(cells[rec.Key()], rec)
	}
	want := plan.CellsFor(in.Name, in.Format)
	// memcpy, 2 gzip decoders on the original, 3 encodes, 2+2+1 decodes.
	if len(want) != 1+2+3+5 {
		t.Fatalf("CellsFor gives %d cells, want 11: %v", len(want), want)
	}
	for _, k := range want {
		if n := len(cells[k]); n != fastOpts.Count {
			t.Errorf("cell %v has %d samples, want %d", k, n, fastOpts.Count)
		}
	}
	if len(cells) != len(want) {
		t.Errorf("got %d cells, want %d", len(cells), len(want))
	}

	// Sizes are exact: gzip-std at level 1 wrote what compress/gzip writes.
	var ref bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&ref, 1)
	zw.Write(in.Raw)
	zw.Close()
	enc := results.Record{Op: results.OpEncode, Layer: "test", Codec: "gzip-std", Level: gz.Levels()[0].Name, Threads: 1}.Key()
	if recs := cells[enc]; len(recs) == 0 || recs[0].CompressedBytes != int64(ref.Len()) {
		t.Errorf("gzip-std encode size %v, compress/gzip writes %d", recs, ref.Len())
	}
	orig := results.Record{Op: results.OpDecodeOriginal, Layer: "test", Codec: "gzip-std", From: bench.Gzip, Threads: 1}.Key()
	if recs := cells[orig]; len(recs) == 0 || recs[0].CompressedBytes != int64(len(in.Blob)) {
		t.Errorf("decode-original input size %v, want %d", recs, len(in.Blob))
	}
}

// liar is a gzip decoder that flips a byte of what it decodes: a codec bug
// that only the diffID check outside the clock can catch.
type liar struct{ bench.Codec }

func (l liar) Name() string { return "gzip-liar" }
func (l liar) NewReader(r io.Reader) (io.ReadCloser, error) {
	zr, err := l.Codec.NewReader(r)
	if err != nil {
		return nil, err
	}
	return &flipper{ReadCloser: zr}, nil
}

type flipper struct {
	io.ReadCloser
	done bool
}

func (f *flipper) Read(p []byte) (int, error) {
	n, err := f.ReadCloser.Read(p)
	if n > 0 && !f.done {
		p[0] ^= 0xff
		f.done = true
	}
	return n, err
}

func TestRunBadDecoderFailsItsCellsOnly(t *testing.T) {
	in := testInput(t)
	gz := mustCodec(t, "gzip-std")
	plan := testPlan(t, gz, liar{gz})
	plan.Encoders = plan.Encoders[:1]
	var got []results.Record
	r := &bench.Runner{Opts: fastOpts, Plan: plan, Emit: func(recs []results.Record) error {
		got = append(got, recs...)
		return nil
	}}
	if err := r.Run(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	var failed, ok int
	for _, rec := range got {
		if rec.Codec == "gzip-liar" {
			if rec.Err == "" || !strings.Contains(rec.Err, "diffID") {
				t.Errorf("%v: error %q, want a diffID mismatch", rec.Key(), rec.Err)
			}
			failed++
		} else if rec.Err == "" && rec.Verified {
			ok++
		}
	}
	// The liar fails on the original and on gzip-std's output; one record each.
	if failed != 2 {
		t.Errorf("%d failure records, want 2", failed)
	}
	if ok == 0 {
		t.Error("the good codec's cells did not survive the bad one")
	}
}

func TestRunSkipsFinishedCells(t *testing.T) {
	in := testInput(t)
	gz := mustCodec(t, "gzip-std")
	plan := testPlan(t, gz)
	all := plan.CellsFor(in.Name, in.Format)
	done := map[results.CellKey]bool{}
	for _, k := range all {
		if k.Op != results.OpDecode {
			done[k] = true // everything but the decode of gzip-std's output
		}
	}
	var got []results.Record
	r := &bench.Runner{Opts: fastOpts, Plan: plan,
		Skip: func(k results.CellKey) bool { return done[k] },
		Emit: func(recs []results.Record) error { got = append(got, recs...); return nil }}
	if err := r.Run(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	if len(got) != fastOpts.Count {
		t.Fatalf("got %d records, want the %d samples of the one unfinished cell", len(got), fastOpts.Count)
	}
	if got[0].Op != results.OpDecode || !got[0].Verified || got[0].CompressedBytes == 0 {
		t.Errorf("unfinished decode cell: %+v", got[0])
	}
}

func TestRunCancel(t *testing.T) {
	in := testInput(t)
	plan := testPlan(t, mustCodec(t, "gzip-std"))
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	r := &bench.Runner{Opts: fastOpts, Plan: plan, Emit: func(recs []results.Record) error {
		n++
		if n == 2 {
			cancel()
		}
		return nil
	}}
	err := r.Run(ctx, in)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run after cancel: %v, want context.Canceled", err)
	}
	if n != 2 {
		t.Errorf("%d cells emitted, want 2: no cell may be emitted after cancel", n)
	}
}

func TestRunMinTimeAndMinSample(t *testing.T) {
	in := testInput(t)
	plan := testPlan(t, mustCodec(t, "gzip-std"))
	plan.Ops = map[string]bool{results.OpMemcpy: true}
	var got []results.Record
	r := &bench.Runner{Opts: bench.Options{Count: 1, MinTime: 50 * time.Millisecond, MinSample: 10 * time.Millisecond}, Plan: plan,
		Emit: func(recs []results.Record) error { got = append(got, recs...); return nil }}
	if err := r.Run(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, rec := range got {
		total += rec.WallNS
		if rec.Iters < 2 {
			t.Errorf("memcpy of %d bytes: %d passes in a sample, want enough to reach MinSample", len(in.Raw), rec.Iters)
		}
	}
	if time.Duration(total) < 50*time.Millisecond {
		t.Errorf("cell timed %v in all, want at least MinTime", time.Duration(total))
	}
}

func TestNewPlan(t *testing.T) {
	all := codecs.All()
	p, err := bench.NewPlan(all, bench.Selection{Quick: codecs.Quick()})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range p.Encoders {
		names = append(names, s.String())
	}
	got := strings.Join(names, " ")
	wants := []string{"gzip-std/6", "gzip-klauspost/6", "gzip-pgzip/6", "zstd-klauspost/default", "zstd-klauspost/best"}
	if codecs.ZstdCgo() != nil {
		wants = append(wants, "zstd-cgo/3", "zstd-cgo:buffer/3")
	}
	for _, want := range wants {
		if !strings.Contains(got+" ", want+" ") {
			t.Errorf("quick profile lacks %s: %s", want, got)
		}
	}
	for _, slow := range []string{"gzip-std/9", "zstd-cgo/19", "zstd-klauspost:buffer/"} {
		if strings.Contains(got, slow) {
			t.Errorf("quick profile has %s: %s", slow, got)
		}
	}
	var bufs []string
	for _, c := range p.BufferDecoders {
		bufs = append(bufs, c.Name())
	}
	if want := map[bool]string{true: "zstd-cgo", false: ""}[codecs.ZstdCgo() != nil]; strings.Join(bufs, " ") != want {
		t.Errorf("quick profile's buffer decoders %q, want %q", bufs, want)
	}

	// Whole-buffer APIs are named with ":buffer", in -codecs and -levels.
	p, err = bench.NewPlan(all, bench.Selection{Quick: codecs.Quick(), Codecs: "zstd-klauspost:buffer,zstd-klauspost",
		Levels: "zstd-klauspost:buffer=fastest,best zstd-klauspost=default"})
	if err != nil {
		t.Fatal(err)
	}
	names = nil
	for _, s := range p.Encoders {
		names = append(names, s.String())
	}
	if got, want := strings.Join(names, " "), "zstd-klauspost/default zstd-klauspost:buffer/fastest zstd-klauspost:buffer/best"; got != want {
		t.Errorf("encoders %q, want %q", got, want)
	}
	if len(p.Decoders) != 1 || len(p.BufferDecoders) != 1 || p.Encoders[1].API != results.APIBuffer {
		t.Errorf("decoders %v, buffer decoders %v, want zstd-klauspost in each", p.Decoders, p.BufferDecoders)
	}
	p, err = bench.NewPlan(all, bench.Selection{Profile: bench.ProfileFull, Codecs: "zstd-klauspost:buffer"})
	if err != nil || len(p.Encoders) != 4 || len(p.Decoders) != 0 || len(p.BufferDecoders) != 1 {
		t.Errorf("-codecs zstd-klauspost:buffer, full profile: %d encoders, %d decoders, %d buffer decoders, %v; want 4, 0, 1",
			len(p.Encoders), len(p.Decoders), len(p.BufferDecoders), err)
	}

	p, err = bench.NewPlan(all, bench.Selection{Codecs: "gzip-std,zstd-klauspost", Levels: "gzip-std=1-3,9 zstd-klauspost=default", Ops: "encode"})
	if err != nil {
		t.Fatal(err)
	}
	names = nil
	for _, s := range p.Encoders {
		names = append(names, s.String())
	}
	if got, want := strings.Join(names, " "), "gzip-std/1 gzip-std/2 gzip-std/3 gzip-std/9 zstd-klauspost/default"; got != want {
		t.Errorf("encoders %q, want %q", got, want)
	}
	if !p.Ops[results.OpEncode] || p.Ops[results.OpDecode] || !p.Ops[results.OpMemcpy] {
		t.Errorf("ops %v: want encode and memcpy only", p.Ops)
	}
	if len(p.Decoders) != 2 {
		t.Errorf("decoders %d, want 2", len(p.Decoders))
	}

	for _, bad := range []bench.Selection{
		{Codecs: "gzip-nope"},
		{Levels: "gzip-std=10"},
		{Levels: "gzip-std=9-1"},
		{Levels: "gzip-std"},
		{Levels: "zstd-klauspost=7-9"},
		{Ops: "encode,squash"},
		{Profile: "medium"},
		{Codecs: "gzip-std", Levels: "zstd-klauspost=default"},
		{Codecs: "gzip-std:buffer"},
		{Levels: "gzip-std:buffer=1"},
		{Codecs: "zstd-klauspost", Levels: "zstd-klauspost:buffer=best"},
		{WriteSize: -1},
	} {
		_, err := bench.NewPlan(all, bad)
		var se *bench.SelectionError
		if !errors.As(err, &se) {
			t.Errorf("NewPlan(%+v) = %v, want a SelectionError", bad, err)
			continue
		}
		// A library names no flag: the command does.
		if strings.Contains(err.Error(), "-levels") || strings.Contains(err.Error(), "-codecs") || se.Field == "" {
			t.Errorf("NewPlan(%+v): error %q (field %q) names a flag, or no field", bad, err, se.Field)
		}
	}
}

// TestNewPlanOptIn checks that opt-in codecs (the reference programs) are
// measured only when -codecs names them or the profile is reference.
func TestNewPlanOptIn(t *testing.T) {
	all := codecs.All()
	encoders := func(sel bench.Selection) string {
		t.Helper()
		p, err := bench.NewPlan(all, sel)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, s := range p.Encoders {
			names = append(names, s.String())
		}
		for _, d := range p.Decoders {
			names = append(names, "dec:"+d.Name())
		}
		return strings.Join(names, " ")
	}
	optIn := []string{"gzip-pgzip"}
	if got := encoders(bench.Selection{Quick: codecs.Quick(), OptIn: optIn}); strings.Contains(got, "gzip-pgzip") {
		t.Errorf("quick profile with gzip-pgzip opt-in measures it: %s", got)
	}
	if got := encoders(bench.Selection{Profile: bench.ProfileFull, OptIn: optIn}); strings.Contains(got, "gzip-pgzip") {
		t.Errorf("full profile with gzip-pgzip opt-in measures it: %s", got)
	}
	if got := encoders(bench.Selection{Quick: codecs.Quick(), OptIn: optIn, Codecs: "gzip-pgzip"}); got != "gzip-pgzip/6 dec:gzip-pgzip" {
		t.Errorf("-codecs gzip-pgzip: %s", got)
	}
	got := encoders(bench.Selection{Profile: bench.ProfileReference, Quick: codecs.Quick(), OptIn: optIn})
	if !strings.Contains(got, "gzip-pgzip/6 ") || strings.Contains(got, "gzip-pgzip/5") || !strings.Contains(got, "gzip-std/6") {
		t.Errorf("reference profile: want the quick levels of every codec, the opt-in ones too: %s", got)
	}
}

// breakable decodes as its codec does until broken is set.
type breakable struct {
	bench.Codec
	broken *bool
}

func (b breakable) Name() string { return "gzip-breakable" }
func (b breakable) NewReader(r io.Reader) (io.ReadCloser, error) {
	if *b.broken {
		return nil, errors.New("broken on purpose")
	}
	return b.Codec.NewReader(r)
}

// With rounds, every cell is visited once a round, its samples are spread
// over the rounds and emitted once, at the end; a cell that fails on a
// later round is emitted as a failure then and not visited again.
func TestRunRounds(t *testing.T) {
	in := testInput(t)
	gz := mustCodec(t, "gzip-std")
	broken := false
	plan := testPlan(t, gz, breakable{gz, &broken})
	plan.Encoders = plan.Encoders[:1]
	visits := map[results.CellKey][]int{}
	var events []bench.Event
	var got [][]results.Record
	r := &bench.Runner{Opts: bench.Options{Count: 4, Rounds: 3, MinSample: time.Millisecond}, Plan: plan,
		Emit: func(recs []results.Record) error { got = append(got, recs); return nil },
		Progress: func(e bench.Event) {
			events = append(events, e)
			if !e.Done {
				visits[e.Key] = append(visits[e.Key], e.Round)
				// Break the decoder when the second round reaches it.
				if e.Key.Codec == "gzip-breakable" && e.Round == 1 {
					broken = true
				}
			}
		}}
	if err := r.Run(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	want := plan.CellsFor(in.Name, in.Format)
	if len(got) != len(want) {
		t.Fatalf("%d cells emitted, want %d (each once)", len(got), len(want))
	}
	for _, recs := range got {
		k := recs[0].Key()
		if k.Codec == "gzip-breakable" {
			if len(recs) != 1 || !strings.Contains(recs[0].Err, "broken on purpose") || recs[0].Verified {
				t.Errorf("%v: %d records, error %q, verified %v; want one unverified failure", k, len(recs), recs[0].Err, recs[0].Verified)
			}
			if v := visits[k]; len(v) != 2 {
				t.Errorf("%v visited in rounds %v, want 0 and 1 only", k, v)
			}
			continue
		}
		if len(recs) < 4 {
			t.Errorf("%v: %d samples, want at least Count 4", k, len(recs))
		}
		for i, rec := range recs {
			if rec.Err != "" || !rec.Verified || rec.Sample != i {
				t.Errorf("%v sample %d: %+v", k, i, rec)
			}
			// Samples record their round, in order, every round present.
			if i > 0 && rec.Round != recs[i-1].Round && rec.Round != recs[i-1].Round+1 {
				t.Errorf("%v sample %d in round %d after round %d", k, i, rec.Round, recs[i-1].Round)
			}
		}
		if recs[0].Round != 0 || recs[len(recs)-1].Round != 2 {
			t.Errorf("%v: samples from round %d to %d, want 0 to 2", k, recs[0].Round, recs[len(recs)-1].Round)
		}
		if v := visits[k]; len(v) != 3 || v[0] != 0 || v[2] != 2 {
			t.Errorf("%v visited in rounds %v, want 0, 1, 2", k, v)
		}
	}
	// Rounds interleave cells: the last visit of the first cell comes after
	// the first visit of the last.
	first, last := want[0], want[len(want)-1]
	lastStart, firstEnd := -1, -1
	for i, e := range events {
		if !e.Done && e.Key == last && lastStart < 0 {
			lastStart = i
		}
		if e.Finished() && e.Key == first {
			firstEnd = i
		}
	}
	if lastStart < 0 || firstEnd < lastStart {
		t.Errorf("%v finished (event %d) before %v started (event %d): not interleaved", first, firstEnd, last, lastStart)
	}
}

// recording is a codec whose writers record the length of every Write.
type recording struct {
	bench.Codec
	writes *[][]int // one list per writer
	made   *int     // writers made
}

func (r recording) Name() string { return "gzip-recording" }
func (r recording) NewWriter(w io.Writer, l bench.Level) (io.WriteCloser, error) {
	zw, err := r.Codec.NewWriter(w, l)
	if err != nil {
		return nil, err
	}
	*r.made++
	*r.writes = append(*r.writes, nil)
	return recordingWriter{zw, r.writes, len(*r.writes) - 1}, nil
}

type recordingWriter struct {
	io.WriteCloser
	writes *[][]int
	i      int
}

func (w recordingWriter) Write(p []byte) (int, error) {
	(*w.writes)[w.i] = append((*w.writes)[w.i], len(p))
	return w.WriteCloser.Write(p)
}

// Encoders are fed the tar in writes of the plan's write size (the last one
// the rest), 32 KiB unless set; the write= key says so when not the
// default.
func TestRunWriteSize(t *testing.T) {
	in := testInput(t)
	for _, size := range []int{0, 1000, 1 << 20} {
		var writes [][]int
		made := 0
		rc := recording{mustCodec(t, "gzip-std"), &writes, &made}
		plan := testPlan(t, rc)
		plan.WriteSize = size
		var got []results.Record
		r := &bench.Runner{Opts: fastOpts, Plan: plan, Emit: func(recs []results.Record) error {
			got = append(got, recs...)
			return nil
		}}
		if err := r.Run(context.Background(), in); err != nil {
			t.Fatal(err)
		}
		want := size
		if size == 0 {
			want = results.DefaultWrite
		}
		if len(writes) < 2 {
			t.Fatalf("write size %d: %d writers made, want the warm-up's and the samples'", size, len(writes))
		}
		for i, ws := range writes {
			total := 0
			for j, n := range ws {
				total += n
				if n != want && !(j == len(ws)-1 && n < want) {
					t.Errorf("write size %d: writer %d, write %d of %d: %d bytes, want %d (the last one the rest)", size, i, j, len(ws), n, want)
					break
				}
			}
			if total != len(in.Raw) {
				t.Errorf("write size %d: writer %d was given %d bytes, want %d", size, i, total, len(in.Raw))
			}
		}
		keyWrite := 0
		if size != 0 && size != results.DefaultWrite {
			keyWrite = size
		}
		for _, rec := range got {
			if rec.Err != "" {
				t.Errorf("%v: %s", rec.Key(), rec.Err)
			}
			if w := keyWrite; (rec.Op == results.OpEncode || rec.Op == results.OpDecode) && rec.Write != w {
				t.Errorf("write size %d: %v has write=%d, want %d", size, rec.Key(), rec.Write, w)
			}
			if (rec.Op == results.OpMemcpy || rec.Op == results.OpDecodeOriginal) && rec.Write != 0 {
				t.Errorf("%v: write=%d on a cell no encoder feeds", rec.Key(), rec.Write)
			}
		}
		if keyWrite != 0 && !strings.Contains(plan.CellsFor(in.Name, in.Format)[3].String(), "/write=") {
			t.Errorf("write size %d: cell %v has no write= in its name", size, plan.CellsFor(in.Name, in.Format)[3])
		}
	}
}

// A first pass that lasts FirstSample or more is the first sample; without
// FirstSample it is an untimed warm-up.
func TestRunFirstSample(t *testing.T) {
	in := testInput(t)
	for _, first := range []time.Duration{0, time.Nanosecond} {
		var writes [][]int
		made := 0
		rc := recording{mustCodec(t, "gzip-std"), &writes, &made}
		plan := testPlan(t, rc)
		plan.Ops = map[string]bool{results.OpMemcpy: true, results.OpEncode: true}
		var got []results.Record
		opts := bench.Options{Count: 3, Rounds: 3, MinSample: time.Nanosecond, FirstSample: first}
		r := &bench.Runner{Opts: opts, Plan: plan, Emit: func(recs []results.Record) error {
			got = append(got, recs...)
			return nil
		}}
		if err := r.Run(context.Background(), in); err != nil {
			t.Fatal(err)
		}
		passes, samples := 0, 0
		for _, rec := range got {
			if rec.Op == results.OpEncode {
				passes += rec.Iters
				samples++
				if !rec.Verified || rec.CompressedBytes <= 0 || rec.WallNS <= 0 || rec.Sample != samples-1 {
					t.Errorf("first sample %v: %+v", first, rec)
				}
			}
		}
		want := passes + 1 // the warm-up
		if first > 0 {
			want = passes
		}
		if samples != 3 || made != want {
			t.Errorf("FirstSample %v: %d samples of %d passes in all, %d writers made; want 3 samples and %d writers", first, samples, passes, made, want)
		}
	}
}

// A codec's whole-buffer API is its own cells (api=buffer): its encoder's
// output is decoded by the whole-buffer decoders, each verified.
func TestRunBuffer(t *testing.T) {
	in := testInput(t)
	plan, err := bench.NewPlan(codecs.All(), bench.Selection{Codecs: "zstd-klauspost,zstd-klauspost:buffer",
		Levels: "zstd-klauspost=fastest zstd-klauspost:buffer=fastest", WriteSize: 4096})
	if err != nil {
		t.Fatal(err)
	}
	cells := map[results.CellKey][]results.Record{}
	r := &bench.Runner{Opts: fastOpts, Plan: plan, Emit: func(recs []results.Record) error {
		for _, rec := range recs {
			cells[rec.Key()] = append(cells[rec.Key()], rec)
		}
		return nil
	}}
	if err := r.Run(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	want := plan.CellsFor(in.Name, in.Format)
	var names []string
	for _, k := range want {
		names = append(names, k.String())
	}
	wantNames := []string{
		"Memcpy/layer=test/codec=memcpy/threads=1",
		"Encode/layer=test/codec=zstd-klauspost/level=fastest/write=4096/threads=1",
		"Decode/layer=test/codec=zstd-klauspost/from=zstd-klauspost/level=fastest/write=4096/threads=1",
		"Encode/layer=test/codec=zstd-klauspost/api=buffer/level=fastest/threads=1",
		"Decode/layer=test/codec=zstd-klauspost/api=buffer/from=zstd-klauspost/level=fastest/threads=1",
	}
	if strings.Join(names, " ") != strings.Join(wantNames, " ") {
		t.Fatalf("cells\n%s\nwant\n%s", strings.Join(names, "\n"), strings.Join(wantNames, "\n"))
	}
	for _, k := range want {
		recs := cells[k]
		if len(recs) != fastOpts.Count {
			t.Errorf("%v: %d samples, want %d", k, len(recs), fastOpts.Count)
		}
		for _, rec := range recs {
			if rec.Err != "" || !rec.Verified || rec.CompressedBytes <= 0 && k.Op != results.OpMemcpy {
				t.Errorf("%v: %+v", k, rec)
			}
		}
	}
	// EncodeAll writes the content size in the frame header, the streaming
	// writer does not know it: the outputs differ.
	stream, buffer := cells[want[1]], cells[want[3]]
	if len(stream) > 0 && len(buffer) > 0 && stream[0].CompressedBytes == buffer[0].CompressedBytes {
		t.Logf("stream and buffer outputs have the same size, %d bytes", stream[0].CompressedBytes)
	}
}
