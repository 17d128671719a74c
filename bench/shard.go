package bench

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
)

// A Shard is one part of a run's matrix, for running the matrix across
// several machines or jobs (`zbench run -shard i/n`) and joining the parts
// with `zbench merge`. The zero Shard is the whole matrix.
//
// The matrix is cut into units that stay whole: on each layer, unit 0 is
// the memcpy and decode-original cells, and unit j+1 is the plan's
// encoder setting j with every decode of its output (so an encoded output
// is made, and its decodes measured, in one place). Unit u of layer L goes
// to shard (u + h(L)) mod n, where h is the FNV-1a hash of the layer
// name: each layer's units are dealt round-robin across the shards, and the
// hash turns where each layer starts so that shard 0 does not get every
// memcpy. Every cell is in exactly one shard, whatever the order the layers
// come in, provided every shard runs with the same plan (the same codec and
// level flags).
type Shard struct {
	Index int // 0-based
	Count int // 0 or 1: the whole matrix
}

// ParseShard parses "i/n", 0 <= i < n: "0/4" is the first of four shards.
// The empty string is the whole matrix.
func ParseShard(s string) (Shard, error) {
	if strings.TrimSpace(s) == "" {
		return Shard{}, nil
	}
	is, ns, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(strings.TrimSpace(is))
	n, err2 := strconv.Atoi(strings.TrimSpace(ns))
	if !ok || err1 != nil || err2 != nil || n < 1 {
		return Shard{}, fmt.Errorf("shard %q: want i/n, e.g. 0/4 for the first of four shards", s)
	}
	if i < 0 || i >= n {
		return Shard{}, fmt.Errorf("shard %q: the index counts from 0, so it must be in 0..%d", s, n-1)
	}
	return Shard{Index: i, Count: n}, nil
}

// String returns "i/n", or "" for the whole matrix.
func (s Shard) String() string {
	if s.Count <= 1 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}

// Has reports whether unit u of layer belongs to s: u is 0 for the memcpy
// and decode-original cells, j+1 for the plan's encoder setting j and its
// decodes.
func (s Shard) Has(layer string, u int) bool {
	if s.Count <= 1 {
		return true
	}
	h := fnv.New32a()
	h.Write([]byte(layer))
	return (u+int(h.Sum32()%uint32(s.Count)))%s.Count == s.Index
}
