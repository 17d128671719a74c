package results

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/perf/benchfmt"
)

// Env is the environment a run measured in, saved as env.json and written
// as the configuration lines at the top of results.txt (see Config). The
// host name is not recorded.
type Env struct {
	CPU        string `json:"cpu"`   // /proc/cpuinfo "model name", else GOARCH
	Cores      int    `json:"cores"` // runtime.NumCPU
	GOMAXPROCS int    `json:"gomaxprocs"`
	GOOS       string `json:"goos"`
	GOARCH     string `json:"goarch"`
	OS         string `json:"os,omitempty"`     // /etc/os-release PRETTY_NAME
	Kernel     string `json:"kernel,omitempty"` // kernel release (uname -r)
	Go         string `json:"go"`               // runtime.Version
	// Modules maps each module path in the build info to its version, with
	// " => path version" added for a replaced module. Empty when the binary
	// has no build info or no dependencies (as in tests).
	Modules  map[string]string `json:"modules,omitempty"`
	Governor string            `json:"governor,omitempty"` // cpu0's cpufreq scaling governor, where readable
	// Commit is the zbench commit: vcs.revision from the build info (with
	// "-dirty" when vcs.modified), or what the caller sets.
	Commit string    `json:"zbench_commit,omitempty"`
	Start  time.Time `json:"start"`
	// Extra is filled by the caller: libzstd version, corpus identity,
	// count, min-time, profile, sources. Keys become configuration keys
	// (see Config).
	Extra map[string]string `json:"extra,omitempty"`
	// Images are the images whose layers the run measured, in the order
	// the SOURCEs gave them. Layers given as files, directories or builtin
	// belong to none; a run of such layers only has no Images. They are
	// not configuration lines: results.txt names layers, not images.
	Images []Image `json:"images,omitempty"`
}

// An Image is an image whose layers a run measured.
type Image struct {
	// Ref is the image pinned: registry/repo:tag@sha256:…,
	// oci:DIR@sha256:…, docker-archive:FILE, or the corpus list line of an
	// image that could not be resolved.
	Ref string `json:"ref"`
	// Name is short, as in its layers' names: python-3.12.
	Name string `json:"name"`
	// Platform is os/arch[/variant], from the image's config.
	Platform string `json:"platform,omitempty"`
	// Layers are the image's layers in manifest order.
	Layers []ImageLayer `json:"layers"`
	// Err is why the image could not be resolved (within a corpus list,
	// where the other images go on); it then has no Layers.
	Err string `json:"error,omitempty"`
}

// An ImageLayer is one layer of an Image.
type ImageLayer struct {
	// Layer is the layer= name the layer was measured as. A blob that an
	// earlier layer (of this image or another) has is measured once, and
	// listed under that layer's name. Empty for a layer not measured.
	Layer string `json:"layer,omitempty"`
	// Digest and Size are the blob's, from the manifest.
	Digest string `json:"digest,omitempty"`
	Size   int64  `json:"size,omitempty"`
	// Skip says why the layer is not measured: a foreign layer, an unknown
	// media type.
	Skip string `json:"skip,omitempty"`
	// Empty is set when the layer's tar has no entries: zbench run skips
	// such a layer of an image, so the run has no cells for it.
	Empty bool `json:"empty,omitempty"`
}

// Measured reports whether every layer of img was measured, or is empty;
// when not, it says why.
func (img Image) Measured() (bool, string) {
	if img.Err != "" {
		return false, "it could not be resolved: " + img.Err
	}
	for i, l := range img.Layers {
		switch {
		case l.Skip != "":
			return false, fmt.Sprintf("its layer %d (%s) is not measured: %s", i, l.Digest, l.Skip)
		case l.Layer == "" && !l.Empty:
			return false, fmt.Sprintf("its layer %d (%s) is not measured", i, l.Digest)
		}
	}
	return true, ""
}

// An EnvOption changes what CollectEnv reads or records.
type EnvOption func(*envOptions)

type envOptions struct {
	fsys    fs.FS
	hostFS  bool
	info    *debug.BuildInfo
	infoSet bool
	commit  string
	start   time.Time
}

// WithCommit records commit as the zbench commit, overriding the build
// info (which has none when built with -buildvcs=false).
func WithCommit(commit string) EnvOption {
	return func(o *envOptions) { o.commit = commit }
}

// WithStart records t as the start of the run instead of time.Now.
func WithStart(t time.Time) EnvOption {
	return func(o *envOptions) { o.start = t }
}

// WithFS reads proc/cpuinfo, proc/sys/kernel/osrelease, etc/os-release and
// sys/devices/system/cpu/cpu0/cpufreq/scaling_governor from fsys instead of
// the host's root. With it, a kernel release missing from fsys is not asked
// of the host either.
func WithFS(fsys fs.FS) EnvOption {
	return func(o *envOptions) { o.fsys, o.hostFS = fsys, false }
}

