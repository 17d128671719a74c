package evidence_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies keeps evidence to reading results: of zbench's packages
// it imports results only (the determinism matrix's types are there), so
// neither the measuring code nor the codecs (and cgo) nor the plotting
// libraries come with it.
func TestDependencies(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("skipping: no go command on PATH")
	}
	for _, pkg := range []string{"zbench/evidence"} {
		out, err := exec.Command(goTool, "list", "-deps", pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			// results' own helpers (zbench/internal/flock) come with it.
			if strings.HasPrefix(dep, "zbench/") && dep != pkg && dep != "zbench/results" && !strings.HasPrefix(dep, "zbench/internal/") ||
				strings.HasPrefix(dep, "github.com/DataDog/") || strings.HasPrefix(dep, "gonum.org/") {
				t.Errorf("%s depends on %s", pkg, dep)
			}
		}
	}
}
