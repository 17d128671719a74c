package main

import (
	"context"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"zbench/results"
)

// TestPullScript pulls a small real layer through skopeo behind the
// throttling proxy at 20 Mbit/s (scripts/pull.sh end to end): the table
// must have skopeo's row with the containers/image profile's decoder, the
// measured pull can be no faster than the layer's download at that rate,
// which only holds if the proxy throttles, and the pipeline model's work
// is about the download (skopeo streams).
func TestPullScript(t *testing.T) {
	if testing.Short() {
		t.Skip("builds zbench, starts a registry and pulls through skopeo (-short)")
	}
	for _, tool := range []string{"skopeo", "docker-registry", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is not on PATH in CI (scripts/test.sh installs it)", tool)
			}
			t.Skipf("%s is not on PATH (apt-get install skopeo docker-registry jq)", tool)
		}
	}
	layer := filepath.Join(sharedCorpus, "layers", "busybox-1.38.0-musl-amd64.tar.gz")
	st, err := os.Stat(layer)
	if err != nil {
		t.Skipf("shared corpus not found: %v", err)
	}
	abs, _ := filepath.Abs(layer)
	keep := t.TempDir()
	code, out := script(t, "pull.sh", []string{"RATES=20Mbit", "REPS=1", "COUNT=1", "CLIENTS=skopeo", "FORMATS=gzip zstd", "OUT=" + keep}, abs)
	if code != 0 {
		t.Fatalf("pull.sh: exit %d\n%s", code, out)
	}
	m := regexp.MustCompile(`(?m)^skopeo +gzip +containers-image +20Mbit +gzip-pgzip +([0-9.]+)s +([0-9.]+)s +([0-9.]+)s +([0-9.]+)s +([0-9.]+) +([0-9.]+)s +([0-9.]+)s +([0-9.]+)s$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no skopeo row in the table:\n%s", out)
	}
	measured, _ := strconv.ParseFloat(m[1], 64)
	fixed, _ := strconv.ParseFloat(m[2], 64)
	work, _ := strconv.ParseFloat(m[3], 64)
	model, _ := strconv.ParseFloat(m[4], 64)
	download := float64(st.Size()) * 8 / 20e6
	if measured < download*0.97 {
		t.Errorf("measured %.3f s, faster than the download alone at 20 Mbit/s (%.3f s): the proxy did not throttle\n%s", measured, download, out)
	}
	if work < download*0.99 || work > download*1.5 {
		t.Errorf("model's work %.3f s, want about the download, %.3f s\n%s", work, download, out)
	}
	if fixed <= 0 || math.Abs(fixed+work-model) > 0.002 {
		t.Errorf("fixed %.3f s + work %.3f s is not the model's %.3f s\n%s", fixed, work, model, out)
	}

	// The same row as JSON, in OUT and in the run kept there, where
	// zbench report finds it.
	for _, path := range []string{filepath.Join(keep, results.PullsFile), filepath.Join(keep, "run", results.PullsFile)} {
		p, err := results.ReadPulls(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Pulls) != 2 || p.GzipBytes != st.Size() || len(p.Layers) != 1 || p.Layers[0] != filepath.Base(layer) ||
			p.ZstdBytes <= 0 || p.ZstdBytes == st.Size() || p.ZstdBytes > st.Size()*2 {
			t.Fatalf("%s: %+v", path, p)
		}
		if z := p.Pulls[1]; z.Format != "zstd" || z.Decoder != "zstd-klauspost" || z.Model != results.ModelPipeline || z.MedianS <= 0 ||
			z.Stages["download"] <= 0 {
			t.Errorf("%s: zstd row %+v", path, z)
		}
		r := p.Pulls[0]
		if r.Client != "skopeo" || r.Format != "gzip" || r.Profile != "containers-image" || r.Rate != "20Mbit" || r.Decoder != "gzip-pgzip" || r.Reps != 1 ||
			r.Model != results.ModelPipeline || math.Abs(r.MedianS-measured) > 0.0015 || math.Abs(r.ModelS-model) > 0.0015 || len(r.TimesS) != 1 ||
			r.Stages["download"] <= 0 || r.Phases["copy"] <= 0 || r.CPUS <= 0 || len(r.CPUsS) != 1 || r.ModelCPUS <= 0 {
			t.Errorf("%s: row %+v, table %s", path, r, m[0])
		}
	}
	html := filepath.Join(keep, "r.html")
	if code, _, stderr := zbench(t, context.Background(), "report", "-o", html, "-assets", "none", filepath.Join(keep, "run")); code != 0 {
		t.Fatalf("report: exit %d\n%s", code, stderr)
	}
	if page, _ := os.ReadFile(html); !strings.Contains(string(page), `id="measured-pulls"`) {
		t.Error("the report of the kept run has no section Measured pulls")
	}
}
