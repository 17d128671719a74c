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

// TestDeterminismAnswerVersions: the determinism answer says which upgrade
// changed which codec's bytes and which build failed; with only versions
// measured it says so instead of "0 of 0 settings"; without versions it
// does not mention them.
func TestDeterminismAnswerVersions(t *testing.T) {
	vm := &results.VersionMatrix{
		Method: "Built once per version.",
		Axes:   []results.VersionAxis{{Name: "go", Values: []string{"go1.26.8", "go1.27.4"}}, {Name: "klauspost", Values: []string{"v1.17.11", "v1.99.0"}}},
		Builds: []results.VersionBuild{{ID: "k99", Err: "building: no such version\nmore"}},
		Inputs: []results.DeterminismInput{{Name: "a"}},
		Steps: []results.VersionStep{
			{Axis: "go", From: "go1.26.8", To: "go1.27.4", Codec: "gzip-std", Level: "1", Input: "a", FromBytes: 100, ToBytes: 103},
			{Axis: "go", From: "go1.26.8", To: "go1.27.4", Codec: "gzip-std", Level: "6", Input: "a", FromBytes: 100, ToBytes: 99},
			{Axis: "go", From: "go1.26.8", To: "go1.27.4", Codec: "gzip-klauspost", Level: "6", Input: "a", FromBytes: 100, ToBytes: 100, Same: true},
			{Axis: "klauspost", From: "v1.17.11", To: "v1.99.0", Codec: "zstd-klauspost", Level: "default", Input: "a", Err: "build k99 failed: building: no such version"},
		},
	}
	answer := func(m *results.DeterminismMatrix) Answer {
		t.Helper()
		e, err := Compute([]Run{synthetic()}, m, DefaultParams())
		if err != nil {
			t.Fatal(err)
		}
		return e.determinismAnswer()
	}
	const changed = "2 of 4 upgrades of a codec at a level changed the bytes, so the digest, on at least one layer; 1 kept them on every layer; 1 could not be compared."
	// Measured with the rest.
	full := &results.DeterminismMatrix{GOMAXPROCS: []int{1, 2}, Repeats: 3, WriteSize: 32768, Method: "by hand.",
		Inputs:         []results.DeterminismInput{{Name: "a"}},
		Settings:       []results.DeterminismSetting{{Codec: "gzip-std", Level: "6", Repeatable: true, SameAcrossGOMAXPROCS: true, SameAcrossWrites: true}},
		AcrossVersions: vm}
	a := answer(full)
	text := strings.Join(a.Answer, "\n")
	for _, w := range []string{"1 of 1 encoder settings wrote the same bytes", changed,
		"Across versions (go: go1.26.8 → go1.27.4; klauspost: v1.17.11 → v1.99.0;",
		"Bytes changed with go go1.26.8 → go1.27.4: gzip-std 1, 6.", "Builds that failed: k99: building: no such version."} {
		if !strings.Contains(text, w) {
			t.Errorf("answer lacks %q:\n%s", w, text)
		}
	}
	if !strings.Contains(a.Method, "Across versions: Built once per version.") || len(a.Tables) != 2 {
		t.Errorf("method %q, %d tables", a.Method, len(a.Tables))
	}
	if f := a.Figures[len(a.Figures)-1]; f.Label != "upgrades that change the bytes" || f.Text != "2 of 4" {
		t.Errorf("figure %+v", f)
	}
	// Only versions (zbench determinism -versions-only).
	a = answer(&results.DeterminismMatrix{Method: "by hand.", AcrossVersions: vm})
	text = strings.Join(a.Answer, "\n")
	if strings.Contains(text, "0 of 0") || !strings.Contains(text, "not measured (only versions)") || !strings.Contains(text, changed) {
		t.Errorf("versions-only answer:\n%s", text)
	}
	if a.Method != "Built once per version." || len(a.Tables) != 0 || strings.Join(a.Layers, ",") != "a" {
		t.Errorf("versions-only: method %q, %d tables, layers %q", a.Method, len(a.Tables), a.Layers)
	}
	// Without versions.
	full.AcrossVersions = nil
	a = answer(full)
	if s := strings.Join(a.Answer, " ") + a.Method; strings.Contains(strings.ToLower(s), "across versions") {
		t.Errorf("answer without versions mentions them: %s", s)
	}
}
