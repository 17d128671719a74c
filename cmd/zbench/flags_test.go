package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 15 item 5: a size flag takes whole numbers with units only; 0.5,
// 1e19, NaN, Inf, zero, negative and overflowing sizes used to be accepted
// and recorded as 0 or a negative number, which switched the limit off.
func TestParseByteSize(t *testing.T) {
	good := map[string]int64{
		"1000000": 1000000, "1": 1, "512MiB": 512 << 20, "2GiB": 2 << 30, "2 GiB": 2 << 30,
		"1GB": 1e9, "64KiB": 64 << 10, "7B": 7, "8388607TiB": 8388607 << 40,
		"9223372036854775807": 1<<63 - 1,
	}
	for s, want := range good {
		got, err := parseByteSize(s)
		if err != nil || got != want {
			t.Errorf("parseByteSize(%q) = %d, %v; want %d", s, got, err, want)
		}
	}
	for _, s := range []string{
		"0.5", "0.5GiB", "1e19", "1e9", "NaN", "Inf", "+Inf", "-Inf", "inf", "-1", "-1GiB", "0", "0GiB", "",
		"GiB", "9223372036854775808", "8388608TiB", "99999999999999999999", "0x10", "1_000", "+5", "2gib", "2 G", "1.5MiB",
	} {
		got, err := parseByteSize(s)
		if err == nil {
			t.Errorf("parseByteSize(%q) = %d, want an error", s, got)
			continue
		}
		if !strings.Contains(err.Error(), "want a positive whole number") {
			t.Errorf("parseByteSize(%q): unclear error %v", s, err)
		}
	}
}

func TestFractionFlag(t *testing.T) {
	var f fractionFlag
	for _, s := range []string{"NaN", "Inf", "0", "1", "-0.1", "1.5", "x"} {
		if err := f.Set(s); err == nil {
			t.Errorf("fractionFlag.Set(%q) accepted", s)
		}
	}
	if err := f.Set("0.01"); err != nil || f != 0.01 {
		t.Errorf("fractionFlag.Set(0.01) = %v, %v", f, err)
	}
	var p percentFlag
	for _, s := range []string{"NaN", "Inf%", "-1%"} {
		if err := p.Set(s); err == nil {
			t.Errorf("percentFlag.Set(%q) accepted", s)
		}
	}
}

// Every command with a size or count flag refuses a value that would switch
// its limit off, with exit status 2 and a message naming the flag.
func TestSizeAndCountFlagsRefused(t *testing.T) {
	// A source that does not exist: were a flag accepted, the command
	// would end at once (exit 2, without naming the flag) instead of
	// measuring.
	none := filepath.Join(t.TempDir(), "none")
	for _, args := range [][]string{
		{"run", "-max-layer-bytes", "0.5", none},
		{"run", "-max-layer-bytes", "1e19", none},
		{"run", "-max-layer-bytes", "NaN", none},
		{"run", "-max-layer-bytes", "Inf", none},
		{"run", "-max-layer-bytes", "-1", none},
		{"run", "-max-layer-bytes", "0", none},
		{"run", "-max-layer-bytes", "99999999999TiB", none},
		{"run", "-write-size", "0", none},
		{"run", "-write-size", "1.5KiB", none},
		{"run", "-write-size", "-4096", none},
		{"run", "-count", "1e3", none},
		{"run", "-count", "-1", none},
		{"run", "-rounds", "0", none},
		{"run", "-j", "0", none},
		{"fetch", "-j", "-3", none},
		{"determinism", "-write-size", "0.5", none},
		{"determinism", "-max-layer-bytes", "NaN", none},
		{"compare", "-alpha", "NaN", "a", "b"},
		{"compare", "-threshold", "NaN", "a", "b"},
		{"history", "steps", "-window", "0", "-store", t.TempDir()},
		{"history", "steps", "-alpha", "Inf", "-store", t.TempDir()},
	} {
		code, _, stderr := zbench(t, context.Background(), args...)
		if code != 2 {
			t.Errorf("zbench %q: exit %d, want 2\n%s", args, code, stderr)
		}
		flagName := args[1]
		if args[0] == "history" {
			flagName = args[2]
		}
		if !strings.Contains(stderr, flagName) {
			t.Errorf("zbench %q: the error does not name %s:\n%s", args, flagName, stderr)
		}
	}
}
