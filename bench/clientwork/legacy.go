package clientwork

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Clients built with Go before 1.21 hash sha256 without the CPU's SHA
// extensions (SHA-NI; go.dev/issue/50543), four to five times slower on
// amd64 than zbench does. LegacySHA256 measures that rate by running the
// zbench executable again with GODEBUG=cpu.sha=off: the child's
// crypto/sha256 then takes the AVX2 code older releases had.

// legacyEnv is set in the child that measures the rate.
const legacyEnv = "ZBENCH_CLIENTWORK_SHA256_RATE"

// LegacyChild runs, when this process is the child LegacySHA256 starts,
// the measurement and exits; otherwise it returns at once. A main package
// calls it first thing.
func LegacyChild() {
	if os.Getenv(legacyEnv) != "1" {
		return
	}
	fmt.Println(strconv.FormatFloat(sha256Rate(), 'f', 1, 64))
	os.Exit(0)
}

// sha256Rate is this process's sha256 throughput in MB/s over 64 MiB,
// the best of three.
func sha256Rate() float64 {
	b := make([]byte, 64<<20)
	for i := range b {
		b[i] = byte(i * 7)
	}
	var best time.Duration
	for range 3 {
		t := time.Now()
		sha256.Sum256(b)
		if d := time.Since(t); best == 0 || d < best {
			best = d
		}
	}
	return float64(len(b)) / best.Seconds() / 1e6
}

// LegacySHA256 measures the sha256 rate (MB/s) without the SHA
// extensions, by running exe (the zbench executable, whose main calls
// LegacyChild). It returns 0 and no error where the extensions do not
// matter (not amd64).
func LegacySHA256(ctx context.Context, exe string) (float64, error) {
	if runtime.GOARCH != "amd64" {
		return 0, nil
	}
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), legacyEnv+"=1", "GODEBUG=cpu.sha=off")
	out, err := cmd.Output()
	if err != nil {
		return 0, fmt.Errorf("measuring sha256 without the SHA extensions: %w", err)
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("measuring sha256 without the SHA extensions: the child printed %q", out)
	}
	return v, nil
}
