package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"zbench/bench"
	"zbench/results"
)

// progress reports a run's cells on stderr: a bar on a terminal, one plain
// line per cell elsewhere (CI logs).
//
// With rounds, the unit of work is a visit to a cell (a cell has one per
// round); a cell's line comes when it is finished.
type progress struct {
	mu       sync.Mutex
	w        io.Writer
	bar      *progressbar.ProgressBar // nil: plain lines
	quiet    bool
	rounds   int
	total    int           // visits
	done     int           // visits
	measured int           // visits measured
	spent    time.Duration // wall time of measured visits, for the ETA
	cellT0   time.Time
	round    int                               // the last round announced
	took     map[results.CellKey]time.Duration // per cell, over its visits
	cells    int                               // cells finished, skipped ones included
	finished int                               // cells measured to the end (or failed) in this run
}

func newProgress(w io.Writer, mode string, rounds int) *progress {
	p := &progress{w: w, rounds: max(rounds, 1), round: -1, took: map[results.CellKey]time.Duration{}}
	tty := false
	if f, ok := w.(*os.File); ok {
		tty = term.IsTerminal(int(f.Fd()))
	}
	switch mode {
	case "none":
		p.quiet = true
	case "bar":
		tty = true
	case "plain":
		tty = false
	}
	if tty && !p.quiet {
		p.bar = progressbar.NewOptions(0,
			progressbar.OptionSetWriter(w),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(false),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionSetWidth(24),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	return p
}

// addCells changes the expected number of cells (it may be negative: a
// layer that failed to load, or whose format has fewer decoders).
func (p *progress) addCells(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.total += n * p.rounds
	if p.bar != nil {
		p.bar.ChangeMax(p.total)
	}
}

// eta estimates the time left from the mean time of the cells measured so
// far; cells differ a lot (zstd level 19 against a memcpy), so it is rough.
func (p *progress) eta() string {
	if p.measured == 0 {
		return "ETA ?"
	}
	left := time.Duration(float64(p.spent) / float64(p.measured) * float64(p.total-p.done))
	return "ETA " + left.Round(time.Second).String()
}

func (p *progress) event(e bench.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	rounds := max(e.Rounds, 1)
	round := ""
	if rounds > 1 {
		round = fmt.Sprintf(", round %d/%d", e.Round+1, rounds)
	}
	if !e.Done {
		p.cellT0 = time.Now()
		if p.bar != nil {
			p.bar.Describe(fmt.Sprintf("%s %s (%s%s)", e.Key.Layer, cellName(e.Key), p.eta(), round))
		} else if rounds > 1 && e.Round != p.round && !p.quiet {
			fmt.Fprintf(p.w, "layer %s: round %d of %d (%s)\n", e.Key.Layer, e.Round+1, rounds, p.eta())
		}
		p.round = e.Round
		return
	}
	if e.Skipped {
		p.done += rounds
		p.cells++
		if p.bar != nil {
			p.bar.Set(p.done)
		}
		return
	}
	p.done++
	p.measured++
	took := time.Since(p.cellT0)
	p.spent += took
	p.took[e.Key] += took
	if !e.Finished() {
		if p.bar != nil {
			p.bar.Set(p.done)
		}
		return
	}
	p.done += rounds - 1 - e.Round // a cell that failed early is not visited again
	p.cells++
	p.finished++
	took = p.took[e.Key]
	delete(p.took, e.Key)
	line := sanitize(fmt.Sprintf("[%d/%d] %s %s: %s (%s; %s)", p.cells, p.total/p.rounds, e.Key.Layer, cellName(e.Key), summarize(e.Recs), took.Round(10*time.Millisecond), p.eta()))
	failed := len(e.Recs) > 0 && e.Recs[0].Err != ""
	switch {
	case p.quiet && !failed:
	case p.bar != nil:
		if failed {
			p.bar.Clear()
			fmt.Fprintln(p.w, "FAIL "+line)
		}
		p.bar.Set(p.done)
	default:
		if failed {
			line = "FAIL " + line
		}
		fmt.Fprintln(p.w, line)
	}
}

// note prints a message that is not a cell (a layer loaded or skipped).
func (p *progress) note(msg string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.quiet {
		return
	}
	if p.bar != nil {
		p.bar.Clear()
	}
	fmt.Fprintln(p.w, sanitize(msg))
}

// fail prints a failure that is not a cell's; it shows even with -progress none.
func (p *progress) fail(msg string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		p.bar.Clear()
	}
	fmt.Fprintln(p.w, "FAIL "+sanitize(msg))
}

func (p *progress) finish() {
	if p.bar != nil {
		p.bar.Finish()
		p.bar.Clear()
	}
}

// cellName names a cell for people: "encode zstd-cgo/19", "decode gzip-std
// from gzip-klauspost/6", "decode-original gzip-std from gzip", "memcpy".
func cellName(k results.CellKey) string {
	var s string
	switch k.Op {
	case results.OpMemcpy:
		s = k.Op
	case results.OpEncode:
		s = k.Op + " " + k.Codec + "/" + k.Level
	case results.OpDecode:
		s = k.Op + " " + k.Codec + " from " + k.From + "/" + k.Level
	default:
		s = k.Op + " " + k.Codec + " from " + k.From
	}
	if k.Threads > 1 {
		s += fmt.Sprintf(" (%d threads)", k.Threads)
	}
	return s
}

// summarize gives a cell's median throughput and its ratio, or its error.
func summarize(recs []results.Record) string {
	if len(recs) == 0 {
		return "no samples"
	}
	if recs[0].Err != "" {
		return recs[0].Err
	}
	c := results.NewCell(recs)
	s := fmt.Sprintf("%.1f MB/s", c.Summary(results.UnitMBPerSec).Median)
	if c.CompressedBytes > 0 {
		s += fmt.Sprintf(", ratio %.3f", float64(c.RawBytes)/float64(c.CompressedBytes))
	}
	return s + fmt.Sprintf(", %d samples", len(recs))
}
