package results

import (
	"encoding/json"
	"reflect"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"testing/fstest"
	"time"
	"unicode"
)

func TestCollectEnvFromFiles(t *testing.T) {
	fsys := fstest.MapFS{
		"proc/cpuinfo":              {Data: []byte("processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\n\nprocessor\t: 1\nmodel name\t: AMD EPYC 7B13\n")},
		"etc/os-release":            {Data: []byte("NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\n")},
		"proc/sys/kernel/osrelease": {Data: []byte("6.1.0-18-amd64\n")},
		"sys/devices/system/cpu/cpu0/cpufreq/scaling_governor": {Data: []byte("performance\n")},
	}
	info := &debug.BuildInfo{
		Deps: []*debug.Module{
			{Path: "github.com/klauspost/compress", Version: "v1.20.4"},
			{Path: "github.com/DataDog/zstd", Version: "v1.5.7"},
			{Path: "golang.org/x/perf", Version: "v0.0.0-1", Replace: &debug.Module{Path: "../perf"}},
		},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.modified", Value: "true"}},
	}
	start := time.Date(2026, 3, 4, 5, 6, 7, 891234567, time.FixedZone("x", 3600))
	e := CollectEnv(WithFS(fsys), WithBuildInfo(info), WithStart(start))
	want := Env{
		CPU: "AMD EPYC 7B13", Cores: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0),
		GOOS: runtime.GOOS, GOARCH: runtime.GOARCH,
		OS: "Debian GNU/Linux 12 (bookworm)", Kernel: "6.1.0-18-amd64", Go: runtime.Version(),
		Governor: "performance", Commit: "abc123-dirty",
		Start: time.Date(2026, 3, 4, 4, 6, 7, 891000000, time.UTC),
		Modules: map[string]string{
			"github.com/klauspost/compress": "v1.20.4",
			"github.com/DataDog/zstd":       "v1.5.7",
			"golang.org/x/perf":             "v0.0.0-1 => ../perf",
		},
	}
	if !reflect.DeepEqual(e, want) {
		t.Errorf("CollectEnv:\n got %+v\nwant %+v", e, want)
	}

	// The caller's commit wins; an empty file system leaves fields empty
	// and the CPU falls back to GOARCH.
	e = CollectEnv(WithFS(fstest.MapFS{}), WithBuildInfo(nil), WithCommit("feed"))
	if e.CPU != runtime.GOARCH || e.OS != "" || e.Kernel != "" || e.Governor != "" || e.Modules != nil || e.Commit != "feed" {
		t.Errorf("CollectEnv with nothing to read: %+v", e)
	}
	if e.Start.IsZero() {
		t.Error("no start time")
	}
}

// TestCollectEnvHost runs on the test machine, whose build info has no
// dependencies.
func TestCollectEnvHost(t *testing.T) {
	e := CollectEnv()
	if e.CPU == "" || e.Cores < 1 || e.GOMAXPROCS < 1 || e.Go == "" {
		t.Errorf("CollectEnv() = %+v", e)
	}
	if runtime.GOOS == "linux" && e.Kernel == "" {
		t.Error("no kernel release on linux")
	}
	t.Logf("%+v", e)
	checkConfig(t, e)
}

// checkConfig checks e's configuration lines follow the benchmark format.
func checkConfig(t *testing.T, e Env) {
	t.Helper()
	seen := map[string]bool{}
	for _, c := range e.Config() {
		r := []rune(c.Key)
		if !c.File || len(r) == 0 || !unicode.IsLower(r[0]) || strings.ContainsAny(c.Key, ": \t_") || strings.ToLower(c.Key) != c.Key {
			t.Errorf("bad configuration key %q", c.Key)
		}
		if seen[c.Key] {
			t.Errorf("key %q repeated", c.Key)
		}
		seen[c.Key] = true
		v := string(c.Value)
		if v == "" || strings.ContainsAny(v, "\r\n") || strings.TrimSpace(v) != v {
			t.Errorf("%s: bad value %q", c.Key, v)
		}
	}
}

func TestEnvConfig(t *testing.T) {
	e := testEnv()
	e.Extra["Min Time"] = "1s"
	e.Extra["cpu"] = "not the cpu"
	e.Extra["mod-fake"] = "x"
	e.Extra["empty"] = " "
	e.Extra["9lives"] = "cat"
	checkConfig(t, e)
	got := map[string]string{}
	var keys []string
	for _, c := range e.Config() {
		got[c.Key] = string(c.Value)
		keys = append(keys, c.Key)
	}
	for k, v := range map[string]string{
		"cpu": e.CPU, "extra-cpu": "not the cpu", "min-time": "1s", "extra-mod-fake": "x", "x-9lives": "cat",
		"mod-github.com/datadog/zstd": "v1.5.7", "sources": "builtin ./layers; (two lines)",
	} {
		if got[k] != v {
			t.Errorf("config %s = %q, want %q", k, got[k], v)
		}
	}
	if _, ok := got["empty"]; ok {
		t.Error("an empty value was written: it would delete the key")
	}
	wantPrefix := []string{"goos", "goarch", "cpu", "cores", "gomaxprocs", "go", "os", "kernel", "governor", "zbench-commit"}
	if !reflect.DeepEqual(keys[:len(wantPrefix)], wantPrefix) {
		t.Errorf("keys begin %q, want %q", keys[:len(wantPrefix)], wantPrefix)
	}
	if last := keys[len(keys)-1]; last != "mod-github.com/klauspost/compress" {
		t.Errorf("last key %q, want the modules last", last)
	}
}

func TestEnvJSON(t *testing.T) {
	e := testEnv()
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	var back Env
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, e) {
		t.Errorf("env.json round trip:\n got %+v\nwant %+v", back, e)
	}
	if strings.Contains(strings.ToLower(string(b)), "host") {
		t.Errorf("env.json names the host: %s", b)
	}
}

func TestEnvDifferences(t *testing.T) {
	a := testEnv()
	b := testEnv()
	b.Extra = map[string]string{"libzstd": "1.5.6", "count": "10"} // count may differ
	b.CPU = "Other CPU"
	d := a.differences(b)
	want := []string{`cpu "Test CPU @ 3.00GHz" → "Other CPU"`, `libzstd "1.5.7" → "1.5.6"`}
	if !reflect.DeepEqual(d, want) {
		t.Errorf("differences = %q, want %q", d, want)
	}
	if d := a.differences(testEnv()); d != nil {
		t.Errorf("differences of equal envs: %q", d)
	}
}
