package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"zbench/corpus"
)

// offlineEnv, when set to 1, keeps zbench off the network: registry images
// must be in the cache by digest.
const offlineEnv = "ZBENCH_OFFLINE"

// sourceFlags are the flags of run and fetch that say how SOURCEs are had.
type sourceFlags struct {
	cache    string
	platform string
	insecure bool
	jobs     int
	// maxBlob is the largest layer blob downloaded (0: no limit beyond
	// its descriptor's size); the commands that load layers set it to
	// -max-layer-bytes, since they could not load a larger one.
	maxBlob int64
}

// registerLayerFlags registers the source flags and -max-layer-bytes, the
// largest blob or raw tar a command that loads layers takes. Once the
// flags are parsed, the caller sets f.maxBlob from the value returned.
func registerLayerFlags(fs *flag.FlagSet, f *sourceFlags) *byteSize {
	registerSourceFlags(fs, f)
	maxBytes := byteSize(2 << 30)
	fs.Var(&maxBytes, "max-layer-bytes", "largest blob or raw tar to load")
	return &maxBytes
}

func registerSourceFlags(fs *flag.FlagSet, f *sourceFlags) {
	fs.StringVar(&f.cache, "cache", "", "cache `directory`, an OCI image layout (default $"+corpus.CacheEnv+", else zbench in the user cache directory)")
	fs.StringVar(&f.platform, "platform", corpus.DefaultPlatform, "`os/arch[/variant]` picked from multi-platform images")
	fs.BoolVar(&f.insecure, "insecure", false, "allow plain HTTP to registries on loopback (never elsewhere)")
	fs.IntVar(&f.jobs, "j", 4, "blobs downloaded at once")
}

// resolver makes the corpus resolver for the flags, reporting its progress
// on stderr in the given -progress mode.
func (f *sourceFlags) resolver(stderr io.Writer, mode string, verify bool) (*corpus.Resolver, error) {
	if f.jobs < 1 {
		return nil, errors.New("-j must be at least 1")
	}
	fp := newFetchProgress(stderr, mode)
	return corpus.NewResolver(corpus.Options{
		CacheDir:     f.cache,
		Platform:     f.platform,
		Insecure:     f.insecure,
		Jobs:         f.jobs,
		MaxBlobBytes: f.maxBlob,
		Offline:      os.Getenv(offlineEnv) == "1",
		VerifyCached: verify,
		Events:       fp.event,
	})
}

// openSet opens the layers of the SOURCEs args (see corpus.Resolver.Open),
// saying in one line when builtin stands in for an unreachable default list.
func openSet(ctx context.Context, res *corpus.Resolver, args []string, stderr io.Writer) (*corpus.Set, error) {
	set, err := res.Open(ctx, args)
	if err != nil {
		return nil, interrupted(ctx, withAdvice(err))
	}
	if set.Fallback != nil {
		fmt.Fprintf(stderr, "zbench: %s; measuring builtin instead of @%s\n", sanitize(set.Fallback.Error()), corpus.DefaultList)
	}
	return set, nil
}

// flagAdvice is what the command adds to the message of a corpus error:
// the flag that would have avoided it. The corpus names no flag.
func flagAdvice(err error) string {
	var ie *corpus.InsecureError
	if errors.As(err, &ie) {
		if ie.Loopback {
			return ": use -insecure for a registry on loopback without TLS"
		}
		return " (with -insecure)"
	}
	return ""
}

// withFlagAdvice is err's message with flagAdvice added.
func withFlagAdvice(err error) string { return err.Error() + flagAdvice(err) }

// withAdvice is err with flagAdvice added to its message.
func withAdvice(err error) error {
	if a := flagAdvice(err); a != "" {
		return fmt.Errorf("%w%s", err, a)
	}
	return err
}

// fetchProgress shows blob downloads on stderr: a bar with bytes and rate on
// a terminal, a line per blob elsewhere (CI logs).
type fetchProgress struct {
	mu    sync.Mutex
	w     io.Writer
	tty   bool
	quiet bool
	bar   *progressbar.ProgressBar
}

func newFetchProgress(w io.Writer, mode string) *fetchProgress {
	p := &fetchProgress{w: w}
	if f, ok := w.(*os.File); ok {
		p.tty = term.IsTerminal(int(f.Fd()))
	}
	switch mode {
	case "none":
		p.quiet = true
	case "bar":
		p.tty = true
	case "plain":
		p.tty = false
	}
	return p
}

// event is corpus.Options.Events.
func (p *fetchProgress) event(ev corpus.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch ev.Kind {
	case corpus.EventQueued:
		if p.quiet {
			return
		}
		if p.tty {
			p.bar = progressbar.NewOptions64(ev.N,
				progressbar.OptionSetWriter(p.w),
				progressbar.OptionSetDescription(fmt.Sprintf("fetching %d blob(s)", ev.Count)),
				progressbar.OptionShowBytes(true),
				progressbar.OptionSetWidth(24),
				progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionShowCount(),
				progressbar.OptionClearOnFinish(),
			)
			return
		}
		fmt.Fprintf(p.w, "fetch: %d blob(s), %s\n", ev.Count, fmtBytes(ev.N))
	case corpus.EventBytes:
		if p.bar != nil {
			p.bar.Add64(ev.N)
		}
	case corpus.EventDone:
		if p.quiet {
			return
		}
		if ev.Err != nil {
			p.line("fetch: FAIL " + withFlagAdvice(ev.Err))
			return
		}
		if p.bar == nil {
			secs := ev.Elapsed.Seconds()
			rate := ""
			if secs > 0 {
				rate = fmt.Sprintf(", %.1f MB/s", float64(ev.Size)/1e6/secs)
			}
			fmt.Fprintf(p.w, "fetch: %s %s in %v%s (%s)\n", ev.Digest, fmtBytes(ev.Size),
				ev.Elapsed.Round(time.Millisecond), rate, sanitizeLine(ev.Image))
		} else if p.bar.State().CurrentNum >= p.bar.GetMax64() {
			p.bar.Finish()
			p.bar = nil
		}
	case corpus.EventRetry:
		if !p.quiet {
			p.line(fmt.Sprintf("fetch: retrying in %v: %v", ev.Wait.Round(time.Millisecond), ev.Err))
		}
	case corpus.EventNote:
		if !p.quiet {
			p.line("note: " + ev.Msg)
		}
	}
}

// line prints a message, above the bar if there is one.
func (p *fetchProgress) line(s string) {
	if p.bar != nil {
		p.bar.Clear()
	}
	fmt.Fprintln(p.w, sanitize(s))
	if p.bar != nil {
		p.bar.RenderBlank()
	}
}

// interrupted gives exit status 130 to an error caused by an interrupt
// while fetching: every blob finished is in the cache, the rest left no
// trace.
func interrupted(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return &exitError{130, fmt.Errorf("interrupted while fetching; finished blobs are in the cache")}
	}
	return err
}
