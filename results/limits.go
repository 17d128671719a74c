package results

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
)

// Limits on what ReadRun and Load read, so that a damaged or hostile run
// (a results.txt of a million lines, one cell with a million samples, a
// NaN) fails with a clear error instead of taking the reader's memory or
// time. Each is far above what a real run writes: by estimate, a
// full-profile run of the default corpus at -count 10 has about 20,000
// cells, 200,000 samples and a samples.jsonl under 100 MB.
const (
	// MaxRunFileBytes is the largest results.txt or samples.jsonl read.
	MaxRunFileBytes = 256 << 20
	// MaxEnvBytes is the largest env.json read.
	MaxEnvBytes = 16 << 20
	// MaxCells is the most cells one run may hold.
	MaxCells = 200_000
	// MaxCellSamples is the most samples (records) one cell may hold.
	MaxCellSamples = 10_000
	// MaxValue is the largest value a result line may carry in any unit
	// (ns/op, MB/s, bytes, …): 1e18 ns is 31 years, 1e18 bytes an exabyte.
	MaxValue = 1e18
	// maxCount bounds the integer fields of a record (iterations,
	// nanoseconds, bytes, allocations), so that their products stay exact
	// and finite.
	maxCount = 1 << 50
	// maxThreads bounds a cell's threads and a machine's cores.
	maxThreads = 1 << 20
	// maxWarnings is how many warnings of one kind a reader keeps; the
	// rest are counted.
	maxWarnings = 20
)

// ErrInvalid means a run file holds a value no run writes (NaN, infinity,
// a negative count, an absurd size) or is past the limits above. The
// error names the file and, where it has one, the line.
var ErrInvalid = errors.New("invalid run data")

// checkValue reports whether v is a value a result line can carry in any
// of zbench's units: finite, not negative, at most MaxValue.
func checkValue(v float64) error {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return fmt.Errorf("%v is not a finite number", v)
	case v < 0:
		return fmt.Errorf("%v is negative", v)
	case v > MaxValue:
		return fmt.Errorf("%v is larger than %g", v, float64(MaxValue))
	}
	return nil
}

// check reports what is wrong with a record as read from samples.jsonl:
// a count or size that is negative or absurd, a sample without iterations
// or time.
func (r Record) check() error {
	for _, f := range []struct {
		name string
		v    int64
	}{
		{"iters", int64(r.Iters)}, {"wall_ns", r.WallNS}, {"cpu_ns", r.CPUNS},
		{"raw_bytes", r.RawBytes}, {"compressed_bytes", r.CompressedBytes},
		{"alloc_bytes", r.AllocBytes}, {"allocs", r.Allocs},
		{"sample", int64(r.Sample)},
	} {
		if f.v < 0 || f.v > maxCount {
			return fmt.Errorf("%s is %d", f.name, f.v)
		}
	}
	switch {
	case r.Threads < 0 || r.Threads > maxThreads:
		return fmt.Errorf("threads is %d", r.Threads)
	case r.Of < 0 || r.Of > MaxCellSamples:
		return fmt.Errorf("of is %d (at most %d samples a cell)", r.Of, MaxCellSamples)
	case r.Op == "" || r.Layer == "":
		return errors.New("no op or layer")
	case r.Err == "" && (r.Iters == 0 || r.WallNS == 0):
		return errors.New("a sample without iterations or time")
	}
	return nil
}

// check reports what is wrong with an environment as read from env.json.
func (e *Env) check() error {
	switch {
	case e.Cores < 0 || e.Cores > maxThreads:
		return fmt.Errorf("cores is %d", e.Cores)
	case e.GOMAXPROCS < 0 || e.GOMAXPROCS > maxThreads:
		return fmt.Errorf("gomaxprocs is %d", e.GOMAXPROCS)
	}
	return nil
}

// readLimited reads the file at path, failing with ErrInvalid when it
// holds more than limit bytes; what names the file's kind in errors.
func readLimited(path, what string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", what, err)
	}
	defer f.Close()
	size := int64(0)
	if fi, err := f.Stat(); err == nil {
		size = fi.Size()
	}
	if size > limit {
		return nil, tooLarge(path, size, limit)
	}
	buf := make([]byte, 0, size+1) // +1: io.ReadAll's first read sees EOF without growing
	data, err := readAllInto(buf, io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s %q: %w", what, path, err)
	}
	if int64(len(data)) > limit {
		return nil, tooLarge(path, int64(len(data)), limit)
	}
	return data, nil
}

// readAllInto is io.ReadAll appending to buf.
func readAllInto(buf []byte, r io.Reader) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

func tooLarge(path string, size, limit int64) error {
	return fmt.Errorf("%s: %d bytes or more, larger than the %d bytes a run file may have: %w", path, size, limit, ErrInvalid)
}

// warnings keeps the first maxWarnings warnings of one kind and counts the
// rest, so that a file of a million bad lines gives a bounded message.
type warnings struct {
	kept    []error
	dropped int
}

func (w *warnings) add(err error) {
	if len(w.kept) < maxWarnings {
		w.kept = append(w.kept, err)
		return
	}
	w.dropped++
}

// errs returns the kept warnings and one that counts the others.
func (w *warnings) errs() []error {
	if w.dropped == 0 {
		return w.kept
	}
	return append(w.kept, fmt.Errorf("… and %d more like these", w.dropped))
}

// intern makes the record's strings share memory with equal strings of
// earlier records (seen), so that a run's records take memory for their
// numbers, not for a copy of the layer digest each.
func (r *Record) intern(seen map[string]string) {
	for _, p := range []*string{&r.Op, &r.Layer, &r.LayerDigest, &r.DiffID, &r.Codec, &r.From, &r.Level, &r.Err} {
		if v, ok := seen[*p]; ok {
			*p = v
		} else if len(seen) < 4*MaxCells {
			seen[*p] = *p
		}
	}
}
