package codecs

import (
	"fmt"
	"io"
	"runtime"
	"strconv"

	kzstd "github.com/klauspost/compress/zstd"
	"github.com/klauspost/pgzip"

	"zbench/bench"
)

// Variants returns, for each codec of cs in order, the codec itself and its
// concurrency and framing variants:
//
//   - gzip-pgzip: SetConcurrency with 1 and 8 goroutines (as measured it uses
//     GOMAXPROCS);
//   - zstd-klauspost: WithEncoderConcurrency(0), the library's default of
//     GOMAXPROCS that buildkit and containerd get, and 8 (as measured: 1);
//   - zstd-cgo: libzstd's ZSTD_c_nbWorkers 1 and 4 through DataDog's
//     SetNbWorkers (as measured: 0, single-threaded mode);
//   - zstd-cli: -T0 (one worker per core), --single-thread, and
//     --no-check --single-thread, which writes what libzstd's streaming API
//     as zstd-cgo calls it writes (as measured: -T1 with its checksum);
//   - pigz-cli: -p 1 and -p 8 (as measured: -p GOMAXPROCS).
//
// The others have no concurrency to vary: Go's compress/gzip and klauspost's
// gzip are single-threaded, gzip and libdeflate-gzip have no threads, and
// igzip's -T is left out (Debian's build writes the same bytes with any -T,
// as it is built without threads).
func Variants(cs []bench.Codec) []bench.Variant {
	var vs []bench.Variant
	for _, c := range cs {
		vs = append(vs, bench.Variant{Codec: c, Threads: c.Threads, NewWriter: c.NewWriter})
		vs = append(vs, variantsOf(c)...)
	}
	return vs
}

func fixed(n int) func() int { return func() int { return n } }

func variantsOf(c bench.Codec) []bench.Variant {
	switch c := c.(type) {
	case pgzipCodec:
		var vs []bench.Variant
		for _, n := range []int{1, 8} {
			vs = append(vs, bench.Variant{Codec: c, Option: fmt.Sprintf("SetConcurrency(1MiB,%d)", n), Threads: fixed(n),
				NewWriter: func(w io.Writer, l bench.Level) (io.WriteCloser, error) {
					if err := checkLevel(c.Name(), pgzipLevels, l); err != nil {
						return nil, err
					}
					zw, err := pgzip.NewWriterLevel(w, l.N)
					if err != nil {
						return nil, fmt.Errorf("gzip-pgzip: level %q: %w", l.Name, err)
					}
					if err := zw.SetConcurrency(PgzipBlockSize, n); err != nil {
						return nil, fmt.Errorf("gzip-pgzip: level %q: setting concurrency: %w", l.Name, err)
					}
					return zw, nil
				}})
		}
		return vs
	case zstdKlauspost:
		var vs []bench.Variant
		for _, n := range []int{0, 8} {
			threads := fixed(n)
			opt := fmt.Sprintf("WithEncoderConcurrency(%d)", n)
			if n == 0 {
				threads = func() int { return runtime.GOMAXPROCS(0) }
				opt += " (default: GOMAXPROCS)"
			}
			vs = append(vs, bench.Variant{Codec: c, Option: opt, Threads: threads,
				NewWriter: func(w io.Writer, l bench.Level) (io.WriteCloser, error) {
					if err := checkLevel(c.Name(), zstdKlauspostLevels, l); err != nil {
						return nil, err
					}
					enc, err := kzstd.NewWriter(w, kzstd.WithEncoderLevel(kzstd.EncoderLevel(l.N)), kzstd.WithEncoderConcurrency(n))
					if err != nil {
						return nil, fmt.Errorf("zstd-klauspost: level %q: %w", l.Name, err)
					}
					return enc, nil
				}})
		}
		return vs
	case *cliCodec:
		var vs []bench.Variant
		add := func(opt string, threads func() int, args func(l bench.Level) []string) {
			vs = append(vs, bench.Variant{Codec: c, Option: opt, Threads: threads,
				NewWriter: func(w io.Writer, l bench.Level) (io.WriteCloser, error) {
					if err := checkLevel(c.Name(), c.spec.levels, l); err != nil {
						return nil, err
					}
					return startWriter(c.Name(), c.path, args(l), w)
				}})
		}
		switch c.Name() {
		case ZstdCLIName:
			add("-T0", runtime.NumCPU, func(l bench.Level) []string { return []string{"-q", "-c", "-T0", "-" + l.Name} })
			add("--single-thread", fixed(1), func(l bench.Level) []string {
				return []string{"-q", "-c", "--single-thread", "-" + l.Name}
			})
			add("--no-check --single-thread", fixed(1), func(l bench.Level) []string {
				return []string{"-q", "-c", "--no-check", "--single-thread", "-" + l.Name}
			})
		case PigzCLIName:
			for _, n := range []int{1, 8} {
				add("-p "+strconv.Itoa(n), fixed(n), func(l bench.Level) []string {
					return []string{"-c", "-n", "-p", strconv.Itoa(n), "-" + l.Name}
				})
			}
		}
		return vs
	}
	return zstdCgoVariants(c)
}
