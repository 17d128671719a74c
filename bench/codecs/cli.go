package codecs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"

	"zbench/bench"
)

// The reference programs: the compressors people run from a shell, measured
// through pipes to an external process, so that library figures can be read
// against them. Each is in [All] only when its program is on PATH.
//
// Every pass starts a process: NewWriter and NewReader each run the program
// once, with the stream on its standard input and output. Their figures
// therefore include starting the process (about a millisecond) and copying
// through two pipes, as a shell pipeline or a registry that shells out pays.
// The runner's CPU time counts the children it has waited for (getrusage
// RUSAGE_CHILDREN), so cpu-sec/GB includes the program's own CPU. Peak RSS
// of the children is not recorded.
//
// Note: options are the programs' defaults where those are deterministic and
// what a user types. gzip, pigz and igzip are given -n, so that the header
// holds no file name and no modification time (from a pipe, gzip would
// otherwise store the time now, or the input file's mtime); libdeflate-gzip
// never stores either when it reads a pipe. zstd keeps its default content
// checksum (--check) and is given -T1, its default before v1.5.6, so that
// its thread count does not change with the installed version. Environment
// variables that change these programs' defaults (GZIP, PIGZ, ZSTD_CLEVEL,
// ZSTD_NBTHREADS) are removed from the children's environment.

// The names of the reference-program codecs.
const (
	ZstdCLIName       = "zstd-cli"
	GzipCLIName       = "gzip-cli"
	PigzCLIName       = "pigz-cli"
	IgzipCLIName      = "igzip-cli"
	LibdeflateCLIName = "libdeflate-cli"
)

// A Program is a reference program and the Debian package that provides it.
type Program struct {
	Codec   string // the codec name, e.g. "pigz-cli"
	Program string // the executable looked up on PATH, e.g. "pigz"
	Package string // the Debian package, e.g. "pigz"
}

// Programs lists the reference programs zbench knows, in the order [All]
// lists their codecs.
var Programs = []Program{
	{ZstdCLIName, "zstd", "zstd"},
	{GzipCLIName, "gzip", "gzip"},
	{PigzCLIName, "pigz", "pigz"},
	{IgzipCLIName, "igzip", "isal"},
	{LibdeflateCLIName, "libdeflate-gzip", "libdeflate-tools"},
	{UnpigzPipeName, "unpigz", "pigz"},
	{IgzipPipeName, "igzip", "isal"},
}

// MissingPrograms returns the reference programs that are not on PATH, whose
// codecs [All] therefore leaves out.
func MissingPrograms() []Program {
	var missing []Program
	for _, p := range Programs {
		if _, err := exec.LookPath(p.Program); err != nil {
			missing = append(missing, p)
		}
	}
	return missing
}

// An External codec runs an external process. Its Module is the program's
// path, and the version comes from the program itself rather than from the
// build info.
type External interface {
	// Program is the executable's path.
	Program() string
	// Version is the version the program reports ("1.5.4"), or "" when it
	// reports none that can be read.
	Version() string
}

// IsExternal reports whether c runs an external process.
func IsExternal(c bench.Codec) bool {
	_, ok := c.(External)
	return ok
}

// ZstdCLI returns zstd-cli, the zstd program (Debian package zstd) at levels
// 1 to 19: "zstd -q -c -T1 -LEVEL" to encode, "zstd -q -d -c" to decode.
// Frames carry a content checksum (the program's default) and no content
// size (the input is a pipe). It returns nil when zstd is not on PATH.
func ZstdCLI() bench.Codec {
	return newCLI(cliSpec{
		name: ZstdCLIName, prog: "zstd", format: bench.Zstd, def: "3",
		levels: numbered(1, 19, func(n int) string {
			if n == 3 {
				return "the program's default level"
			}
			return ""
		}),
		enc:         func(l bench.Level, _ int) []string { return []string{"-q", "-c", "-T1", "-" + l.Name} },
		dec:         []string{"-q", "-d", "-c"},
		versionArgs: []string{"-q", "-V"},
		describe: "the zstd program, external process through pipes: zstd -q -c -T1 -LEVEL " +
			"(one compression worker beside the I/O thread; content checksum on, the default), zstd -q -d -c",
	})
}

