package results

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// benchLines returns the result lines of results.txt in dir.
func benchLines(t *testing.T, dir string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for l := range strings.Lines(string(b)) {
		if strings.HasPrefix(l, "Benchmark") {
			lines = append(lines, strings.TrimSuffix(l, "\n"))
		}
	}
	return lines
}

func TestResume(t *testing.T) {
	env := testEnv()
	all := [][]Record{
		c(OpEncode, "debian", "zstd-cgo").level("3").samples(3),
		c(OpEncode, "debian", "gzip-std").level("6").samples(3),
		c(OpDecode, "debian", "gzip-std").from("gzip-std").level("6").samples(3),
		c(OpDecode, "debian", "zstd-klauspost").from("zstd-cgo").level("3").samples(3),
	}
	dir := writeRun(t, env, all[:3])
	wantLines := benchLines(t, dir)
	wantText, _ := os.ReadFile(filepath.Join(dir, ResultsFile))
	if len(wantLines) != 9 {
		t.Fatalf("results.txt has %d result lines, want 9", len(wantLines))
	}

	// A crash: half of the 4th cell's first line made it to samples.jsonl,
	// and results.txt lost its last two lines.
	samplesPath := filepath.Join(dir, SamplesFile)
	line, err := json.Marshal(all[3][0])
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(samplesPath, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(line[:len(line)/2])
	f.Close()
	resultsPath := filepath.Join(dir, ResultsFile)
	text, _ := os.ReadFile(resultsPath)
	lines := strings.SplitAfter(string(text), "\n")
	lines = lines[:len(lines)-3] // the last is empty: drop two lines
	os.WriteFile(resultsPath, []byte(strings.Join(lines, "")), 0o644)

	// Resume from another build: a warning, but env.json stays.
	env2 := env
	env2.Go = "go1.27.0"
	env2.Modules = map[string]string{"github.com/klauspost/compress": "v1.21.0"}
	rd, err := Create(dir, env2, true)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	warns := rd.Warnings()
	var text2 []string
	for _, w := range warns {
		text2 = append(text2, w.Error())
	}
	joined := strings.Join(text2, "\n")
	for _, want := range []string{"partial last line", `go "go1.26.0" → "go1.27.0"`,
		`mod-github.com/klauspost/compress "v1.20.4" → "v1.21.0"`, `mod-github.com/datadog/zstd "v1.5.7" → ""`} {
		if !strings.Contains(joined, want) {
			t.Errorf("warnings lack %q:\n%s", want, joined)
		}
	}
	if !reflect.DeepEqual(rd.Env(), env) {
		t.Errorf("resumed Env() = %+v, want the run's first env %+v", rd.Env(), env)
	}
	for i, cell := range all {
		if got, want := rd.Done(cell[0].Key()), i < 3; got != want {
			t.Errorf("Done(%s) = %v, want %v", cell[0].Key(), got, want)
		}
	}
	if got, _ := os.ReadFile(resultsPath); !bytes.Equal(got, wantText) {
		t.Errorf("rebuilt results.txt:\n%s\nwant:\n%s", got, wantText)
	}
	b, _ := os.ReadFile(samplesPath)
	if n := bytes.Count(b, []byte("\n")); n != 9 || b[len(b)-1] != '\n' {
		t.Errorf("samples.jsonl has %d lines (ending %q), want 9 whole lines", n, b[len(b)-1])
	}

	// Writing a finished cell again is refused; the 4th goes in.
	if err := rd.WriteCell(all[0]); !errors.Is(err, ErrCellDone) {
		t.Errorf("WriteCell of a finished cell: %v, want ErrCellDone", err)
	}
	if err := rd.WriteCell(all[3]); err != nil {
		t.Fatal(err)
	}
	if err := rd.Close(); err != nil {
		t.Fatal(err)
	}
	if err := rd.WriteCell(all[3]); !errors.Is(err, ErrClosed) {
		t.Errorf("WriteCell after Close: %v, want ErrClosed", err)
	}

	gotEnv, recs, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotEnv, env) {
		t.Errorf("Load env = %+v, want %+v", gotEnv, env)
	}
	var want []Record
	for _, cell := range all {
		for _, r := range cell {
			r.Of = len(cell)
			want = append(want, r)
		}
	}
	if !reflect.DeepEqual(recs, want) {
		t.Errorf("Load records:\n%+v\nwant:\n%+v", recs, want)
	}
	lines2 := benchLines(t, dir)
	if len(lines2) != 12 || !slices.Equal(lines2[:9], wantLines) {
		t.Errorf("results.txt after the 4th cell:\n%s", strings.Join(lines2, "\n"))
	}
	res, _, err := ReadResults(filepath.Join(dir, ResultsFile))
	if err != nil || len(res) != 12 {
		t.Errorf("ReadResults: %d results, %v; want 12", len(res), err)
	}
	// One configuration block: the resumed file does not repeat it.
	text, _ = os.ReadFile(resultsPath)
	if n := strings.Count(string(text), "\ngoos: "); n != 0 || !strings.HasPrefix(string(text), "goos: ") {
		t.Errorf("results.txt repeats its configuration:\n%s", text)
	}
}

