package main

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// byteSize is a flag holding a positive size in bytes: an integer with an
// optional unit, as 1000000, 512MiB, 2GiB or 1GB. Fractions, exponents, NaN,
// Inf, zero, negative sizes and sizes past 2⁶³-1 bytes are refused, so that a
// limit can never switch itself off.
type byteSize int64

// String is the size in the largest binary unit that holds it whole
// ("2GiB", "32KiB", "1000"), as -h prints a default.
func (b *byteSize) String() string {
	if b == nil {
		return "0"
	}
	n := int64(*b)
	for _, u := range []struct {
		name  string
		shift uint
	}{{"GiB", 30}, {"MiB", 20}, {"KiB", 10}} {
		if n != 0 && n%(1<<u.shift) == 0 {
			return strconv.FormatInt(n>>u.shift, 10) + u.name
		}
	}
	return strconv.FormatInt(n, 10)
}

func (b *byteSize) Set(s string) error {
	n, err := parseByteSize(s)
	if err != nil {
		return err
	}
	*b = byteSize(n)
	return nil
}

var _ flag.Value = (*byteSize)(nil)

// sizeUnits are the units byteSize accepts, longest suffix first.
var sizeUnits = []struct {
	suffix string
	mult   int64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1},
}

// parseByteSize parses a positive integer number of bytes with an optional
// unit (KiB, MiB, GiB, TiB, KB, MB, GB, TB, B).
func parseByteSize(s string) (int64, error) {
	bad := func(why string) error {
		return fmt.Errorf("size %q: %s; want a positive whole number of bytes with an optional unit, such as 1000000, 512MiB or 2GiB", s, why)
	}
	num, mult := strings.TrimSpace(s), int64(1)
	for _, u := range sizeUnits {
		if t, ok := strings.CutSuffix(num, u.suffix); ok {
			num, mult = strings.TrimSpace(t), u.mult
			break
		}
	}
	if num == "" {
		return 0, bad("no number")
	}
	for _, c := range num {
		if c < '0' || c > '9' {
			return 0, bad("not a whole number")
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if errors.Is(err, strconv.ErrRange) || (err == nil && n > math.MaxInt64/mult) {
		return 0, bad("too large")
	}
	if err != nil {
		return 0, bad("not a whole number")
	}
	if n == 0 {
		return 0, bad("zero")
	}
	return n * mult, nil
}

// fractionFlag is a flag holding a probability strictly between 0 and 1,
// such as a significance level: NaN, Inf and values outside (0, 1) are
// refused (a NaN alpha would never flag anything).
type fractionFlag float64

func (f *fractionFlag) String() string { return strconv.FormatFloat(float64(*f), 'g', -1, 64) }

func (f *fractionFlag) Set(s string) error {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(v) || v <= 0 || v >= 1 {
		return fmt.Errorf("%q: want a number between 0 and 1, such as 0.05", s)
	}
	*f = fractionFlag(v)
	return nil
}

// atLeast reports an error naming the flag when n is below least (a count, a
// window, a number of jobs).
func atLeast(flagName string, n, least int) error {
	if n < least {
		return fmt.Errorf("-%s must be at least %d (got %d)", flagName, least, n)
	}
	return nil
}