// GzipCLI returns gzip-cli, GNU gzip (Debian package gzip) at levels 1 to 9:
// "gzip -c -n -LEVEL" to encode, "gzip -d -c" to decode. It returns nil when
// gzip is not on PATH.
func GzipCLI() bench.Codec {
	return newCLI(cliSpec{
		name: GzipCLIName, prog: "gzip", format: bench.Gzip, def: "6",
		levels:      numbered(1, 9, gzipCLINote),
		enc:         func(l bench.Level, _ int) []string { return []string{"-c", "-n", "-" + l.Name} },
		dec:         []string{"-d", "-c"},
		versionArgs: []string{"--version"},
		describe:    "GNU gzip, external process through pipes, single-threaded: gzip -c -n -LEVEL (no name or time), gzip -d -c",
	})
}

// PigzCLI returns pigz-cli, pigz (Debian package pigz) at levels 1 to 9 with
// -p GOMAXPROCS (read when each writer is made): "pigz -c -n -p N -LEVEL" to
// encode, "pigz -d -c" to decode (one inflate thread, with helper threads
// for reading, writing and the check). Level 11 (zopfli) is left out: it is
// hundreds of times slower than 9. It returns nil when pigz is not on PATH.
func PigzCLI() bench.Codec {
	return newCLI(cliSpec{
		name: PigzCLIName, prog: "pigz", format: bench.Gzip, def: "6",
		levels:  numbered(1, 9, gzipCLINote),
		threads: func() int { return runtime.GOMAXPROCS(0) },
		enc: func(l bench.Level, threads int) []string {
			return []string{"-c", "-n", "-p", fmt.Sprint(threads), "-" + l.Name}
		},
		dec:         []string{"-d", "-c"},
		versionArgs: []string{"--version"},
		describe: "pigz, external process through pipes, multi-threaded: pigz -c -n -p N -LEVEL " +
			"(128 KiB blocks on N = GOMAXPROCS threads), pigz -d -c",
	})
}

// IgzipCLI returns igzip-cli, Intel ISA-L's igzip (Debian package isal) at
// its levels 0 to 3: "igzip -c -n -LEVEL" to encode, "igzip -d -c" to
// decode, single-threaded. Its levels are its own scale, not zlib's. It
// returns nil when igzip is not on PATH.
func IgzipCLI() bench.Codec {
	return newCLI(cliSpec{
		name: IgzipCLIName, prog: "igzip", format: bench.Gzip, def: "2",
		levels: numbered(0, 3, func(n int) string {
			if n == 2 {
				return "the program's default level"
			}
			return ""
		}),
		enc:         func(l bench.Level, _ int) []string { return []string{"-c", "-n", "-" + l.Name} },
		dec:         []string{"-d", "-c"},
		versionArgs: []string{"--version"},
		describe: "Intel ISA-L igzip, external process through pipes, single-threaded: igzip -c -n -LEVEL, igzip -d -c; " +
			"levels 0-3 are ISA-L's own scale, not zlib's",
	})
}

// LibdeflateCLI returns libdeflate-cli, libdeflate's gzip program
// (libdeflate-gzip, Debian package libdeflate-tools) at levels 1 to 12:
// "libdeflate-gzip -c -LEVEL" to encode, "libdeflate-gzip -d -c" to decode.
// libdeflate works on whole buffers: the program reads all of its input
// before it writes anything. It returns nil when libdeflate-gzip is not on
// PATH.
func LibdeflateCLI() bench.Codec {
	return newCLI(cliSpec{
		name: LibdeflateCLIName, prog: "libdeflate-gzip", format: bench.Gzip, def: "6",
		levels: numbered(1, 12, func(n int) string {
			switch n {
			case 6:
				return "the program's default level"
			case 10, 11, 12:
				return "near-optimal parsing, beyond zlib's 9"
			}
			return ""
		}),
		enc:         func(l bench.Level, _ int) []string { return []string{"-c", "-" + l.Name} },
		dec:         []string{"-d", "-c"},
		versionArgs: []string{"-V"},
		describe: "libdeflate-gzip, external process through pipes, single-threaded, whole-buffer " +
			"(reads all input, then writes): libdeflate-gzip -c -LEVEL, libdeflate-gzip -d -c",
	})
}

