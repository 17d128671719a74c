//go:build zbench_slowcodec

package bench

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"zbench/results"
)

// A test build for scripts/power.sh: built with -tags zbench_slowcodec,
// zbench slows the codecs named in ZBENCH_SLOWCODEC ("zstd-klauspost=0.10",
// several separated by commas) by that fraction: after each timed pass of
// a cell whose timed codec is named (the encoder of an encode cell, the
// decoder of a decode cell), it spins the CPU for that fraction of the
// pass's own duration. So the codec is really slower, as a regression in
// it would be, and the machine's noise acts on the slowed passes as on the
// others. The first pass is slowed too, as -first-sample may keep it as
// the first sample.
var slowBy = parseSlow(os.Getenv("ZBENCH_SLOWCODEC"))

func parseSlow(s string) map[string]float64 {
	out := map[string]float64{}
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		name, frac, ok := strings.Cut(part, "=")
		f, err := strconv.ParseFloat(frac, 64)
		if !ok || err != nil || f < 0 {
			fmt.Fprintf(os.Stderr, "zbench (zbench_slowcodec build): ZBENCH_SLOWCODEC %q: want CODEC=FRACTION[,…], such as zstd-klauspost=0.10\n", s)
			os.Exit(2)
		}
		out[name] = f
	}
	for name, f := range out {
		fmt.Fprintf(os.Stderr, "zbench (zbench_slowcodec build): every pass of %s is made %.1f%% slower\n", name, 100*f)
	}
	return out
}

func slowed(k results.CellKey, pass func() error) func() error {
	f := slowBy[k.Codec]
	if f <= 0 || k.Op == results.OpMemcpy {
		return pass
	}
	return func() error {
		t0 := time.Now()
		err := pass()
		spin(time.Duration(float64(time.Since(t0)) * f))
		return err
	}
}

// spin keeps the CPU busy for d.
func spin(d time.Duration) {
	end := time.Now().Add(d)
	for time.Now().Before(end) {
	}
}
