package results

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// header is the start of a results.txt, as a run writes it.
const header = "goos: linux\ngoarch: amd64\ncpu: Test CPU\ncores: 2\ngomaxprocs: 2\n\n"

const goodLine = "BenchmarkEncode/layer=go/codec=gzip-std/level=6/threads=1-2 1 3e+08 ns/op 300 MB/s 2.5 ratio 4e+07 compressed-B 3.3 cpu-sec/GB 800000 B/op 12 allocs/op\n"

func writeText(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), ResultsFile)
	if err := os.WriteFile(path, []byte(header+body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// A value no run writes fails the read with ErrInvalid, naming the file
// and the line: before, a NaN reached compare, whose U test never ended.
func TestReadRunRefusesNonFiniteValues(t *testing.T) {
	const name = "BenchmarkEncode/layer=go/codec=gzip-std/level=6/threads=1-2"
	for _, tc := range []struct{ name, line, want string }{
		{"NaN MB/s", name + " 1 3e+08 ns/op NaN MB/s\n", "MB/s: NaN is not a finite number"},
		{"nan cpu", name + " 1 3e+08 ns/op 300 MB/s nan cpu-sec/GB\n", "cpu-sec/GB: NaN is not a finite number"},
		{"+Inf", name + " 1 3e+08 ns/op +Inf MB/s\n", "MB/s: +Inf is not a finite number"},
		{"-Inf", name + " 1 -Inf ns/op 300 MB/s\n", "ns/op: -Inf is not a finite number"},
		{"Infinity", name + " 1 3e+08 ns/op 300 MB/s Infinity ratio\n", "ratio: +Inf is not a finite number"},
		{"negative", name + " 1 3e+08 ns/op -300 MB/s\n", "MB/s: -300 is negative"},
		{"absurd", name + " 1 3e+08 ns/op 1e300 MB/s\n", "MB/s: 1e+300 is larger than"},
		{"absurd size", name + " 1 3e+08 ns/op 3 MB/s 1e19 compressed-B\n", "compressed-B: 1e+19 is larger than"},
		{"absurd iterations", name + " 4000000000000000000 3e+08 ns/op 300 MB/s\n", "4000000000000000000 iterations"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeText(t, goodLine+goodLine+tc.line)
			_, err := ReadRun(path)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("ReadRun: %v, want ErrInvalid", err)
			}
			// header has 6 lines; the bad line is the 9th.
			if want := path + ":9: "; !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want it to name %q and say %q", err, want, tc.want)
			}
		})
	}
}

func TestReadRunLimits(t *testing.T) {
	t.Run("samples a cell", func(t *testing.T) {
		path := writeText(t, strings.Repeat(goodLine, MaxCellSamples+1))
		_, err := ReadRun(path)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), fmt.Sprintf("more than %d samples", MaxCellSamples)) {
			t.Fatalf("ReadRun: %v, want more than %d samples", err, MaxCellSamples)
		}
		path = writeText(t, strings.Repeat(goodLine, MaxCellSamples))
		r, err := ReadRun(path)
		if err != nil || r.Cells[0].Samples() != MaxCellSamples {
			t.Fatalf("ReadRun of %d samples: %v", MaxCellSamples, err)
		}
	})
	t.Run("file size", func(t *testing.T) {
		for _, name := range []string{ResultsFile, SamplesFile, EnvFile} {
			dir := t.TempDir()
			writeFakeRun(t, dir, nil)
			path := filepath.Join(dir, name)
			limit := int64(MaxRunFileBytes)
			if name == EnvFile {
				limit = MaxEnvBytes
			}
			// A sparse file: nothing is written, but it is larger than
			// the limit.
			if err := os.Truncate(path, limit+1); err != nil {
				t.Fatal(err)
			}
			target := dir
			if name == ResultsFile {
				target = path
			}
			_, err := ReadRun(target)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "larger than") {
				t.Errorf("%s past the limit: %v, want ErrInvalid", name, err)
			}
		}
	})
	t.Run("many bad lines", func(t *testing.T) {
		path := writeText(t, goodLine+strings.Repeat("BenchmarkX 1 2 ns/op 3\n", 1000))
		r, err := ReadRun(path)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(fmt.Sprint(r.Warnings)); n > 10_000 {
			t.Errorf("1000 bad lines gave %d bytes of warnings: want them bounded", n)
		}
	})
}