// gzipCLINote names gzip's and pigz's aliases of levels 1, 6 and 9.
func gzipCLINote(n int) string {
	switch n {
	case 1:
		return "--fast"
	case 6:
		return "the program's default level"
	case 9:
		return "--best"
	}
	return ""
}

// cliSpec says how to run one reference program.
type cliSpec struct {
	name, prog, format string
	levels             []bench.Level
	def                string
	// threads is the thread count, read when asked; nil means 1.
	threads func() int
	// enc gives the arguments to encode at l with the given threads.
	enc         func(l bench.Level, threads int) []string
	dec         []string
	versionArgs []string
	describe    string
}

// cliCodec is a bench.Codec that runs a program found on PATH.
type cliCodec struct {
	spec    *cliSpec
	path    string
	version func() string
}

var (
	_ bench.Codec = (*cliCodec)(nil)
	_ Describer   = (*cliCodec)(nil)
	_ Defaulter   = (*cliCodec)(nil)
	_ External    = (*cliCodec)(nil)
)

// newCLI returns the codec of spec, or nil when its program is not on PATH.
func newCLI(spec cliSpec) bench.Codec {
	path, err := exec.LookPath(spec.prog)
	if err != nil {
		return nil
	}
	c := &cliCodec{spec: &spec, path: path}
	c.version = sync.OnceValue(func() string { return programVersion(path, spec.versionArgs) })
	return c
}

func (c *cliCodec) Name() string          { return c.spec.name }
func (c *cliCodec) Format() string        { return c.spec.format }
func (c *cliCodec) Module() string        { return c.path }
func (c *cliCodec) Program() string       { return c.path }
func (c *cliCodec) Version() string       { return c.version() }
func (c *cliCodec) Levels() []bench.Level { return append([]bench.Level(nil), c.spec.levels...) }
func (c *cliCodec) Threads() int {
	if c.spec.threads == nil {
		return 1
	}
	return c.spec.threads()
}
func (c *cliCodec) DefaultLevel() bench.Level { return mustLevel(c.spec.levels, c.spec.def) }
func (c *cliCodec) Describe() string {
	d := c.spec.describe
	if v := c.Version(); v != "" {
		d = strings.Replace(d, ", external process", " "+v+", external process", 1)
	}
	if c.spec.threads != nil {
		d += fmt.Sprintf("; N = %d here", c.Threads())
	}
	return d
}

// EncodeArgs returns the arguments NewWriter gives the program at l.
func (c *cliCodec) EncodeArgs(l bench.Level) []string { return c.spec.enc(l, c.Threads()) }

// NewWriter starts the program to compress what is written to the returned
// writer. Its output is handed to w during Write and Close, in the caller's
// goroutine. Close closes the program's input, waits for it to exit and
// returns its failure with what it wrote to stderr.
func (c *cliCodec) NewWriter(w io.Writer, l bench.Level) (io.WriteCloser, error) {
	if err := checkLevel(c.Name(), c.spec.levels, l); err != nil {
		return nil, err
	}
	return startWriter(c.Name(), c.path, c.spec.enc(l, c.Threads()), w)
}

// NewReader starts the program to decompress r; the returned reader reads
// its output. A program that exits with a failure makes Read return an error
// with what it wrote to stderr in place of io.EOF. Close ends the program if
// it is still running.
func (c *cliCodec) NewReader(r io.Reader) (io.ReadCloser, error) {
	return startReader(c.Name(), c.path, c.spec.dec, r)
}

// childEnv is the environment of the programs: the process's own, without
// the variables that change the programs' defaults.
var childEnv = sync.OnceValue(func() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "GZIP", "PIGZ", "ZSTD_CLEVEL", "ZSTD_NBTHREADS":
			continue
		}
		env = append(env, kv)
	}
	return env
})