// TestResumeCutCell: a cell whose records did not all reach samples.jsonl
// is dropped and measured again.
func TestResumeCutCell(t *testing.T) {
	env := testEnv()
	a := c(OpEncode, "l", "zstd-cgo").level("1").samples(2)
	b := c(OpEncode, "l", "zstd-cgo").level("2").samples(3)
	dir := writeRun(t, env, [][]Record{a, b})
	// Drop b's last line, as if the crash hit between lines.
	path := filepath.Join(dir, SamplesFile)
	data, _ := os.ReadFile(path)
	lines := strings.SplitAfter(string(data), "\n")
	os.WriteFile(path, []byte(strings.Join(lines[:len(lines)-2], "")), 0o644)

	rd, err := Create(dir, env, true)
	if err != nil {
		t.Fatal(err)
	}
	if !rd.Done(a[0].Key()) || rd.Done(b[0].Key()) {
		t.Errorf("Done(a) = %v, Done(b) = %v; want true, false", rd.Done(a[0].Key()), rd.Done(b[0].Key()))
	}
	if w := rd.Warnings(); len(w) != 1 || !strings.Contains(w[0].Error(), "dropped 2 record(s) of 1 cell(s)") {
		t.Errorf("warnings %v, want one about the cut cell", w)
	}
	if len(rd.Warnings()) > 0 && strings.Contains(rd.Warnings()[0].Error(), "different machine") {
		t.Errorf("warned of a different machine on the same one")
	}
	if err := rd.WriteCell(b); err != nil {
		t.Fatal(err)
	}
	rd.Close()
	_, recs, err := Load(dir)
	if err != nil || len(recs) != 5 {
		t.Fatalf("Load: %d records, %v; want 5", len(recs), err)
	}
	if n := len(benchLines(t, dir)); n != 5 {
		t.Errorf("results.txt has %d result lines, want 5", n)
	}
}

func TestCreateRefusesExisting(t *testing.T) {
	dir := writeRun(t, testEnv(), nil)
	_, err := Create(dir, testEnv(), false)
	if !errors.Is(err, ErrRunExists) || strings.Contains(err.Error(), "-resume") {
		t.Errorf("Create on a run directory: %v; want ErrRunExists, naming no flag (the command adds them)", err)
	}
}

func TestResumeWithoutSamplesStartsFresh(t *testing.T) {
	dir := t.TempDir()
	rd, err := Create(dir, testEnv(), true)
	if err != nil {
		t.Fatal(err)
	}
	if w := rd.Warnings(); len(w) != 0 {
		t.Errorf("warnings %v on a fresh start", w)
	}
	cell := c(OpMemcpy, "l", "memcpy").comp(0).samples(2)
	if rd.Done(cell[0].Key()) {
		t.Error("a cell is done in a fresh run")
	}
	if err := rd.WriteCell(cell); err != nil {
		t.Fatal(err)
	}
	if err := rd.Close(); err != nil {
		t.Fatal(err)
	}
	if err := rd.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, recs, err := Load(dir); err != nil || len(recs) != 2 {
		t.Errorf("Load: %d records, %v; want 2", len(recs), err)
	}
	// Files are left without temporary siblings.
	ents, _ := os.ReadDir(dir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if want := []string{EnvFile, ResultsFile, SamplesFile}; !slices.Equal(names, want) {
		t.Errorf("run directory holds %q, want %q", names, want)
	}
}

func TestWriteCellChecks(t *testing.T) {
	rd, err := Create(t.TempDir(), testEnv(), false)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	mixed := append(c(OpEncode, "l", "a").level("1").samples(1), c(OpEncode, "l", "b").level("1").samples(1)...)
	if err := rd.WriteCell(mixed); err == nil || !strings.Contains(err.Error(), "another cell") {
		t.Errorf("WriteCell of two cells: %v", err)
	}
	empty := c(OpEncode, "l", "a").level("1").samples(1)
	empty[0].Iters = 0
	if err := rd.WriteCell(empty); err == nil {
		t.Error("WriteCell of a sample with no iterations succeeded")
	}
	if err := rd.WriteCell(nil); err != nil {
		t.Errorf("WriteCell(nil): %v", err)
	}
	// A refused cell was not written, and can be written once right.
	if err := rd.WriteCell(c(OpEncode, "l", "a").level("1").samples(1)); err != nil {
		t.Errorf("WriteCell after refusals: %v", err)
	}
}

func TestLoadCorrupt(t *testing.T) {
	dir := writeRun(t, testEnv(), [][]Record{c(OpEncode, "l", "a").level("1").samples(2)})
	path := filepath.Join(dir, SamplesFile)
	data, _ := os.ReadFile(path)
	os.WriteFile(path, append([]byte("{not json\n"), data...), 0o644)
	if _, _, err := Load(dir); err == nil || !strings.Contains(err.Error(), SamplesFile+":1:") {
		t.Errorf("Load of a corrupt samples.jsonl: %v; want an error naming line 1", err)
	}
	if _, err := Create(dir, testEnv(), true); err == nil {
		t.Error("resume over a corrupt samples.jsonl succeeded")
	}
}
