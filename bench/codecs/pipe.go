package codecs

import (
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"

	"zbench/bench"
)

// The clients' external gzip decoders: decode-only codecs that run igzip or
// unpigz exactly as containerd's and Docker's pull paths run them, so that a
// client profile (package evidence) can name what a client really decodes
// with.
//
// containerd (pkg/archive/compression, gzipDecompress and cmdStream) and
// moby/go-archive (compression, gzipDecompress and cmdStream) both run the
// program found on PATH with the arguments "-d -c", give it the compressed
// stream as standard input (an io.Reader, which os/exec copies into a pipe
// from a goroutine) and an io.Pipe as standard output (which os/exec fills
// from a second goroutine), and hand the io.Pipe's reader to the untar. A
// failure closes the pipe with the exit status and what the program wrote to
// stderr. These codecs do the same, so their figures hold the same process
// start and the same copies; their CPU time includes the child's (the
// runner counts RUSAGE_CHILDREN).
//
// They write nothing: Levels is empty, NewWriter fails, and a run uses them
// only as decoders (decode and decode-original cells). Like the reference
// programs they are opt-in: a run measures them when -codecs names them or
// with -profile reference. As for the reference programs, the variables
// that change the programs' defaults (GZIP, PIGZ; see cli.go) are removed
// from the child's environment, where a client would pass its own on.

// The names of the clients' pipe decoders.
const (
	UnpigzPipeName = "unpigz-pipe"
	IgzipPipeName  = "igzip-pipe"
)

// PipeArgs are the arguments containerd and Docker give the external gzip
// decoder: decompress, to standard output.
var PipeArgs = []string{"-d", "-c"}

// UnpigzPipe returns unpigz-pipe: "unpigz -d -c" through pipes, as Docker
// (moby/go-archive) and containerd run it when unpigz is on PATH (and, for
// containerd, igzip is not). unpigz inflates on one thread, with helper
// threads that read, write and check. It returns nil when unpigz is not on
// PATH.
func UnpigzPipe() bench.Codec {
	return newPipe(UnpigzPipeName, "unpigz",
		"unpigz -d -c, external process through pipes as containerd's and Docker's cmdStream run it "+
			"(stdin copied from the blob, stdout into an io.Pipe); one inflate thread with I/O and check helpers")
}

// IgzipPipe returns igzip-pipe: "igzip -d -c" through pipes, as containerd
// runs it when igzip (Intel ISA-L) is on PATH. It returns nil when igzip is
// not on PATH.
func IgzipPipe() bench.Codec {
	return newPipe(IgzipPipeName, "igzip",
		"Intel ISA-L igzip -d -c, external process through pipes as containerd's cmdStream runs it "+
			"(stdin copied from the blob, stdout into an io.Pipe); single-threaded")
}

// pipeCodec is a decode-only bench.Codec that runs a program found on PATH
// the way a client's cmdStream does.
type pipeCodec struct {
	name, prog, describe string
	path                 string
	version              func() string
}

var (
	_ bench.Codec = (*pipeCodec)(nil)
	_ Describer   = (*pipeCodec)(nil)
	_ External    = (*pipeCodec)(nil)
)

func newPipe(name, prog, describe string) bench.Codec {
	path, err := exec.LookPath(prog)
	if err != nil {
		return nil
	}
	c := &pipeCodec{name: name, prog: prog, describe: describe, path: path}
	c.version = sync.OnceValue(func() string { return programVersion(path, []string{"--version"}) })
	return c
}

func (c *pipeCodec) Name() string          { return c.name }
func (c *pipeCodec) Format() string        { return bench.Gzip }
func (c *pipeCodec) Module() string        { return c.path }
func (c *pipeCodec) Program() string       { return c.path }
func (c *pipeCodec) Version() string       { return c.version() }
func (c *pipeCodec) Levels() []bench.Level { return nil }
func (c *pipeCodec) Threads() int          { return 1 }
func (c *pipeCodec) Describe() string {
	if v := c.Version(); v != "" {
		return strings.Replace(c.describe, " -d -c,", " "+v+" -d -c,", 1)
	}
	return c.describe
}

// DecodeOnly marks the codec as one that writes nothing.
func (c *pipeCodec) DecodeOnly() {}

// NewWriter fails: the clients run these programs only to decode.
func (c *pipeCodec) NewWriter(io.Writer, bench.Level) (io.WriteCloser, error) {
	return nil, fmt.Errorf("%s: decodes only (it is the decoder a client runs)", c.name)
}

// NewReader starts the program on r as cmdStream does. Read returns the
// program's failure (exit status and stderr, wrapping [ErrProgram]) in place
// of io.EOF. Close before the end ends the program; Close after a failure
// returns it.
func (c *pipeCodec) NewReader(r io.Reader) (io.ReadCloser, error) {
	pr, pw := io.Pipe()
	cmd := exec.Command(c.path, PipeArgs...)
	cmd.Env = childEnv()
	cmd.Stdin = r
	cmd.Stdout = pw
	pc := &pipeReader{name: c.name, pr: pr, cmd: cmd, done: make(chan struct{})}
	cmd.Stderr = &pc.stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: starting %s: %w", c.name, c.path, err)
	}
	go func() {
		// done closes before the pipe does, so that Close after the
		// last Read sees the program's end.
		if err := cmd.Wait(); err != nil {
			pc.err = exitErr(c.name, c.path, PipeArgs, err, &pc.stderr)
		}
		close(pc.done)
		pw.CloseWithError(pc.err)
	}()
	return pc, nil
}

// pipeReader reads the program's output from the io.Pipe.
type pipeReader struct {
	name   string
	pr     *io.PipeReader
	cmd    *exec.Cmd
	stderr tailBuffer
	done   chan struct{}
	err    error // the program's failure, set before done closes
	closed bool
}

func (p *pipeReader) Read(b []byte) (int, error) {
	if p.closed {
		return 0, fmt.Errorf("%s: read after Close", p.name)
	}
	return p.pr.Read(b)
}

// Close ends the program if it is still running and waits for it; it
// returns the program's failure unless the caller stopped reading early.
func (p *pipeReader) Close() error {
	if p.closed {
		return nil
	}
	p.closed = true
	select {
	case <-p.done:
		return p.err
	default:
	}
	// Read stopped early: the rest is not wanted.
	p.pr.CloseWithError(io.ErrClosedPipe)
	p.cmd.Process.Kill()
	<-p.done
	return nil
}