var versionRE = regexp.MustCompile(`v?(\d+\.\d+(?:\.\d+)?)`)

// programVersion runs path with args and returns the first version number in
// the first line it prints, without a leading "v".
func programVersion(path string, args []string) string {
	cmd := exec.Command(path, args...)
	cmd.Env = childEnv()
	out, _ := cmd.CombinedOutput()
	line, _, _ := strings.Cut(string(out), "\n")
	if m := versionRE.FindStringSubmatch(line); m != nil {
		return m[1]
	}
	return ""
}

// stderrLimit bounds what is kept of a program's standard error.
const stderrLimit = 4 << 10

// A tailBuffer keeps the first stderrLimit bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := stderrLimit - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.TrimSpace(b.buf.String())
}

// exitErr describes how a program failed: its exit status and its stderr.
func exitErr(name, path string, args []string, err error, stderr *tailBuffer) error {
	msg := fmt.Sprintf("%s: %s %s: %v", name, filepath.Base(path), strings.Join(args, " "), err)
	if s := stderr.String(); s != "" {
		msg += ": " + strings.ReplaceAll(s, "\n", "; ")
	}
	return fmt.Errorf("%s: %w", msg, ErrProgram)
}

// ErrProgram means that a reference program failed: it exited with a
// non-zero status or was killed. The error names the program and holds what
// it wrote to stderr; for a decoder this typically indicates corrupt or
// truncated input.
var ErrProgram = errors.New("external program failed")

// A cliWriter feeds a program's standard input and forwards its standard
// output to w. A goroutine drains the output into a queue, so that the
// program never blocks on a full pipe while Write blocks on its input; the
// queue is emptied into w by Write and Close, so w is only ever written from
// the caller's goroutine, as an io.Writer's user expects.
type cliWriter struct {
	name  string
	args  []string
	cmd   *exec.Cmd
	stdin io.WriteCloser
	w     io.Writer

	mu     sync.Mutex
	queue  [][]byte // output not yet handed to w
	free   [][]byte // buffers to reuse
	done   chan struct{}
	outErr error // the output goroutine's read error, set before done closes

	stderr tailBuffer
	closed bool
	err    error // the first error, returned again by later calls
}

const cliChunk = 128 << 10

func startWriter(name, path string, args []string, w io.Writer) (*cliWriter, error) {
	cw := &cliWriter{name: name, args: args, w: w, done: make(chan struct{})}
	cw.cmd = exec.Command(path, args...)
	cw.cmd.Env = childEnv()
	cw.cmd.Stderr = &cw.stderr
	var err error
	if cw.stdin, err = cw.cmd.StdinPipe(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	stdout, err := cw.cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := cw.cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: starting %s: %w", name, path, err)
	}
	go cw.drain(stdout)
	return cw, nil
}

// drain reads the program's output into the queue until it ends.
func (cw *cliWriter) drain(stdout io.Reader) {
	defer close(cw.done)
	for {
		cw.mu.Lock()
		var buf []byte
		if n := len(cw.free); n > 0 {
			buf, cw.free = cw.free[n-1], cw.free[:n-1]
		} else {
			buf = make([]byte, cliChunk)
		}
		cw.mu.Unlock()
		n, err := stdout.Read(buf[:cap(buf)])
		if n > 0 {
			cw.mu.Lock()
			cw.queue = append(cw.queue, buf[:n])
			cw.mu.Unlock()
		}
		if err != nil {
			if err != io.EOF {
				cw.outErr = err
			}
			return
		}
	}
}

// flush hands the queued output to w.
func (cw *cliWriter) flush() error {
	cw.mu.Lock()
	q := cw.queue
	cw.queue = nil
	cw.mu.Unlock()
	for i, b := range q {
		if _, err := cw.w.Write(b); err != nil {
			cw.mu.Lock()
			cw.queue = append(q[i+1:], cw.queue...)
			cw.mu.Unlock()
			return err
		}
		cw.mu.Lock()
		cw.free = append(cw.free, b[:0])
		cw.mu.Unlock()
	}
	return nil
}

