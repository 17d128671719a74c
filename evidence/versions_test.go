package evidence

import (
	"strings"
	"testing"

	"zbench/results"
)

func TestVersionsSummary(t *testing.T) {
	step := func(axis, from, to, codec, level, input string, fromB, toB int64, same bool, err string) results.VersionStep {
		return results.VersionStep{Axis: axis, From: from, To: to, Codec: codec, Level: level, Input: input,
			FromBytes: fromB, ToBytes: toB, Same: same, Err: err}
	}
	vm := &results.VersionMatrix{
		Method: "by hand.",
		Axes:   []results.VersionAxis{{Name: "go", Values: []string{"go1.26.8", "go1.27.4"}}, {Name: "klauspost", Values: []string{"v1.17.11", "v1.99.0"}}},
		Builds: []results.VersionBuild{
			{ID: "go=go1.26.8 klauspost=v1.17.11 libzstd=bundled", Reported: map[string]string{"go": "go1.26.8", "klauspost": "v1.17.11"}},
			{ID: "go=go1.26.8 klauspost=v1.99.0 libzstd=bundled", Err: "building: go get: exit status 1\nno such version"},
		},
		Steps: []results.VersionStep{
			step("go", "go1.26.8", "go1.27.4", "gzip-std", "6", "a", 1000, 990, false, ""),
			step("go", "go1.26.8", "go1.27.4", "gzip-std", "6", "b", 2000, 2000, true, ""),
			step("go", "go1.26.8", "go1.27.4", "gzip-klauspost", "6", "a", 1000, 1000, true, ""),
			step("klauspost", "v1.17.11", "v1.99.0", "zstd-klauspost", "default", "a", 800, 0, false, "build failed"),
		},
		Encodes: []results.VersionEncode{{Build: "x"}},
	}
	m := &results.DeterminismMatrix{Method: "by hand.", AcrossVersions: vm}
	ds := summarizeDeterminism(m)
	vs := ds.AcrossVersions
	if vs == nil {
		t.Fatal("no across-versions summary")
	}
	if vs.Changed != 1 || vs.Same != 1 || vs.Failed != 1 || len(vs.Rows) != 3 {
		t.Fatalf("changed %d, same %d, failed %d, rows %d: want 1, 1, 1, 3", vs.Changed, vs.Same, vs.Failed, len(vs.Rows))
	}
	r := vs.Rows[0]
	if r.Codec != "gzip-std" || !r.Changed || len(r.Inputs) != 2 || r.Inputs[0].Delta != -10 || r.Inputs[0].DeltaPct != -1 || !r.Inputs[1].Same {
		t.Errorf("row %+v", r)
	}
	if got := r.Inputs[0].String(); got != "-10 B (-1.000%)" {
		t.Errorf("delta string %q", got)
	}
	if vs.Rows[2].Err == "" || vs.Rows[2].Changed {
		t.Errorf("failed row %+v", vs.Rows[2])
	}
	if len(vs.Axes) != 2 || vs.Axes[0] != "go: go1.26.8 → go1.27.4" {
		t.Errorf("axes %q", vs.Axes)
	}
	if len(vs.Builds) != 2 || !strings.Contains(vs.Builds[1], "failed: building: go get: exit status 1") || strings.Contains(vs.Builds[1], "no such version") {
		t.Errorf("builds %q", vs.Builds)
	}
	// The summary's matrix drops the per-encode digests, not the caller's.
	if ds.Matrix.AcrossVersions.Encodes != nil || len(vm.Encodes) != 1 {
		t.Errorf("encodes: summary %v, caller's %v", ds.Matrix.AcrossVersions.Encodes, vm.Encodes)
	}
	if summarizeDeterminism(&results.DeterminismMatrix{}).AcrossVersions != nil {
		t.Error("a matrix without versions has an across-versions summary")
	}
}