func writeFakeRun(t *testing.T, dir string, edit func(*Record)) {
	t.Helper()
	recs := []Record{{Op: OpEncode, Layer: "go", Codec: "gzip-std", Level: "6", Threads: 1,
		Iters: 1, WallNS: 3e8, CPUNS: 3e8, RawBytes: 1e8, CompressedBytes: 4e7, Verified: true}}
	if edit != nil {
		edit(&recs[0])
	}
	env := Env{CPU: "Test CPU", Cores: 2, GOMAXPROCS: 2, GOOS: "linux", GOARCH: "amd64", Start: time.Unix(0, 0).UTC()}
	if err := WriteRun(dir, env, [][]Record{recs}); err != nil {
		t.Fatal(err)
	}
}

// Records and environments with values no run writes fail Load (and so
// ReadRun and a resume) with ErrInvalid naming the file and line: a zero
// wall time made MB/s infinite, a negative size a negative ratio.
func TestLoadRefusesAbsurdRecords(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Record)
		want string
	}{
		{"zero wall time", func(r *Record) { r.WallNS = 0 }, "without iterations or time"},
		{"zero iterations", func(r *Record) { r.Iters = 0 }, "without iterations or time"},
		{"negative raw bytes", func(r *Record) { r.RawBytes = -1 }, "raw_bytes is -1"},
		{"negative cpu", func(r *Record) { r.CPUNS = -5 }, "cpu_ns is -5"},
		{"absurd iterations", func(r *Record) { r.Iters = 1 << 62 }, "iters is"},
		{"absurd of", func(r *Record) { r.Of = 1 << 40 }, "of is"},
		{"negative threads", func(r *Record) { r.Threads = -1 }, "threads is -1"},
		{"no layer", func(r *Record) { r.Layer = "" }, "no op or layer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFakeRun(t, dir, nil)
			var r Record
			b, _ := os.ReadFile(filepath.Join(dir, SamplesFile))
			if err := json.Unmarshal(b, &r); err != nil {
				t.Fatal(err)
			}
			tc.edit(&r)
			b, _ = json.Marshal(r)
			if err := os.WriteFile(filepath.Join(dir, SamplesFile), append(b, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := ReadRun(dir)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), SamplesFile+":1: ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ReadRun: %v, want ErrInvalid at %s:1 saying %q", err, SamplesFile, tc.want)
			}
		})
	}
	t.Run("records a cell", func(t *testing.T) {
		dir := t.TempDir()
		writeFakeRun(t, dir, nil)
		b, _ := os.ReadFile(filepath.Join(dir, SamplesFile))
		if err := os.WriteFile(filepath.Join(dir, SamplesFile), []byte(strings.Repeat(string(b), MaxCellSamples+1)), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadRun(dir); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "more than") {
			t.Errorf("ReadRun: %v, want more than %d records", err, MaxCellSamples)
		}
	})
	t.Run("env cores", func(t *testing.T) {
		dir := t.TempDir()
		writeFakeRun(t, dir, nil)
		path := filepath.Join(dir, EnvFile)
		b, _ := os.ReadFile(path)
		b = []byte(strings.Replace(string(b), `"cores": 2`, `"cores": -2`, 1))
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadRun(dir); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "cores is -2") {
			t.Errorf("ReadRun: %v, want ErrInvalid: cores is -2", err)
		}
	})
}

// A results.txt of more than MaxCells cells is refused at the first line
// past the limit (about 18 MB: not with -short).
func TestReadRunMaxCells(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and reads an 18 MB results.txt")
	}
	var b strings.Builder
	for i := range MaxCells + 1 {
		fmt.Fprintf(&b, "BenchmarkEncode/layer=l%d/codec=gzip-std/level=6/threads=1-2 1 3e+08 ns/op 300 MB/s\n", i)
	}
	path := writeText(t, b.String())
	_, err := ReadRun(path)
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), fmt.Sprintf(":%d: more than %d cells", MaxCells+7, MaxCells)) {
		t.Fatalf("ReadRun: %v, want more than %d cells at line %d", err, MaxCells, MaxCells+7)
	}
}