func (cw *cliWriter) Write(p []byte) (int, error) {
	if cw.err != nil {
		return 0, cw.err
	}
	if cw.closed {
		return 0, fmt.Errorf("%s: write after Close", cw.name)
	}
	n, err := cw.stdin.Write(p)
	if err != nil {
		// The program has stopped reading: it failed, and its exit
		// status and stderr say why.
		cw.stdin.Close()
		<-cw.done
		if werr := cw.cmd.Wait(); werr != nil {
			err = exitErr(cw.name, cw.cmd.Path, cw.args, werr, &cw.stderr)
		} else {
			err = fmt.Errorf("%s: writing to %s: %w", cw.name, cw.name, err)
		}
		cw.closed = true
		cw.err = err
		return n, err
	}
	if err := cw.flush(); err != nil {
		cw.fail(err)
		return n, cw.err
	}
	return n, nil
}

// fail ends the program after an error of w's, and records err.
func (cw *cliWriter) fail(err error) {
	cw.err = err
	if !cw.closed {
		cw.closed = true
		cw.stdin.Close()
		cw.cmd.Process.Kill()
		<-cw.done
		cw.cmd.Wait()
	}
}

// Close ends the program's input, waits for it to exit, and hands the rest
// of its output to w. A second Close returns nil, or the first error.
func (cw *cliWriter) Close() error {
	if cw.closed {
		return cw.err
	}
	cw.closed = true
	cw.stdin.Close()
	<-cw.done
	werr := cw.cmd.Wait()
	if err := cw.flush(); err != nil {
		cw.err = err
		return err
	}
	switch {
	case werr != nil:
		cw.err = exitErr(cw.name, cw.cmd.Path, cw.args, werr, &cw.stderr)
	case cw.outErr != nil:
		cw.err = fmt.Errorf("%s: reading output: %w", cw.name, cw.outErr)
	}
	return cw.err
}

// A cliReader reads a program's standard output; exec copies r to its
// standard input.
type cliReader struct {
	name   string
	args   []string
	cmd    *exec.Cmd
	stdout io.ReadCloser
	stderr tailBuffer
	waited bool
	err    error // what Read returns once the output has ended
	closed bool
}

func startReader(name, path string, args []string, r io.Reader) (*cliReader, error) {
	cr := &cliReader{name: name, args: args}
	cr.cmd = exec.Command(path, args...)
	cr.cmd.Env = childEnv()
	cr.cmd.Stdin = r
	cr.cmd.Stderr = &cr.stderr
	var err error
	if cr.stdout, err = cr.cmd.StdoutPipe(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := cr.cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: starting %s: %w", name, path, err)
	}
	return cr, nil
}

func (cr *cliReader) Read(p []byte) (int, error) {
	if cr.err != nil {
		return 0, cr.err
	}
	if cr.closed {
		return 0, fmt.Errorf("%s: read after Close", cr.name)
	}
	n, err := cr.stdout.Read(p)
	if err == io.EOF {
		// The output has ended: the program's exit status says whether
		// it ended well.
		cr.waited = true
		if werr := cr.cmd.Wait(); werr != nil {
			err = exitErr(cr.name, cr.cmd.Path, cr.args, werr, &cr.stderr)
		}
		cr.err = err
	} else if err != nil {
		err = fmt.Errorf("%s: reading output: %w", cr.name, err)
		cr.err = err
	}
	return n, err
}

// Close ends the program if its output has not been read to the end, and
// returns the error of a program that failed. A second Close returns nil.
func (cr *cliReader) Close() error {
	if cr.closed {
		return nil
	}
	cr.closed = true
	if !cr.waited {
		// Read stopped early: whatever the program would still say is
		// not wanted.
		cr.waited = true
		cr.cmd.Process.Kill()
		cr.stdout.Close()
		cr.cmd.Wait()
		return nil
	}
	if cr.err != nil && cr.err != io.EOF {
		return cr.err
	}
	return nil
}