// WithBuildInfo takes module versions and the commit from info instead of
// debug.ReadBuildInfo; nil means no build info.
func WithBuildInfo(info *debug.BuildInfo) EnvOption {
	return func(o *envOptions) { o.info, o.infoSet = info, true }
}

// CollectEnv describes the machine and build it runs on. Whatever cannot be
// read is left empty (CPU falls back to GOARCH); it never fails.
func CollectEnv(opts ...EnvOption) Env {
	o := envOptions{fsys: os.DirFS("/"), hostFS: true}
	for _, opt := range opts {
		opt(&o)
	}
	if !o.infoSet {
		o.info, _ = debug.ReadBuildInfo()
	}
	e := Env{
		CPU:        cpuModel(o.fsys),
		Cores:      runtime.NumCPU(),
		GOMAXPROCS: runtime.GOMAXPROCS(0),
		GOOS:       runtime.GOOS,
		GOARCH:     runtime.GOARCH,
		OS:         osName(o.fsys),
		Kernel:     readLine(o.fsys, "proc/sys/kernel/osrelease"),
		Go:         runtime.Version(),
		Governor:   readLine(o.fsys, "sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"),
		Start:      o.start,
	}
	if e.CPU == "" {
		e.CPU = runtime.GOARCH
	}
	if e.Kernel == "" && o.hostFS {
		e.Kernel = unameRelease()
	}
	if e.Start.IsZero() {
		e.Start = time.Now()
	}
	e.Start = e.Start.UTC().Round(time.Millisecond)
	if o.info != nil {
		for _, d := range o.info.Deps {
			if e.Modules == nil {
				e.Modules = make(map[string]string)
			}
			e.Modules[d.Path] = moduleVersion(d)
		}
		e.Commit = vcsCommit(o.info)
	}
	if o.commit != "" {
		e.Commit = o.commit
	}
	return e
}

func moduleVersion(m *debug.Module) string {
	v := m.Version
	if r := m.Replace; r != nil {
		v += " => " + r.Path
		if r.Version != "" {
			v += " " + r.Version
		}
	}
	return v
}

func vcsCommit(info *debug.BuildInfo) string {
	var rev string
	var modified bool
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if rev != "" && modified {
		rev += "-dirty"
	}
	return rev
}

// cpuModel returns the first "model name" of proc/cpuinfo; arm machines
// often have none, and then "Hardware" or "Model" is tried.
func cpuModel(fsys fs.FS) string {
	b, err := fs.ReadFile(fsys, "proc/cpuinfo")
	if err != nil {
		return ""
	}
	fields := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if _, seen := fields[k]; !seen && v != "" {
			fields[k] = v
		}
	}
	for _, k := range []string{"model name", "Hardware", "Model"} {
		if v := fields[k]; v != "" {
			return v
		}
	}
	return ""
}

// osName returns PRETTY_NAME from etc/os-release (or usr/lib/os-release).
func osName(fsys fs.FS) string {
	for _, name := range []string{"etc/os-release", "usr/lib/os-release"} {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			continue
		}
		for line := range strings.Lines(string(b)) {
			v, ok := strings.CutPrefix(strings.TrimSpace(line), "PRETTY_NAME=")
			if !ok {
				continue
			}
			if u, err := strconv.Unquote(v); err == nil {
				return u
			}
			return strings.Trim(v, `"'`)
		}
	}
	return ""
}

// readLine returns the first line of the file name in fsys, trimmed, or ""
// when it cannot be read.
func readLine(fsys fs.FS, name string) string {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return ""
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSpace(line)
}

