//go:build cgo

package codecs_test

import (
	"bytes"
	"os/exec"
	"regexp"
	"strconv"
	"testing"

	"github.com/DataDog/zstd"

	"zbench/bench"
	"zbench/bench/codecs"
	"zbench/bench/codectest"
)

// exactLevels returns zstd-cgo's levels to compare: every level, or the
// -short subset.
func exactLevels(t *testing.T) []bench.Level {
	c := codecs.ZstdCgo()
	if !testing.Short() {
		return c.Levels()
	}
	var ls []bench.Level
	for _, name := range []string{"1", "3", "19", "20"} {
		l, err := bench.LevelByName(c, name)
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
	}
	return ls
}

// TestZstdCgoExact checks that zstd-cgo writes exactly what DataDog's
// streaming Writer writes, so that the adapter adds and changes nothing.
func TestZstdCgoExact(t *testing.T) {
	t.Parallel()
	in := codectest.TarLike(256 << 10)
	c := codecs.ZstdCgo()
	for _, l := range exactLevels(t) {
		var want bytes.Buffer
		zw := zstd.NewWriterLevel(&want, l.N)
		zw.Write(in)
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		if got := encode(t, c, l, in); !bytes.Equal(got, want.Bytes()) {
			t.Errorf("level %s: got %d bytes, DataDog's Writer writes %d (or other bytes)", l, len(got), want.Len())
		}
	}
}

// cliFlags make the zstd program write what libzstd's streaming API writes
// through DataDog's Writer, which sets nothing but the level, feeds all input
// with ZSTD_e_continue and ends with an empty ZSTD_e_end in Close:
//
//   - input on stdin: neither side then knows the input's size, so neither
//     writes it in the frame header nor sizes its parameters to it (given a
//     file, the CLI does both, and --no-content-size drops only the first);
//   - --no-check: DataDog leaves ZSTD_c_checksumFlag at 0; the CLI sets it;
//   - --single-thread: the CLI's default, -T1, still runs libzstd's
//     multi-threaded code with one worker, which ends frames differently:
//     for input that fills whole 128 KiB blocks it marks the last data block
//     as last, where the single-threaded streaming API, told of the end only
//     after all input, adds an empty last block (3 bytes);
//   - --ultra, for levels 20 to 22 only: the CLI refuses them without it.
//
// With these flags, zstd 1.5.4 and libzstd 1.5.4 write the same bytes at
// every level, also for input that is a whole number of blocks (checked with
// -tags external_libzstd against Debian's libzstd-dev).
var cliFlags = []string{"-q", "-c", "--no-check", "--single-thread"}

// TestZstdCgoMatchesCLI checks that zstd-cgo writes what the zstd program of
// the same libzstd version writes, given cliFlags. The input is a whole
// number of 128 KiB blocks, where a missing --single-thread would show.
func TestZstdCgoMatchesCLI(t *testing.T) {
	t.Parallel()
	path, err := exec.LookPath("zstd")
	if err != nil {
		t.Skip("skipping: no zstd program on PATH")
	}
	v, err := exec.Command(path, "-V").Output()
	if err != nil {
		t.Fatalf("%s -V: %v", path, err)
	}
	m := regexp.MustCompile(`v(\d+\.\d+\.\d+)`).FindSubmatch(v)
	if m == nil {
		t.Fatalf("%s -V: no version in %q", path, v)
	}
	if cli, lib := string(m[1]), codecs.LibzstdVersion(); cli != lib {
		t.Skipf("skipping: %s is zstd %s but zstd-cgo runs libzstd %s; different versions may write different bytes "+
			"(build with -tags external_libzstd to link the system's libzstd instead)", path, cli, lib)
	}
	in := codectest.TarLike(1 << 20)
	c := codecs.ZstdCgo()
	for _, l := range exactLevels(t) {
		args := append([]string{"-" + strconv.Itoa(l.N)}, cliFlags...)
		if l.N > 19 {
			args = append(args, "--ultra")
		}
		cmd := exec.Command(path, args...)
		cmd.Stdin = bytes.NewReader(in)
		want, err := cmd.Output()
		if err != nil {
			t.Fatalf("zstd %q: %v", args, err)
		}
		if got := encode(t, c, l, in); !bytes.Equal(got, want) {
			t.Errorf("level %s: got %d bytes, zstd %q writes %d (or other bytes)", l, len(got), args, len(want))
		}
	}
}
