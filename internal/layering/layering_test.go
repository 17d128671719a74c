package layering

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// layers ranks zbench's packages, bottom first. A package may import
// packages of its own layer or below, never above: the arrows point down.
//
//	0  internal/atomicfile, throttle,      import nothing of zbench
//	   flock, safetext, browsertest        (browsertest: for _test.go files only)
//	1  corpus, results, internal/fakerun,  the layers' sources; the run format;
//	   lazy/chunked, lazy/lazydoc          eStargz and zstd:chunked layouts and analyses
//	2  bench/...                           measuring: codecs, runner, determinism
//	3  compare, evidence, history, plots,  reading runs: analyses and figures;
//	   lazy, site                          the trend site (history + plots)
//	4  cmd/..., scripts/...,               flags, wiring and output; script helpers
//	   internal/layertar
var layers = []struct {
	rank     int
	prefixes []string
}{
	{0, []string{"zbench/internal/atomicfile", "zbench/internal/throttle", "zbench/internal/flock", "zbench/internal/safetext", "zbench/internal/browsertest"}},
	{1, []string{"zbench/corpus", "zbench/results", "zbench/internal/fakerun", "zbench/lazy/chunked", "zbench/lazy/lazydoc"}},
	{2, []string{"zbench/bench"}},
	{3, []string{"zbench/compare", "zbench/evidence", "zbench/history", "zbench/plots", "zbench/lazy", "zbench/site"}},
	{4, []string{"zbench/cmd", "zbench/scripts", "zbench/internal/layertar"}},
}

// forbidden lists imports the layers allow but the design does not: the
// two bottom packages know nothing of each other, and what reads runs
// brings neither cgo codecs nor (but for plots) the plotting libraries.
var forbidden = map[string][]string{
	"zbench/results":      {"zbench/corpus", "github.com/DataDog/", "gonum.org/"},
	"zbench/lazy/lazydoc": {"zbench/", "github.com/", "gonum.org/"},
	"zbench/corpus":       {"zbench/results"},
	"zbench/evidence":     {"zbench/plots", "zbench/compare", "github.com/DataDog/", "gonum.org/"},
	"zbench/compare":      {"zbench/plots", "github.com/DataDog/", "gonum.org/"},
	"zbench/history":      {"zbench/plots", "github.com/DataDog/", "gonum.org/"},
	"zbench/plots":        {"github.com/DataDog/"},
	"zbench/site":         {"github.com/DataDog/"},
	"zbench/bench":        {"gonum.org/"},
	"zbench/bench/":       {"gonum.org/"},
	"zbench/corpus/":      {"gonum.org/"},
}

// testOnly is imported only by _test.go files (go list's Imports, which
// the test reads, leave those out).
const testOnly = "zbench/internal/browsertest"

func rank(pkg string) int {
	for _, l := range layers {
		for _, p := range l.prefixes {
			if pkg == p || strings.HasPrefix(pkg, p+"/") {
				return l.rank
			}
		}
	}
	return -1
}

type pkgInfo struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	Imports    []string
	Deps       []string
}

func listPackages(t *testing.T) []pkgInfo {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("skipping: no go command on PATH")
	}
	out, err := exec.Command(goBin, "list", "-json", "zbench/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkgInfo
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p pkgInfo
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list found %d packages; the module looks incomplete", len(pkgs))
	}
	return pkgs
}

// TestImportDirection checks every package's imports against layers and
// forbidden, and that every package has a layer.
func TestImportDirection(t *testing.T) {
	for _, p := range listPackages(t) {
		if p.ImportPath == "zbench/internal/layering" {
			continue
		}
		r := rank(p.ImportPath)
		if r < 0 {
			t.Errorf("%s has no layer: add it to layers in this test", p.ImportPath)
			continue
		}
		for _, imp := range p.Imports {
			if !strings.HasPrefix(imp, "zbench/") {
				continue
			}
			if imp == testOnly {
				t.Errorf("%s imports %s outside its _test.go files", p.ImportPath, imp)
			}
			if ri := rank(imp); ri > r {
				t.Errorf("%s (layer %d) imports %s (layer %d): arrows point down", p.ImportPath, r, imp, ri)
			}
		}
		for pkg, bad := range forbidden {
			if p.ImportPath != pkg && !(strings.HasSuffix(pkg, "/") && strings.HasPrefix(p.ImportPath, pkg)) {
				continue
			}
			for _, dep := range p.Deps {
				for _, b := range bad {
					if dep == b || strings.HasPrefix(dep, b) && strings.HasSuffix(b, "/") {
						t.Errorf("%s depends on %s", p.ImportPath, dep)
					}
				}
			}
		}
	}
}

// runFiles are what a run directory holds, by the names of their results
// constants and as literals.
var runFiles = []string{"EnvFile", "ResultsFile", "SamplesFile", "env.json", "results.txt", "samples.jsonl"}

// openers are the calls that open or write a file by name.
var openers = map[string]bool{
	"os.Open": true, "os.OpenFile": true, "os.ReadFile": true, "os.Create": true, "os.WriteFile": true,
	"atomicfile.Write": true, "atomicfile.WriteBytes": true,
}

// TestOnlyResultsOpensRunFiles checks that outside package results no
// (non-test) code opens, reads or writes a run directory's files by name:
// they read a run with results.ReadRun (or Load), and write one with
// results.Create or WriteRun.
func TestOnlyResultsOpensRunFiles(t *testing.T) {
	for _, p := range listPackages(t) {
		if p.ImportPath == "zbench/results" {
			continue
		}
		for _, name := range p.GoFiles {
			path := filepath.Join(p.Dir, name)
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				x, ok := sel.X.(*ast.Ident)
				if !ok || !openers[x.Name+"."+sel.Sel.Name] {
					return true
				}
				if len(call.Args) > 0 && mentionsRunFile(call.Args[0]) {
					t.Errorf("%s: %s.%s opens a run file: only package results reads and writes run directories",
						fset.Position(call.Pos()), x.Name, sel.Sel.Name)
				}
				return true
			})
		}
	}
}

// mentionsRunFile reports whether expression e names a run file.
func mentionsRunFile(e ast.Expr) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.BasicLit:
			if s, err := strconv.Unquote(n.Value); err == nil {
				for _, f := range runFiles {
					if strings.Contains(s, f) {
						found = true
					}
				}
			}
		case *ast.SelectorExpr:
			if x, ok := n.X.(*ast.Ident); ok && x.Name == "results" {
				for _, f := range runFiles {
					if n.Sel.Name == f {
						found = true
					}
				}
			}
		}
		return !found
	})
	return found
}

// TestRuleSeesAnOpen checks that mentionsRunFile catches the forms the
// rule is about, so that the test above cannot pass by seeing nothing.
func TestRuleSeesAnOpen(t *testing.T) {
	for src, want := range map[string]bool{
		`os.ReadFile(filepath.Join(dir, results.SamplesFile))`: true,
		`os.Open(dir + "/results.txt")`:                        true,
		`os.Open(filepath.Join(dir, name))`:                    false,
	} {
		e, err := parser.ParseExpr(src)
		if err != nil {
			t.Fatal(err)
		}
		if got := mentionsRunFile(e.(*ast.CallExpr).Args[0]); got != want {
			t.Errorf("mentionsRunFile(%s) = %v, want %v", src, got, want)
		}
	}
}