// Config returns e as configuration lines of the Go benchmark format, in
// this order:
//
//	goos, goarch, cpu, cores, gomaxprocs, go, os, kernel, governor, zbench-commit
//	one line per Extra entry, sorted by key (libzstd, count, min-time, ...)
//	one line per module, sorted: mod-<path lowercased>, e.g. mod-github.com/klauspost/compress
//
// Keys are lowercase with hyphens; an Extra key is made so (lowercased,
// other characters that a key cannot hold become '-') and gets an "extra-"
// prefix if it would repeat a key above. Values are put on one line. Empty
// values are left out: in the format an empty value deletes the key.
//
// The start time is not a configuration line: benchstat groups results into
// tables by configuration, and a value unique to every run would keep it
// from comparing two runs. It is in env.json.
func (e Env) Config() []benchfmt.Config {
	var cfg []benchfmt.Config
	seen := map[string]bool{}
	add := func(key, val string) {
		val = oneLine(val)
		if key == "" || val == "" || seen[key] {
			return
		}
		seen[key] = true
		cfg = append(cfg, benchfmt.Config{Key: key, Value: []byte(val), File: true})
	}
	itoa := func(n int) string {
		if n <= 0 {
			return ""
		}
		return strconv.Itoa(n)
	}
	add(KeyGOOS, e.GOOS)
	add(KeyGOARCH, e.GOARCH)
	add(KeyCPU, e.CPU)
	add(KeyCores, itoa(e.Cores))
	add(KeyGOMAXPROCS, itoa(e.GOMAXPROCS))
	add(KeyGo, e.Go)
	add(KeyOS, e.OS)
	add(KeyKernel, e.Kernel)
	add(KeyGovernor, e.Governor)
	add(KeyCommit, e.Commit)
	for _, k := range slices.Sorted(maps.Keys(e.Extra)) {
		key := configKey(k)
		if seen[key] || strings.HasPrefix(key, KeyModulePrefix) {
			key = "extra-" + key
		}
		add(key, e.Extra[k])
	}
	for _, path := range slices.Sorted(maps.Keys(e.Modules)) {
		add(configKey(KeyModulePrefix+path), e.Modules[path])
	}
	return cfg
}

// configKey makes k a key the benchmark format accepts: it starts with a
// lowercase letter and holds no upper case, white space or ':'.
func configKey(k string) string {
	k = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r) || r == ':' || r == '_' || !unicode.IsPrint(r):
			return '-'
		}
		return unicode.ToLower(r)
	}, strings.TrimSpace(k))
	if k == "" {
		return ""
	}
	if r := []rune(k)[0]; !unicode.IsLower(r) {
		k = "x-" + k
	}
	return k
}

// Configuration keys of the machine and build, as Env.Config writes them
// in results.txt (Compare and Config maps use them too).
const (
	KeyGOOS       = "goos"
	KeyGOARCH     = "goarch"
	KeyCPU        = "cpu"
	KeyCores      = "cores"
	KeyGOMAXPROCS = "gomaxprocs"
	KeyGo         = "go"
	KeyOS         = "os"
	KeyKernel     = "kernel"
	KeyGovernor   = "governor"
	KeyCommit     = "zbench-commit"
	// KeyModulePrefix starts the key of each module version: "mod-" and
	// the module path.
	KeyModulePrefix = "mod-"
)

// A Kind says what a configuration key tells of a run, and so whether two
// runs whose values differ can be compared.
type Kind int

const (
	// KindOther is every other key (count, profile, sources, …): a
	// difference is reported, never a reason not to compare.
	KindOther Kind = iota
	// KindMachine is the kind of machine (goos, goarch, cpu, cores,
	// gomaxprocs): runs that differ here are not comparable; their numbers
	// are the machine's.
	KindMachine
	// KindSystem is the system the machine ran (os, kernel, governor):
	// comparable, as a nightly machine's kernel and governor change under
	// it, but every reader reports the difference with the machine's and
	// a resume or merge across it warns.
	KindSystem
	// KindBuild is the code measured (go, zbench-commit, libzstd, mod-…):
	// comparable, and what a comparison of builds is about; compare lists
	// these changes and history attributes steps to them.
	KindBuild
)

// KindOf returns the kind of configuration key.
func KindOf(key string) Kind {
	switch key {
	case KeyGOOS, KeyGOARCH, KeyCPU, KeyCores, KeyGOMAXPROCS:
		return KindMachine
	case KeyOS, KeyKernel, KeyGovernor:
		return KindSystem
	case KeyGo, KeyCommit, ExtraLibzstd:
		return KindBuild
	}
	if strings.HasPrefix(key, KeyModulePrefix) {
		return KindBuild
	}
	return KindOther
}

// compareKey reports whether key is one of the configuration keys that,
// when they differ, mean two environments' numbers should not be mixed
// without a word: the machine, its system and the build.
func compareKey(key string) bool { return KindOf(key) != KindOther }

// differences lists, for people, how the machine and build of now differ
// from those of e: `cpu "A" → "B"`.
func (e Env) differences(now Env) []string {
	old := map[string]string{}
	var keys []string
	for _, c := range e.Config() {
		if compareKey(c.Key) {
			old[c.Key] = string(c.Value)
			keys = append(keys, c.Key)
		}
	}
	cur := map[string]string{}
	for _, c := range now.Config() {
		if compareKey(c.Key) {
			if _, ok := old[c.Key]; !ok {
				keys = append(keys, c.Key)
			}
			cur[c.Key] = string(c.Value)
		}
	}
	var diffs []string
	for _, k := range keys {
		if old[k] != cur[k] {
			diffs = append(diffs, fmt.Sprintf("%s %q → %q", k, old[k], cur[k]))
		}
	}
	return diffs
}
