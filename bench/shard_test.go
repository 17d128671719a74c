package bench

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"testing"
	"time"

	"zbench/results"
)

// copyCodec "compresses" by copying: enough to drive a Runner.
type copyCodec struct {
	name, format string
	levels       int
}

func (c copyCodec) Name() string   { return c.name }
func (c copyCodec) Format() string { return c.format }
func (c copyCodec) Module() string { return "std" }
func (c copyCodec) Threads() int   { return 1 }
func (c copyCodec) Levels() []Level {
	var ls []Level
	for i := 1; i <= c.levels; i++ {
		ls = append(ls, Level{Name: fmt.Sprint(i), N: i})
	}
	return ls
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }

func (c copyCodec) NewWriter(w io.Writer, l Level) (io.WriteCloser, error) {
	return nopWriteCloser{w}, nil
}
func (c copyCodec) NewReader(r io.Reader) (io.ReadCloser, error) { return io.NopCloser(r), nil }

func testPlan(t *testing.T) Plan {
	t.Helper()
	all := []Codec{copyCodec{"gz-a", Gzip, 9}, copyCodec{"gz-b", Gzip, 3}, copyCodec{"zs-a", Zstd, 5}}
	p, err := NewPlan(all, Selection{Profile: ProfileFull})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Every cell of the matrix is in exactly one shard, for any shard count.
func TestShardPartition(t *testing.T) {
	p := testPlan(t)
	layers := []string{"debian", "alpine", "golang", "node-1", "node-2", "x"}
	var whole []results.CellKey
	for _, l := range layers {
		whole = append(whole, p.CellsFor(l, Gzip)...)
	}
	for n := 1; n <= 9; n++ {
		seen := map[results.CellKey]int{}
		sizes := make([]int, n)
		for i := range n {
			q := p
			q.Shard = Shard{Index: i, Count: n}
			for _, l := range layers {
				keys := q.CellsFor(l, Gzip)
				sizes[i] += len(keys)
				for _, k := range keys {
					seen[k]++
				}
			}
		}
		for _, k := range whole {
			if seen[k] != 1 {
				t.Errorf("n=%d: cell %s is in %d shards, want 1", n, k, seen[k])
			}
		}
		if len(seen) != len(whole) {
			t.Errorf("n=%d: shards hold %d cells, the matrix %d", n, len(seen), len(whole))
		}
		// Units are dealt round-robin within each layer, so shards differ
		// by at most one unit per layer.
		if lo, hi := slices.Min(sizes), slices.Max(sizes); n > 1 && hi-lo > len(layers)*4 {
			t.Errorf("n=%d: shard sizes %v are uneven", n, sizes)
		}
	}
}

// An encode and the decodes of its output are in the same shard.
func TestShardKeepsEncodeWithDecodes(t *testing.T) {
	p := testPlan(t)
	for i := range 3 {
		q := p
		q.Shard = Shard{Index: i, Count: 3}
		keys := q.CellsFor("debian", Gzip)
		for _, k := range keys {
			if k.Op != results.OpDecode {
				continue
			}
			enc := results.CellKey{Op: results.OpEncode, Layer: k.Layer, Codec: k.From, Level: k.Level, Threads: 1}
			if !slices.Contains(keys, enc) {
				t.Errorf("shard %d: %s without its encode %s", i, k, enc)
			}
		}
	}
}

// The Runner measures exactly the cells CellsFor lists for its shard.
func TestRunnerShard(t *testing.T) {
	raw := []byte("a small tar that is not a tar")
	sum := sha256.Sum256(raw)
	in := Input{Name: "debian", Format: Gzip, Blob: raw, Raw: raw, DiffID: "sha256:" + hex.EncodeToString(sum[:])}
	p := testPlan(t)
	p.Encoders = p.Encoders[:5]
	var union []results.CellKey
	for i := range 3 {
		q := p
		q.Shard = Shard{Index: i, Count: 3}
		var got []results.CellKey
		r := Runner{Plan: q, Opts: Options{Count: 1, MinSample: time.Microsecond},
			Emit: func(recs []results.Record) error {
				if recs[0].Err != "" {
					t.Errorf("%s failed: %s", recs[0].Key(), recs[0].Err)
				}
				got = append(got, recs[0].Key())
				return nil
			}}
		if err := r.Run(context.Background(), in); err != nil {
			t.Fatal(err)
		}
		if want := q.CellsFor(in.Name, in.Format); !slices.Equal(got, want) {
			t.Errorf("shard %d ran %v, CellsFor says %v", i, got, want)
		}
		union = append(union, got...)
	}
	if whole := p.CellsFor(in.Name, in.Format); len(union) != len(whole) {
		t.Errorf("the shards ran %d cells, the matrix has %d", len(union), len(whole))
	}
}

func TestParseShard(t *testing.T) {
	for s, want := range map[string]Shard{"": {}, "0/1": {0, 1}, "3/4": {3, 4}, " 1 / 2 ": {1, 2}} {
		got, err := ParseShard(s)
		if err != nil || got != want {
			t.Errorf("ParseShard(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"4/4", "-1/4", "1", "a/b", "0/0", "1/4/5"} {
		if _, err := ParseShard(s); err == nil {
			t.Errorf("ParseShard(%q): no error", s)
		}
	}
}
