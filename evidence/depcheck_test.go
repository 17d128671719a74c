package evidence_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies keeps evidence (and the determinism matrix it reads)
// free of the codecs, and so of cgo, and of the plotting libraries: it reads
// results only.
func TestDependencies(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("skipping: no go command on PATH")
	}
	for _, pkg := range []string{"zbench/evidence", "zbench/bench/determinism"} {
		out, err := exec.Command(goTool, "list", "-deps", pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			if dep == "zbench/bench/codecs" || strings.HasPrefix(dep, "github.com/DataDog/") || strings.HasPrefix(dep, "gonum.org/") {
				t.Errorf("%s depends on %s", pkg, dep)
			}
		}
	}
}
