package results

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ReadPulls reads what scripts/pull.sh writes (this is its jq output) and
// refuses rows the report could not show.
func TestReadPulls(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, PullsFile)
	const doc = `{"layers": ["busybox.tar.gz"], "gzip_bytes": 1000000, "count": 1, "pulls": [
	  {"client": "skopeo", "profile": "containers-image", "rate": "20Mbit", "decoder": "gzip-pgzip", "reps": 1,
	   "times_s": [0.46], "median_s": 0.46, "overlapped_s": 0.4, "sequential_s": 0.41, "model": "overlapped", "model_s": 0.4}]}`
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := ReadPulls(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Pulls) != 1 || p.GzipBytes != 1e6 || p.Pulls[0].Decoder != "gzip-pgzip" || math.Abs(p.Pulls[0].MissPct()-15) > 1e-9 {
		t.Errorf("read %+v, miss %v", p, p.Pulls[0].MissPct())
	}
	for bad, want := range map[string]string{
		`{"pulls": []}`: "no pulls",
		`{"pulls": [{"client": "ctr", "rate": "1Gbit", "median_s": 1, "model": "sequential"}]}`: "ctr at 1Gbit) lacks",
		`{"pulls": [{"client": "ctr", "rate": "1Gbit", "median_s": 1, "model_s": 1}]}`:          `model ""`,
		`not json`: path,
	} {
		os.WriteFile(path, []byte(bad), 0o644)
		if _, err := ReadPulls(path); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", bad, err, want)
		}
	}
	if _, err := ReadPulls(filepath.Join(dir, "none.json")); err == nil {
		t.Error("a missing file: no error")
	}
}

// TestReadPullsPipeline: a pipeline model's time must be its fixed cost
// plus its work.
func TestReadPullsPipeline(t *testing.T) {
	dir := t.TempDir()
	for body, want := range map[string]string{
		`{"pulls": [{"client": "ctr", "rate": "none", "median_s": 2, "model": "pipeline", "model_s": 1.5, "fixed_s": 0.5, "work_s": 1}]}`: "",
		`{"pulls": [{"client": "ctr", "rate": "none", "median_s": 2, "model": "pipeline", "model_s": 3, "fixed_s": 0.5, "work_s": 1}]}`:   "fixed cost plus its work",
		`{"pulls": [{"client": "ctr", "rate": "none", "median_s": 2, "model": "pipeline", "model_s": 0.5, "fixed_s": 0.5}]}`:              "fixed cost plus its work",
	} {
		path := filepath.Join(dir, "p.json")
		os.WriteFile(path, []byte(body), 0o644)
		_, err := ReadPulls(path)
		if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("%s: %v, want %q", body, err, want)
		}
	}
}
