package plots

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportDirection keeps the arrows of DESIGN.md pointing one way:
// plots reads results, and the evidence and comparisons computed from them
// (which read results only), of zbench's packages; and nothing the runner
// is built from imports plots or gonum.
func TestImportDirection(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	list := func(args ...string) []string {
		t.Helper()
		out, err := exec.Command(goBin, append([]string{"list"}, args...)...).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", strings.Join(args, " "), err)
		}
		return strings.Fields(string(out))
	}
	for _, dep := range list("-deps", "zbench/plots") {
		if strings.HasPrefix(dep, "zbench/") && dep != "zbench/plots" && dep != "zbench/results" && dep != "zbench/evidence" && dep != "zbench/compare" {
			t.Errorf("plots depends on %s; it may read results, evidence and compare only", dep)
		}
	}
	for _, dep := range list("-deps", "zbench/bench/...", "zbench/corpus/...", "zbench/results/...") {
		if dep == "zbench/plots" || strings.HasPrefix(dep, "gonum.org/") {
			t.Errorf("the measuring packages depend on %s", dep)
		}
	}
}
